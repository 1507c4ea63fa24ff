// TelemetryCallback overhead: uncached map of the 3-node pipeline, against a callback that does nothing.
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { PipelineCallback, TelemetryCallback } from "hypernodes";
import { measure, report } from "./measure.js";
import { range, threeNodePipeline } from "./workloads.js";

/** Listens to every event and does nothing: the cost of having callbacks at all. */
class Noop extends PipelineCallback {}
for (const event of ["onPipelineStart", "onPipelineEnd", "onNodeStart", "onNodeEnd", "onNodeCached", "onError", "onNestedPipelineStart",
  "onNestedPipelineEnd", "onMapStart", "onMapItemStart", "onMapItemEnd", "onMapItemCached", "onMapEnd"]) {
  Noop.prototype[event] = () => {};
}

export async function benchTelemetry(n = 100_000) {
  const x = range(n);
  const cases = [
    ["no-op callback", new Noop()],
    ["TelemetryCallback, no tracer provider", new TelemetryCallback()],
    ["TelemetryCallback, SDK tracer, no processor", new TelemetryCallback({ tracer: new BasicTracerProvider().getTracer("bench") })],
  ];
  let baseline = 0;
  for (const [name, callback] of cases) {
    const pipeline = threeNodePipeline({ callbacks: [callback] });
    await pipeline.map({ x: x.slice(0, 1000) }, { mapOver: "x" }); // warm-up
    const { ms, heapMB } = await measure(() => pipeline.map({ x }, { mapOver: "x" }));
    const perNode = (ms * 1000) / (n * 3);
    baseline ||= perNode;
    const extra = perNode === baseline ? "" : `, +${(perNode - baseline).toFixed(2)} µs vs no-op`;
    report(`telemetry: ${name}`, `${perNode.toFixed(2)} µs/node execution`, `${ms.toFixed(0)} ms, heap after ${heapMB.toFixed(0)} MB${extra}`);
  }
}

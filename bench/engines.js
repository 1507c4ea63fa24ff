// ConcurrentEngine on I/O-bound work: 1,000 items whose node awaits 10 ms, at maxConcurrency 100.
import { ConcurrentEngine, node, Pipeline } from "hypernodes";
import { measure, report } from "./measure.js";
import { range } from "./workloads.js";

export async function benchEngines() {
  const wait = node(async (x) => (await new Promise((r) => setTimeout(r, 10)), x), { outputName: "y", name: "wait" });
  const pipeline = new Pipeline({ nodes: [wait], engine: new ConcurrentEngine({ maxConcurrency: 100 }) });
  const { ms } = await measure(() => pipeline.map({ x: range(1000) }, { mapOver: "x" }), { repeat: 3 });
  report("ConcurrentEngine: 1,000 × 10 ms, concurrency 100", `${ms.toFixed(0)} ms`, `${(ms / 100).toFixed(2)}× the ideal 100 ms (target ≤ 1.3×)`);
}

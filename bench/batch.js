// Batch nodes: the same pipeline mapped over 100k items through the batch function vs item by item.
import { ConcurrentEngine, node, Pipeline, SequentialEngine } from "hypernodes";
import { measure, report } from "./measure.js";
import { range } from "./workloads.js";

const N = 100_000;

export async function benchBatch() {
  // Typed-array arithmetic: a degree-5 polynomial, written once per item and once over a Float64Array.
  const poly = node((x) => ((((0.5 * x + 1.5) * x - 2) * x + 3) * x - 1) * x + 0.25, {
    outputName: "y",
    name: "poly",
    batch: (xs) => {
      const v = Float64Array.from(xs);
      const out = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = ((((0.5 * v[i] + 1.5) * v[i] - 2) * v[i] + 3) * v[i] - 1) * v[i] + 0.25;
      return out;
    },
  });
  await compare("batch node, typed-array arithmetic", new Pipeline({ nodes: [poly] }), SequentialEngine, {}, range(N, 1).map((i) => i / N));

  // What batch functions are for: a call with a fixed cost (a model or API request, 1 ms here) that
  // serves many items at once. Both paths on ConcurrentEngine, 100 calls in flight.
  const request = () => new Promise((resolve) => setTimeout(resolve, 1));
  const embed = node(async (text) => (await request(), text.length), {
    outputName: "size",
    name: "embed",
    batchSize: 1000,
    batch: async (texts) => (await request(), texts.map((t) => t.length)),
  });
  const texts = range(N).map((i) => `document ${i}`);
  await compare("batch node, 1 ms per call (async, concurrency 100)", new Pipeline({ nodes: [embed] }), ConcurrentEngine, { maxConcurrency: 100 }, texts);
}

/** Maps `values` as `x`/`text` through the pipeline on the engine with and without batching; prints both and the factor. */
async function compare(workload, pipeline, Engine, options, values) {
  const input = { [pipeline.rootArgs[0]]: values };
  const mapOver = pipeline.rootArgs[0];
  const time = async (batch) => {
    const engine = new Engine({ ...options, batch });
    return (await measure(() => pipeline.map(input, { mapOver, engine }), { repeat: 3 })).ms;
  };
  const single = await time(false);
  const batched = await time(true);
  report(
    `${workload}, ${N.toLocaleString("en")} items`,
    `${(single / batched).toFixed(1)}× faster batched`,
    `${batched.toFixed(0)} ms batched vs ${single.toFixed(0)} ms item by item`,
  );
}

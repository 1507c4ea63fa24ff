// Core engine overheads: uncached map of the 3-node pipeline, and run() of a 50-node chain.
import { node, Pipeline } from "hypernodes";
import { measure, report } from "./measure.js";
import { range, threeNodePipeline } from "./workloads.js";

export async function benchCore() {
  const three = threeNodePipeline();
  const perNode = {};
  for (const n of [10_000, 100_000, 1_000_000]) {
    const x = range(n);
    await three.map({ x: x.slice(0, 1000) }, { mapOver: "x" }); // warm-up
    const { ms, heapMB } = await measure(() => three.map({ x }, { mapOver: "x" }), { repeat: n >= 1_000_000 ? 1 : 3 });
    perNode[n] = (ms * 1000) / (n * 3);
    report(`map 3-node, uncached, N=${n.toLocaleString("en")}`, `${perNode[n].toFixed(3)} µs/node execution`, `${ms.toFixed(0)} ms, heap after ${heapMB.toFixed(0)} MB`);
  }
  report("map linearity, 1M vs 100k", `${(perNode[1_000_000] / perNode[100_000]).toFixed(2)}× per-node time`, "1.00 = linear");

  const chain = range(50).map((i) =>
    node(new Function(i === 0 ? "x" : `v${i - 1}`, `return ${i === 0 ? "x" : `v${i - 1}`} + 1`), { outputName: `v${i}`, name: `n${i}` }),
  );
  const chainPipeline = new Pipeline({ nodes: chain });
  const runs = 20_000;
  const { ms } = await measure(async () => {
    for (let i = 0; i < runs; i++) await chainPipeline.run({ x: i });
  });
  report("run() of a 50-node chain", `${((ms * 1000) / (runs * 50)).toFixed(3)} µs/node`, `${runs.toLocaleString("en")} runs`);
}

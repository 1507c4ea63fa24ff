// The cost of hashing what node code reaches (closure scopes read through V8's inspector): the first
// codeHash of a new node function reaching 10 bindings, and the small calls notebooks make, whose
// per-call codeHash reads must stay cheap.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskCache, MemoryCache, node } from "hypernodes";
import { measure, report } from "./measure.js";
import { threeNodePipeline } from "./workloads.js";

const RATE = 0.1;
const OFFSET = 3;
const LABEL = "v";
const LIMIT = 100;
const WEIGHTS = [1, 2, 3];
function clamp(v) {
  return Math.min(v, LIMIT);
}
function scale(v) {
  return v * RATE;
}
class Acc {
  add(a, b) {
    return a + b + OFFSET;
  }
}
/** A node function reaching 10 bindings: k and tag (closure), clamp, scale, Acc, WEIGHTS, OFFSET, LABEL, and LIMIT and RATE through the helpers. */
const make = (k, tag) => (x) => clamp(scale(x * k)) + new Acc().add(WEIGHTS[0], OFFSET) + LABEL.length + tag.length;

const firstCodeHashMs = (fn) => {
  const t0 = performance.now();
  void node(fn, { outputName: "y" }).codeHash;
  return performance.now() - t0;
};

export async function benchCodeIdentity() {
  const cold = firstCodeHashMs(make(-1, "cold"));
  const times = [];
  for (let i = 0; i < 300; i++) times.push(firstCodeHashMs(make(i, "t")));
  times.sort((a, b) => a - b);
  report(
    "node definition: first codeHash, 10 bindings",
    `${(times[150] * 1000).toFixed(0)} µs median`,
    `p95 ${(times[285] * 1000).toFixed(0)} µs; first in the process ${cold.toFixed(1)} ms (inspector and script setup)`,
  );
  const reached = node(make(1, "t"), { outputName: "y" });
  const reads = 100_000;
  const { ms: readMs } = await measure(() => {
    for (let i = 0; i < reads; i++) void reached.codeHash;
  });
  report("codeHash read, 10 bindings (1 live object)", `${((readMs * 1000) / reads).toFixed(2)} µs`, "once per node per call");

  const calls = 20_000;
  const perCall = async (pipeline) => {
    await pipeline.run({ x: 1 });
    const { ms } = await measure(async () => {
      for (let i = 0; i < calls; i++) await pipeline.run({ x: 1 });
    });
    return `${((ms * 1000) / calls).toFixed(1)} µs/call`;
  };
  report("run() 3-node, uncached", await perCall(threeNodePipeline()));
  report("run() 3-node, MemoryCache hit", await perCall(threeNodePipeline({ cache: new MemoryCache() })));
  const dir = mkdtempSync(join(tmpdir(), "hn-bench-"));
  const disk = new DiskCache({ path: dir });
  report("run() 3-node, DiskCache hit", await perCall(threeNodePipeline({ cache: disk })));
  await disk.close();
  rmSync(dir, { recursive: true, force: true });
}

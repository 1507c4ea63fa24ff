// The cost of hashing what node code reaches (closure scopes read through V8's inspector): the first
// codeHash of a new node function reaching 10 bindings, and the per-call codeHash read, which must
// stay cheap (the small calls themselves: calls.js).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { node } from "hypernodes";
import { measure, report } from "./measure.js";

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

/** A module of `n` node functions, each its own source, each reaching 10 module bindings (two through helpers). */
const moduleOfNodes = (n) => `
const RATE = 0.1, OFFSET = 3, LABEL = "v", LIMIT = 100, K = 2, TAG = "t";
const WEIGHTS = [1, 2, 3];
function clamp(v) { return Math.min(v, LIMIT); }
function scale(v) { return v * RATE; }
class Acc { add(a, b) { return a + b + OFFSET; } }
export const functions = [
${Array.from({ length: n }, (_, i) => `  (x) => clamp(scale(x * K + ${i})) + new Acc().add(WEIGHTS[0], OFFSET) + LABEL.length + TAG.length,`).join("\n")}
];`;

const firstCodeHashMs = (fn) => {
  const t0 = performance.now();
  void node(fn, { outputName: "y" }).codeHash;
  return performance.now() - t0;
};

const summary = (times) => {
  times.sort((a, b) => a - b);
  return [`${(times[times.length >> 1] * 1000).toFixed(0)} µs median`, `p95 ${(times[Math.floor(times.length * 0.95)] * 1000).toFixed(0)} µs`];
};

export async function benchCodeIdentity() {
  const cold = firstCodeHashMs(make(-1, "cold"));
  const factoryMade = [];
  for (let i = 0; i < 300; i++) factoryMade.push(firstCodeHashMs(make(i, "t")));
  const [median, p95] = summary(factoryMade);
  report("node definition: first codeHash, factory-made", median, `${p95}; 10 bindings; first in the process ${cold.toFixed(1)} ms (inspector, scripts listed)`);
  const dir = mkdtempSync(join(tmpdir(), "hn-bench-"));
  writeFileSync(join(dir, "nodes.mjs"), moduleOfNodes(300));
  const { functions } = await import(join(dir, "nodes.mjs"));
  const firstOfModule = firstCodeHashMs(functions[0]);
  const distinct = functions.slice(1).map(firstCodeHashMs);
  rmSync(dir, { recursive: true, force: true });
  const [dMedian, dP95] = summary(distinct);
  report("node definition: first codeHash, own source", dMedian, `${dP95}; 10 bindings; first of its module ${firstOfModule.toFixed(1)} ms (scripts listed again)`);
  const reached = node(make(1, "t"), { outputName: "y" });
  const reads = 100_000;
  const { ms: readMs } = await measure(() => {
    for (let i = 0; i < reads; i++) void reached.codeHash;
  });
  report("codeHash read, 10 bindings (1 live object)", `${((readMs * 1000) / reads).toFixed(2)} µs`, "once per node per call");
}

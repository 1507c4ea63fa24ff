// Speed at notebook scale (issue 17): the small calls a notebook makes on the 3-node pipeline, each
// row against the Python seed's figure (hypernodes 0.4.6 on CPython 3.11, measured side by side on
// this machine) and the target of ten times faster. Two figures per row: "warm", in this process
// once the JIT has compiled the library (a long session), and "fresh", in a new process over the
// row's first calls (a session's first cells), which is how the seed's figures were taken.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskCache, MemoryCache } from "hypernodes";
import { report } from "./measure.js";
import { range, threeNodePipeline } from "./workloads.js";

const mapOver = { mapOver: "x" };
/** Distinct inputs for misses, across every call of a process. */
let unseen = 1e9;

/** A pipeline on `cache` whose entries for `inputs` are already stored and committed. */
async function warmed(cache, inputs, call) {
  const pipeline = threeNodePipeline({ cache });
  await call(pipeline, inputs);
  return pipeline;
}
const run = (p, inputs) => p.run(inputs);
const map = (p, inputs) => p.map(inputs, mapOver);

/** Each row: its pipeline (given an empty DiskCache), one call, how many calls a figure averages, the seed's figure and the target (where the issue set one). */
export const CALL_ROWS = [
  { name: "run() uncached", seed: "22.7", target: 2.3, calls: 1000, setup: () => threeNodePipeline(), call: (p, i) => p.run({ x: i }) },
  { name: "run() MemoryCache hit", seed: "–", calls: 1000, setup: () => warmed(new MemoryCache(), { x: -1 }, run), call: (p) => p.run({ x: -1 }) },
  { name: "run() DiskCache hit", seed: "198–354", target: 20, calls: 1000, setup: (c) => warmed(c, { x: -1 }, run), call: (p) => p.run({ x: -1 }) },
  { name: "run() DiskCache miss, committed", seed: "5,616", target: 500, calls: 200, setup: (c) => threeNodePipeline({ cache: c }), call: (p) => p.run({ x: unseen++ }) },
  { name: "map 100 items uncached", seed: "2,177", target: 200, calls: 100, setup: () => threeNodePipeline(), call: (p) => map(p, { x: range(100) }) },
  { name: "map 100 items, DiskCache warm", seed: "11,213", target: 1000, calls: 100, setup: (c) => warmed(c, { x: range(100) }, map), call: (p) => map(p, { x: range(100) }) },
  { name: "map 1,000 items, DiskCache warm", seed: "42–59", target: 4, calls: 10, perNode: 3000, setup: (c) => warmed(c, { x: range(1000) }, map), call: (p) => map(p, { x: range(1000) }) },
];

/** µs per call (or per node) of the row's calls, made one after the other on `pipeline`. */
export async function timeRow(row, pipeline) {
  const t0 = performance.now();
  for (let i = 0; i < row.calls; i++) await row.call(pipeline, i);
  return ((performance.now() - t0) * 1000) / row.calls / (row.perNode ?? 1);
}

/** The first 10k-item map of a process, after a 2k-item warm-up (µs per node). */
export async function firstLargeMap() {
  const pipeline = threeNodePipeline();
  await map(pipeline, { x: range(2000) });
  const x = range(10_000);
  const t0 = performance.now();
  await map(pipeline, { x });
  return ((performance.now() - t0) * 1000) / 30_000;
}

function inFreshProcess(name) {
  const child = new URL("./calls-child.js", import.meta.url).pathname;
  return JSON.parse(execFileSync(process.execPath, [child, name]).toString());
}

export async function benchCalls() {
  console.log("Notebook-scale calls on the 3-node pipeline: warm (JIT-compiled) / fresh (a new process's first calls)");
  const dir = mkdtempSync(join(tmpdir(), "hn-bench-"));
  const cache = new DiskCache({ path: dir });
  for (const row of CALL_ROWS) {
    const fresh = inFreshProcess(row.name);
    const pipeline = await row.setup(cache);
    // Warm: calls for 300 ms first, so the JIT has compiled what they run; then the best of 5 timings.
    for (const t0 = performance.now(); performance.now() - t0 < 300; ) await timeRow(row, pipeline);
    let warm = Infinity;
    for (let r = 0; r < 5; r++) warm = Math.min(warm, await timeRow(row, pipeline));
    const digits = (row.target ?? 0) < 10 ? 2 : 1;
    const unit = row.perNode ? "µs/node" : "µs/call";
    const target = row.target === undefined ? "" : `; target ≤ ${row.target.toLocaleString("en")}`;
    report(row.name, `${warm.toFixed(digits)} / ${fresh.toFixed(digits)} ${unit}`, `seed ${row.seed}${target}; fresh over ${row.calls.toLocaleString("en")} calls`);
  }
  await cache.close();
  rmSync(dir, { recursive: true, force: true });
  const firsts = [0, 1, 2].map(() => inFreshProcess("first 10k map"));
  report("first 10k-item map of a process", `${Math.min(...firsts).toFixed(2)}–${Math.max(...firsts).toFixed(2)} µs/node`, "after a 2k-item warm-up, 3 processes; seed 8.6–10; target ≤ 1");
}

// Engines on the workloads issue 8 names: ConcurrentEngine on I/O-bound work (1,000 items whose node
// awaits 10 ms, at maxConcurrency 100), WorkerEngine on CPU-bound work (200 items × 20 ms of sha256).
import { createHash } from "node:crypto";
import { ConcurrentEngine, node, Pipeline, SequentialEngine, WorkerEngine } from "hypernodes";
import { measure, report } from "./measure.js";
import { range } from "./workloads.js";

/** `rounds` chained sha256 digests of x: pure CPU work. Exported, so WorkerEngine's workers load it from this module. */
export function hashChain(x, rounds) {
  let h = String(x);
  for (let i = 0; i < rounds; i++) h = createHash("sha256").update(h).digest("hex");
  return h;
}

export async function benchEngines() {
  const wait = node(async (x) => (await new Promise((r) => setTimeout(r, 10)), x), { outputName: "y", name: "wait" });
  const pipeline = new Pipeline({ nodes: [wait], engine: new ConcurrentEngine({ maxConcurrency: 100 }) });
  const { ms } = await measure(() => pipeline.map({ x: range(1000) }, { mapOver: "x" }), { repeat: 3 });
  report("ConcurrentEngine: 1,000 × 10 ms, concurrency 100", `${ms.toFixed(0)} ms`, `${(ms / 100).toFixed(2)}× the ideal 100 ms (target ≤ 1.3×)`);
  await benchWorkers();
}

async function benchWorkers() {
  const rounds = roundsFor(20);
  const hash = node(hashChain, { outputName: "hash" });
  const hashes = new Pipeline({ nodes: [hash] }).bind({ rounds });
  const workers = new WorkerEngine({ workers: 2, module: import.meta.url });
  const run = (engine) => timed(() => hashes.map({ x: range(200) }, { mapOver: "x", engine }));
  await run(workers); // starts the pool and loads the module in the workers
  // Interleaved, best of each kept: on a shared 2-core VM other load comes and goes during a run.
  let sequential = { ms: Infinity };
  let parallel = { ms: Infinity };
  for (let r = 0; r < 4; r++) {
    const s = await run(new SequentialEngine());
    const p = await run(workers);
    if (s.ms < sequential.ms) sequential = s;
    if (p.ms < parallel.ms) parallel = p;
  }
  await workers.close();
  report(
    "WorkerEngine(2) vs Sequential: 200 × 20 ms sha256",
    `${parallel.ms.toFixed(0)} ms vs ${sequential.ms.toFixed(0)} ms`,
    `${(sequential.ms / parallel.ms).toFixed(2)}× faster (target ≥ 1.7×); ${(sequential.ms / 200).toFixed(1)} ms per item; ` +
      `${parallel.cores.toFixed(2)} cores busy`,
  );
}

/** Wall time of one call, and the CPU time of all this process's threads over it (in cores). */
async function timed(fn) {
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { ms, cores: (used.user + used.system) / 1000 / ms };
}

/** How many hashChain rounds take about `ms` milliseconds here (the fastest of a few timings: the JIT warm, least disturbed). */
function roundsFor(ms) {
  const probe = 5000;
  hashChain("warm-up", 4 * probe);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    hashChain(r, probe);
    best = Math.min(best, performance.now() - t0);
  }
  return Math.round((probe * ms) / best);
}

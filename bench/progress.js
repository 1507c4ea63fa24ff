// Cost of live progress: the 10k-item map of the 3-node pipeline with and without ProgressCallback.
import { Writable } from "node:stream";
import { ProgressCallback } from "hypernodes";
import { measure, report } from "./measure.js";
import { range, threeNodePipeline } from "./workloads.js";

/** A terminal that throws away what is drawn (the drawing itself is throttled to 10/s anyway). */
function nullTerminal() {
  const stream = new Writable({ write: (_chunk, _enc, done) => done() });
  return Object.assign(stream, { isTTY: true, columns: 120, rows: 40, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true });
}

export async function benchProgress() {
  const x = range(10_000);
  const plain = threeNodePipeline();
  const withProgress = threeNodePipeline({ callbacks: [new ProgressCallback({ stream: nullTerminal() })] });
  // Interleaved, best of many: a few-ms workload on a shared machine drifts between two long series.
  const base = { ms: Infinity };
  const progress = { ms: Infinity };
  for (let r = 0; r < 60; r++) {
    base.ms = Math.min(base.ms, (await measure(() => plain.map({ x }, { mapOver: "x" }), { repeat: 1 })).ms);
    progress.ms = Math.min(progress.ms, (await measure(() => withProgress.map({ x }, { mapOver: "x" }), { repeat: 1 })).ms);
  }
  report("map 10k items, no callbacks", `${base.ms.toFixed(2)} ms`);
  const overhead = (progress.ms / base.ms - 1) * 100;
  report("map 10k items, ProgressCallback", `${progress.ms.toFixed(2)} ms`, `${overhead >= 0 ? "+" : ""}${overhead.toFixed(0)}% (target ≤ 10%), +${(progress.ms - base.ms).toFixed(2)} ms a call`);
}

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
  const base = await measure(() => plain.map({ x }, { mapOver: "x" }), { repeat: 7 });
  const progress = await measure(() => withProgress.map({ x }, { mapOver: "x" }), { repeat: 7 });
  report("map 10k items, no callbacks", `${base.ms.toFixed(2)} ms`);
  const overhead = (progress.ms / base.ms - 1) * 100;
  report("map 10k items, ProgressCallback", `${progress.ms.toFixed(2)} ms`, `${overhead >= 0 ? "+" : ""}${overhead.toFixed(0)}% (target ≤ 10%)`);
}

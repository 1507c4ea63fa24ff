/**
 * Best wall time of `repeat` runs after one untimed warm-up run when repeating (so the JIT has
 * compiled the hot path), after GC when exposed; and the heap right after the last run.
 */
export async function measure(fn, { repeat = 3 } = {}) {
  if (repeat > 1) await fn();
  let best = Infinity;
  let heapMB = 0;
  for (let r = 0; r < repeat; r++) {
    globalThis.gc?.();
    const t0 = performance.now();
    const result = await fn();
    const ms = performance.now() - t0;
    heapMB = process.memoryUsage().heapUsed / 2 ** 20;
    void result;
    best = Math.min(best, ms);
  }
  return { ms: best, heapMB };
}

export function report(workload, figure, detail = "") {
  console.log(`${workload.padEnd(48)} ${figure.padEnd(34)} ${detail}`);
}

import { describe, expect, it } from "vitest";
import { ConcurrentEngine, MemoryCache, node, NodeExecutionError, Pipeline } from "hypernodes";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A node that records how many of its calls overlap. */
function tracked(outputName: string, inputs: string[], ms = 10, fail?: (x: unknown) => boolean) {
  const stats = { running: 0, peak: 0, started: 0 };
  const n = node(
    async (...args: unknown[]) => {
      stats.started++;
      stats.running++;
      stats.peak = Math.max(stats.peak, stats.running);
      await sleep(ms);
      stats.running--;
      if (fail?.(args[0])) throw new Error(`bad ${String(args[0])}`);
      return args[0];
    },
    { outputName, name: outputName, inputs, version: outputName },
  );
  return { stats, node: n };
}

describe("ConcurrentEngine", () => {
  it("runs map items concurrently up to the limit, results in input order", async () => {
    const { stats, node: echo } = tracked("y", ["x"], 5);
    const p = new Pipeline({ nodes: [echo], engine: new ConcurrentEngine({ maxConcurrency: 8 }) });
    const rows = await p.map({ x: Array.from({ length: 50 }, (_, i) => i) }, { mapOver: "x" });
    expect(rows.map((r) => r.y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(stats.peak).toBe(8);
  });

  it("runs independent nodes of a run concurrently", async () => {
    const shared = { running: 0, peak: 0 };
    const make = (name: string) =>
      node(
        async (x: number) => {
          shared.peak = Math.max(shared.peak, ++shared.running);
          await sleep(20);
          shared.running--;
          return x;
        },
        { outputName: name, name, version: name },
      );
    const join = node((a: number, b: number, c: number) => a + b + c, { outputName: "sum", name: "join" });
    const p = new Pipeline({ nodes: [make("a"), make("b"), make("c"), join], engine: new ConcurrentEngine() });
    expect(await p.run({ x: 1 })).toEqual({ a: 1, b: 1, c: 1, sum: 3 });
    expect(shared.peak).toBe(3);
  });

  it("a failure stops items that have not started and reports the first error with its item", async () => {
    const { stats, node: risky } = tracked("y", ["x"], 5, (x) => x === 3);
    const p = new Pipeline({ nodes: [risky], engine: new ConcurrentEngine({ maxConcurrency: 2 }) });
    const error = await p.map({ x: Array.from({ length: 100 }, (_, i) => i) }, { mapOver: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect(error.itemIndex).toBe(3);
    expect(error.message).toMatch(/bad 3/);
    expect(stats.started).toBeLessThan(10);
  });

  it("collectErrors returns partial results, each failed item as its error", async () => {
    const { node: risky } = tracked("y", ["x"], 1, (x) => (x as number) % 4 === 1);
    const p = new Pipeline({ nodes: [risky], engine: new ConcurrentEngine({ maxConcurrency: 3, collectErrors: true }) });
    const rows = (await p.map({ x: [0, 1, 2, 3, 4, 5] }, { mapOver: "x" })) as unknown[];
    expect(rows.map((r) => (r instanceof NodeExecutionError ? `error@${r.itemIndex}` : (r as { y: number }).y))).toEqual([0, "error@1", 2, 3, 4, "error@5"]);
  });

  it("keeps per-item caching: a re-run with one new item runs one item", async () => {
    const { stats, node: echo } = tracked("y", ["x"], 1);
    const p = new Pipeline({ nodes: [echo], cache: new MemoryCache(), engine: new ConcurrentEngine({ maxConcurrency: 4 }) });
    await p.map({ x: [1, 2, 3] }, { mapOver: "x" });
    await p.map({ x: [1, 2, 3, 4] }, { mapOver: "x" });
    expect(stats.started).toBe(4);
  });

  it("rejects a maxConcurrency that is not a positive integer", () => {
    expect(() => new ConcurrentEngine({ maxConcurrency: 0 })).toThrow(/positive integer/);
  });
});

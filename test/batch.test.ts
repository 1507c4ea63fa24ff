// Batch nodes: `node(fn, { batch })` runs over chunks of map items; results and cache entries match the single path.
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ConcurrentEngine,
  DagStatusCallback,
  MemoryCache,
  node,
  NodeDefinitionError,
  NodeExecutionError,
  Pipeline,
  ProgressCallback,
  SequentialEngine,
  pipelineDefaults,
  type Engine,
} from "hypernodes";
import { Rec, captureError, sleep } from "./contract/helpers.js";

/** The engine the suite runs on (ConcurrentEngine in the "concurrent" project), batching or not. */
function engineWith(batch: boolean): Engine {
  const current = pipelineDefaults().engine;
  return current instanceof ConcurrentEngine
    ? new ConcurrentEngine({ maxConcurrency: current.maxConcurrency, batch })
    : new SequentialEngine({ batch });
}

/** A MemoryCache that remembers every write, to compare what two runs stored. */
class RecordingCache extends MemoryCache {
  readonly writes = new Map<string, unknown>();
  override async set(signature: string, value: unknown): Promise<void> {
    this.writes.set(signature, value);
    return super.set(signature, value);
  }
}

/** x -> scaled (a batch node, counting its calls and their sizes) -> label (a single-item node). */
function scalePipeline(options: { batchSize?: number; cache?: MemoryCache } = {}) {
  const calls = { single: 0, batches: [] as number[][] };
  const scale = node(
    (x: number, factor: number) => {
      calls.single++;
      return x * factor;
    },
    {
      outputName: "scaled",
      name: "scale",
      batch: (xs: number[], factors: number[]) => {
        calls.batches.push([...xs]);
        return xs.map((x, i) => x * factors[i]!);
      },
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    },
  );
  const label = node((scaled: number) => `#${scaled}`, { outputName: "label", name: "label" });
  const pipeline = new Pipeline({ nodes: [scale, label], cache: options.cache ?? new RecordingCache() }).bind({ factor: 3 });
  return { pipeline, calls, scale };
}

/** An async batch function (5 ms per call) computing `body`; `calls.most` is how many calls were in flight at once. */
function overlapping<T, R>(body: (values: T[]) => R[]) {
  const calls = { inFlight: 0, most: 0 };
  const batch = async (values: T[]) => {
    calls.most = Math.max(calls.most, ++calls.inFlight);
    await sleep(5);
    calls.inFlight--;
    return body(values);
  };
  return { calls, batch };
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

describe("batch nodes", () => {
  it("give the same results and the same cache entries as the single-item path, over several chunks", async () => {
    const xs = range(2500);
    const batched = scalePipeline();
    const single = scalePipeline();
    const viaBatch = await batched.pipeline.map({ x: xs }, { mapOver: "x", engine: engineWith(true) });
    const viaSingle = await single.pipeline.map({ x: xs }, { mapOver: "x", engine: engineWith(false) });
    expect(viaBatch).toEqual(xs.map((x) => ({ scaled: x * 3, label: `#${x * 3}` })));
    expect(viaBatch).toEqual(viaSingle);
    // Chunks of 1,000 items: three batch calls, no single call; the other path the other way round.
    expect(batched.calls.batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batched.calls.single).toBe(0);
    expect(single.calls).toEqual({ single: 2500, batches: [] });
    const batchWrites = (batched.pipeline.cache as RecordingCache).writes;
    const singleWrites = (single.pipeline.cache as RecordingCache).writes;
    expect(batchWrites.size).toBe(2 * 2500 + 2);
    expect([...batchWrites.keys()].sort()).toEqual([...singleWrites.keys()].sort());
    // Results are equal entry by entry; the one signature record per node (for `explain`) comes from
    // whichever item stored first, which differs when items run concurrently.
    const results = (writes: Map<string, unknown>) => [...writes].filter(([, value]) => !(value as { argHashes?: unknown })?.argHashes);
    expect(new Map(results(batchWrites))).toEqual(new Map(results(singleWrites)));
  });

  it("share entries both ways: a single-item run hits what a batch computed, and a batch skips what single calls computed", async () => {
    const cache = new MemoryCache();
    const { pipeline, calls } = scalePipeline({ cache });
    await pipeline.map({ x: [1, 2, 3] }, { mapOver: "x", engine: engineWith(true) });
    expect(await pipeline.run({ x: 2 })).toEqual({ scaled: 6, label: "#6" });
    await pipeline.map({ x: [1, 2, 3] }, { mapOver: "x", engine: engineWith(false) });
    await pipeline.map({ x: [3, 2] }, { mapOver: "x", engine: engineWith(true) }); // all hits: no call at all
    expect(calls.single).toBe(0);

    await pipeline.run({ x: 10 }); // run() uses the single-item function
    await pipeline.map({ x: [4, 5] }, { mapOver: "x", engine: engineWith(false) });
    expect(calls.single).toBe(3);
    await pipeline.map({ x: [4, 10, 5, 6] }, { mapOver: "x", engine: engineWith(true) });
    expect(calls.batches).toEqual([[1, 2, 3], [6]]);
  });

  it("serve a chunk's cached items from the cache and pass only the misses to the batch function, in item order", async () => {
    const { pipeline, calls } = scalePipeline();
    const rec = new Rec();
    await pipeline.map({ x: [2, 4, 6] }, { mapOver: "x" });
    const rows = await new Pipeline({ nodes: pipeline.nodes, cache: pipeline.cache, callbacks: [rec] })
      .bind({ factor: 3 })
      .map({ x: [1, 2, 3, 4, 5, 6, 7] }, { mapOver: "x" });
    expect(rows.map((r) => r.scaled)).toEqual([3, 6, 9, 12, 15, 18, 21]);
    expect(calls.batches).toEqual([
      [2, 4, 6],
      [1, 3, 5, 7],
    ]);
    expect(rec.of("onNodeCached").filter((e) => e.args[0] === "scale")).toHaveLength(3);
    expect(rec.of("onMapItemCached").map((e) => e.args[0])).toEqual([1, 3, 5]);
  });

  it("split a chunk's misses into calls of at most batchSize, and grow the chunk for a larger batchSize", async () => {
    const small = scalePipeline({ batchSize: 300 });
    await small.pipeline.map({ x: range(1300) }, { mapOver: "x", engine: new SequentialEngine() });
    expect(small.calls.batches.map((b) => b.length)).toEqual([300, 300, 300, 100, 300]);
    const large = scalePipeline({ batchSize: 1500 });
    const rows = await large.pipeline.map({ x: range(3100) }, { mapOver: "x", engine: new SequentialEngine() });
    expect(large.calls.batches.map((b) => b.length)).toEqual([1500, 1500, 100]);
    expect(rows[3099]).toEqual({ scaled: 9297, label: "#9297" });
    // On ConcurrentEngine a chunk holds maxConcurrency full calls.
    const wide = scalePipeline({ batchSize: 300 });
    await wide.pipeline.map({ x: range(1300) }, { mapOver: "x", engine: new ConcurrentEngine({ maxConcurrency: 4 }) });
    expect(wide.calls.batches.map((b) => b.length)).toEqual([300, 300, 300, 300, 100]);
  });

  it("take the function's parameter shape: one object of arrays for a destructured parameter, fixed inputs repeated", async () => {
    const seen: unknown[] = [];
    const sum = node(({ a, b }: { a: number; b: number }) => a + b, {
      outputName: "sum",
      batch: ({ a, b }: { a: number[]; b: number[] }) => {
        seen.push({ a, b });
        return a.map((v, i) => v + b[i]!);
      },
    });
    // `as never`: map's inputs are typed like run's, so a mapped destructured input does not type-check as a list.
    const rows = await new Pipeline({ nodes: [sum] }).map({ a: [1, 2, 3], b: 10 } as never, { mapOver: "a" });
    expect(rows).toEqual([{ sum: 11 }, { sum: 12 }, { sum: 13 }]);
    expect(seen).toEqual([{ a: [1, 2, 3], b: [10, 10, 10] }]);
  });

  it("accept a typed array of outputs, and one tuple per item for several outputs", async () => {
    const half = node((x: number) => x / 2, {
      outputName: "half",
      batch: (xs: number[]) => Float64Array.from(xs, (x) => x / 2),
    });
    const split = node((half: number) => [Math.floor(half), half % 1] as const, {
      outputName: ["whole", "fraction"],
      batch: (halves: number[]) => halves.map((h) => [Math.floor(h), h % 1] as const),
    });
    const p = new Pipeline({ nodes: [half, split], cache: new MemoryCache() });
    const rows = await p.map({ x: [1, 2, 3] }, { mapOver: "x" });
    expect(rows).toEqual([
      { half: 0.5, whole: 0, fraction: 0.5 },
      { half: 1, whole: 1, fraction: 0 },
      { half: 1.5, whole: 1, fraction: 0.5 },
    ]);
    expect(rows).toEqual(await p.map({ x: [1, 2, 3] }, { mapOver: "x", engine: engineWith(false) }));
  });

  it("await an async batch function, one call at a time on SequentialEngine and up to maxConcurrency on ConcurrentEngine", async () => {
    const sized = overlapping((texts: string[]) => texts.map((t) => t.length));
    const embed = node(async (text: string) => text.length, { outputName: "size", batchSize: 2, batch: sized.batch });
    const p = new Pipeline({ nodes: [embed] });
    const texts = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff", "g"];
    const sizes = async (engine: Engine) => (await p.map({ text: texts }, { mapOver: "text", engine })).map((r) => r.size);
    expect(await sizes(new SequentialEngine())).toEqual([1, 2, 3, 4, 5, 6, 1]);
    expect(sized.calls.most).toBe(1);
    sized.calls.most = 0;
    expect(await sizes(new ConcurrentEngine({ maxConcurrency: 3 }))).toEqual([1, 2, 3, 4, 5, 6, 1]);
    expect(sized.calls.most).toBe(3);
    // A batchSize beyond the default chunk grows the chunk to maxConcurrency calls.
    const echo = overlapping((xs: number[]) => xs);
    const big = node((x: number) => x, { outputName: "y", batchSize: 1000, batch: echo.batch });
    await new Pipeline({ nodes: [big] }).map({ x: range(3000) }, { mapOver: "x", engine: new ConcurrentEngine({ maxConcurrency: 3 }) });
    expect(echo.calls.most).toBe(3);
  });

  it("run inside a nested pipeline mapped over, batched per inner map", async () => {
    const batches: number[][] = [];
    const square = node((v: number) => v * v, {
      outputName: "squared",
      batch: (vs: number[]) => (batches.push(vs), vs.map((v) => v * v)),
    });
    const inner = new Pipeline({ nodes: [square], name: "inner" });
    const squares = inner.asNode({ name: "squares", inputMapping: { values: "v" }, outputMapping: { squared: "squares" }, mapOver: "values" });
    const total = node((squares: number[]) => squares.reduce((a, b) => a + b, 0), { outputName: "total" });
    const outer = new Pipeline({ nodes: [squares, total], cache: new MemoryCache() });
    expect(await outer.run({ values: [1, 2, 3] })).toEqual({ squares: [1, 4, 9], total: 14 });
    expect(batches).toEqual([[1, 2, 3]]);
    // An outer map: each outer item's inner map is one batch call; values squared before are hits.
    const rows = await outer.map({ values: [[1, 2], [3], [4, 5, 6]] }, { mapOver: "values" });
    expect(rows.map((r) => r.total)).toEqual([5, 9, 77]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    batches.length = 0;
    await new Pipeline({ nodes: [squares, total] }).map({ values: [[1, 2], [3], [4, 5, 6]] }, { mapOver: "values" });
    expect(batches).toEqual([[1, 2], [3], [4, 5, 6]]);
  });

  it("run after single-item steps and before others, in stages per chunk, downstream of an uncached node too", async () => {
    const noisy = node((x: number) => x + 1, { outputName: "y", cache: false });
    const batches: number[][] = [];
    const double = node((y: number) => y * 2, { outputName: "z", batch: (ys: number[]) => (batches.push(ys), ys.map((y) => y * 2)) });
    const plusOne = node((z: number) => z + 1, { outputName: "w" });
    const p = new Pipeline({ nodes: [noisy, double, plusOne], cache: new MemoryCache() });
    expect((await p.map({ x: [1, 2, 3] }, { mapOver: "x" })).map((r) => r.w)).toEqual([5, 7, 9]);
    // `double` is deferred (its input comes from an uncached node): looked up per chunk, hit the second time.
    expect((await p.map({ x: [1, 2, 3, 4] }, { mapOver: "x" })).map((r) => r.w)).toEqual([5, 7, 9, 11]);
    expect(batches).toEqual([[2, 3, 4], [5]]);
  });

  it("fire per-item node and item events, so progress and DAG status count batch items like single ones", async () => {
    const rec = new Rec();
    const status = new DagStatusCallback({ throttleMs: 0 });
    const progress = new ProgressCallback({ enable: false });
    const { pipeline } = scalePipeline();
    const p = new Pipeline({ nodes: pipeline.nodes, cache: new MemoryCache(), callbacks: [rec, status, progress], name: "scaling" }).bind({
      factor: 3,
    });
    status.track(p);
    await p.map({ x: [1, 2] }, { mapOver: "x" });
    rec.events.length = 0;
    await p.map({ x: [1, 2, 3, 4] }, { mapOver: "x" });
    const scaleEvents = rec.compact((e) => e.args[0] === "scale").map((e) => e.split(":")[0]);
    expect(scaleEvents).toEqual(["onNodeCached", "onNodeCached", "onNodeStart", "onNodeStart", "onNodeEnd", "onNodeEnd"]);
    expect(rec.of("onNodeStart").filter((e) => e.args[0] === "scale").map((e) => e.args[1])).toEqual([
      { x: 3, factor: 3 },
      { x: 4, factor: 3 },
    ]);
    expect(rec.of("onNodeEnd").filter((e) => e.args[0] === "scale").map((e) => e.args[1])).toEqual([{ scaled: 9 }, { scaled: 12 }]);
    for (const i of [0, 1, 2, 3]) {
      const order = rec.compact().filter((e) => e.endsWith(`Item:${i}`) || e === `onMapItemStart:${i}` || e === `onMapItemEnd:${i}`);
      expect(order[0]).toBe(`onMapItemStart:${i}`);
      expect(order.at(-1)).toBe(`onMapItemEnd:${i}`);
    }
    expect(rec.of("onMapItemEnd")).toHaveLength(4);
    expect(rec.of("onMapItemCached").map((e) => e.args[0])).toEqual([0, 1]);
    const model = status.visualization.model.status!;
    expect(model.state).toBe("done");
    expect(model.items).toEqual({ total: 4, done: 2, cached: 2, failed: 0 });
    expect(model.nodes.fn_scale).toMatchObject({ state: "done", items: { total: 4, done: 2, cached: 2, failed: 0 } });
  });

  it("reject a wrong number of outputs with a NodeExecutionError naming the node and the call's first item", async () => {
    const bad = node((x: number) => x, { outputName: "y", name: "shortBatch", batchSize: 2, batch: (xs: number[]) => xs.slice(1) });
    const error = await captureError(() => new Pipeline({ nodes: [bad] }).map({ x: [1, 2, 3, 4, 5] }, { mapOver: "x" }));
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect(error.message).toBe(
      "Node 'shortBatch' failed at map item 0: its batch function returned 1 outputs for 2 items (it must return one output per item)",
    );
    expect(error.itemIndex).toBe(0);
    expect(error.cause).toBeInstanceOf(TypeError);
    const notAList = node((x: number) => x, { outputName: "y", name: "notAList", batch: () => 42 as unknown as number[] });
    expect((await captureError(() => new Pipeline({ nodes: [notAList] }).map({ x: [1] }, { mapOver: "x" }))).message).toContain(
      "returned number for 1 items",
    );
  });

  it("report a throwing batch per item: the first item of the failed call, onError for each, other calls kept with collectErrors", async () => {
    const boom = new Error("model crashed");
    const flaky = node((x: number) => x, {
      outputName: "y",
      name: "flaky",
      batchSize: 2,
      batch: async (xs: number[]) => {
        if (xs.includes(3)) throw boom;
        return xs;
      },
    });
    const rec = new Rec();
    const p = new Pipeline({ nodes: [flaky], callbacks: [rec] });
    const error = await captureError(() => p.map({ x: [1, 2, 3, 4, 5] }, { mapOver: "x", engine: new SequentialEngine() }));
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect(error.message).toBe("Node 'flaky' failed at map item 2: model crashed");
    expect(error.cause).toBe(boom);
    expect(rec.of("onError").map((e) => e.args)).toEqual([
      ["flaky", boom],
      ["flaky", boom],
    ]);
    // Stopped at the failure: the last call never started (calls run one after another on SequentialEngine).
    expect(rec.of("onNodeStart").map((e) => (e.args[1] as { x: number }).x)).toEqual([1, 2, 3, 4]);

    const collecting = new ConcurrentEngine({ maxConcurrency: 2, collectErrors: true });
    const rows = (await p.map({ x: [1, 2, 3, 4, 5] }, { mapOver: "x", engine: collecting })) as unknown[];
    expect(rows[0]).toEqual({ y: 1 });
    expect(rows[4]).toEqual({ y: 5 });
    expect(rows.slice(2, 4).map((r) => (r as NodeExecutionError).itemIndex)).toEqual([2, 3]);
    expect((rows[2] as NodeExecutionError).cause).toBe(boom);
  });

  it("hash the batch function into codeHash (batchSize aside); a node without one keeps its hash", () => {
    const single = (x: number) => x * 2;
    const plain = node(single, { outputName: "y" });
    const batched = node(single, { outputName: "y", batch: (xs: number[]) => xs.map((x) => x * 2) });
    const edited = node(single, { outputName: "y", batch: (xs: number[]) => xs.map((x) => x + x) });
    const sized = node(single, { outputName: "y", batch: (xs: number[]) => xs.map((x) => x * 2), batchSize: 64 });
    expect(plain.codeHash).toBe(node((x: number) => x * 2, { outputName: "y" }).codeHash);
    expect(batched.codeHash).not.toBe(plain.codeHash);
    expect(edited.codeHash).not.toBe(batched.codeHash);
    expect(sized.codeHash).toBe(batched.codeHash);
    expect(node((x: number) => x * 3, { outputName: "y", batch: (xs: number[]) => xs.map((x) => x * 2) }).codeHash).not.toBe(
      batched.codeHash,
    );
  });

  it("validate the options up front", () => {
    const fn = (x: number) => x;
    expect(() => node(fn, { outputName: "y", batchSize: 10 })).toThrow(new NodeDefinitionError("Node 'fn': batchSize is given without a batch function"));
    expect(() => node(fn, { outputName: "y", batch: (xs: number[]) => xs, batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => node(fn, { outputName: "y", batch: "no" as never })).toThrow(/batch must be a function, got string/);
    expect(() => node(fn, { outputName: "y", batch: Math.max as never })).toThrow(/batch function's source cannot be read/);
    expect(node(fn, { outputName: "y", batch: Math.max as never, version: "1" }).batch).toBe(Math.max);
  });

  it("type the batch function's outputs by the single function's", () => {
    node((x: number) => x * 2, { outputName: "y", batch: (xs: number[]) => new Float64Array(xs) });
    // @ts-expect-error strings are not the numbers the single function returns
    node((x: number) => x * 2, { outputName: "y", batch: (xs: number[]) => xs.map(String) });
    const typed = node((x: number) => `${x}`, { outputName: "label" as const, batch: async (xs: number[]) => xs.map(String) });
    expectTypeOf(typed.func).toEqualTypeOf<(x: number) => string>();
  });
});

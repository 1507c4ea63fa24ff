// Stop means stop: a run or map aborted by its signal rejects at once with an AbortError saying how
// far it got, starts no node after the abort and keeps what finished cached; a node over its timeout
// fails like a throwing node; a node reads the call's signal with currentSignal().
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import {
  AbortError,
  ConcurrentEngine,
  currentSignal,
  HyperNodesError,
  MemoryCache,
  node,
  NodeDefinitionError,
  NodeExecutionError,
  Pipeline,
  TimeoutError,
  WorkerEngine,
} from "hypernodes";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A synchronous node that keeps a core busy for `ms`. */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

/** The error `promise` rejects with, and how long it took (ms). */
async function rejection(promise: Promise<unknown>): Promise<{ error: any; ms: number }> {
  const started = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error("expected a rejection");
}

describe("run and map with a signal", () => {
  it("a signal aborted before the call: nothing runs", async () => {
    let calls = 0;
    const double = node((x: number) => (calls++, x * 2), { outputName: "doubled" });
    const pipeline = new Pipeline({ nodes: [double] });
    const reason = new Error("user cancelled");
    const { error } = await rejection(pipeline.run({ x: 1 }, { signal: AbortSignal.abort(reason) }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toBeInstanceOf(HyperNodesError);
    expect([error.name, error.message, error.cause]).toEqual(["AbortError", "The run was aborted before it started", reason]);
    await expect(pipeline.map({ x: [1, 2] }, { mapOver: "x", signal: AbortSignal.abort() })).rejects.toThrow("The map was aborted before it started");
    expect(calls).toBe(0);
  });

  it("run: an async node in flight is no longer waited for, sees its signal aborted, and no later node starts", async () => {
    const seen: string[] = [];
    const fetchPage = node(
      async (url: string) => {
        const signal = currentSignal();
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => (seen.push(`aborted: ${signal.reason}`), resolve())));
        return await new Promise<string>(() => {}); // never settles: only the abort ends the call
      },
      { outputName: "page", name: "fetchPage" },
    );
    const parse = node((page: string) => (seen.push("parse ran"), page.length), { outputName: "length" });
    const controller = new AbortController();
    setTimeout(() => controller.abort("stop"), 30);
    const { error, ms } = await rejection(new Pipeline({ nodes: [fetchPage, parse] }).run({ url: "u" }, { signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toBe("The run was aborted while node 'fetchPage' ran; 0 nodes had run");
    expect(error.cause).toBe("stop");
    expect(ms).toBeLessThan(500);
    expect(seen).toEqual(["aborted: stop"]);
  });

  it.each([
    ["SequentialEngine, synchronous nodes", undefined, false],
    ["ConcurrentEngine, async nodes", new ConcurrentEngine({ maxConcurrency: 8 }), true],
  ])("map (%s): stops starting items at once; exactly the finished items are cached, and a re-run computes only the rest", async (_, engine, async) => {
    const cache = new MemoryCache();
    let calls = 0;
    const work = async
      ? node(async (x: number) => (calls++, await sleep(2), x + 1), { outputName: "y", version: "cancel async" })
      : node((x: number) => (calls++, busy(0.2), x + 1), { outputName: "y", version: "cancel sync" });
    const pipeline = new Pipeline({ nodes: [work], cache, engine });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { error, ms } = await rejection(pipeline.map({ x: range(2000) }, { mapOver: "x", signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortError);
    const finished = Number(error.message.match(/^The map was aborted; ([\d,]+) of 2,000 items had finished \(their results are cached\), and no node started after the abort$/)![1]!.replace(/,/g, ""));
    expect(finished).toBeGreaterThan(0);
    expect(ms).toBeLessThan(100 + 250);
    const callsBefore = calls;
    await sleep(50);
    expect(calls, "no node starts after the abort").toBe(callsBefore);
    expect(callsBefore - finished, "only the items in flight at the abort had started").toBeLessThanOrEqual(8);
    calls = 0;
    const rows = await pipeline.map({ x: range(2000) }, { mapOver: "x" });
    expect(rows[1999]).toEqual({ y: 2000 });
    expect(calls).toBe(2000 - finished);
  });

  it("an abort inside a nested pipeline rejects the outer call with the AbortError, not a node failure; onError is not called", async () => {
    const errors: string[] = [];
    const inner = new Pipeline({ nodes: [node(async (x: number) => (await sleep(5), x), { outputName: "y" })] });
    const outer = new Pipeline({
      nodes: [inner.asNode({ name: "inner", mapOver: "x" })],
      callbacks: [{ onError: (name: string) => void errors.push(name) }],
    });
    const { error } = await rejection(outer.run({ x: range(1000) }, { signal: AbortSignal.timeout(40) }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error).not.toBeInstanceOf(NodeExecutionError);
    expect(error.cause.name).toBe("TimeoutError"); // AbortSignal.timeout's own reason
    expect(errors).toEqual([]);
  });

  it("a batch node's call is not started after the abort", async () => {
    let batches = 0;
    const square = node((x: number) => x * x, {
      outputName: "sq",
      batch: async (xs: number[]) => (batches++, await sleep(20), xs.map((x) => x * x)),
      batchSize: 100,
    });
    const { error } = await rejection(new Pipeline({ nodes: [square] }).map({ x: range(10_000) }, { mapOver: "x", signal: AbortSignal.timeout(50) }));
    expect(error).toBeInstanceOf(AbortError);
    const started = batches;
    await sleep(60);
    expect(batches).toBe(started);
    expect(started).toBeLessThan(10);
  });

  it("map without a cache or callbacks: a node reads the call's signal, and an abort from inside stops the next items", async () => {
    const controller = new AbortController();
    const seen = new Set<AbortSignal>();
    let ran = 0;
    const work = node(
      (x: number) => {
        seen.add(currentSignal());
        ran++;
        if (x === 10) controller.abort("enough");
        return x;
      },
      { outputName: "y", name: "work" },
    );
    const { error } = await rejection(new Pipeline({ nodes: [work] }).map({ x: range(100) }, { mapOver: "x", signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toBe("The map was aborted; 11 of 100 items had finished, and no node started after the abort");
    expect([...seen]).toEqual([controller.signal]);
    expect(ran).toBe(11);
    expect(currentSignal().aborted).toBe(false); // restored after the calls
  });

  it("currentSignal() outside a node is a signal that never aborts", () => {
    expect(currentSignal().aborted).toBe(false);
    expect(currentSignal()).toBeInstanceOf(AbortSignal);
  });

  it("bad signal and timeout options are named before anything runs", async () => {
    const pipeline = new Pipeline({ nodes: [node((x: number) => x, { outputName: "y" })] });
    await expect(pipeline.run({ x: 1 }, { signal: "stop" as unknown as AbortSignal })).rejects.toThrow("run/map option signal must be an AbortSignal, got string");
    await expect(pipeline.run({ x: 1 }, { signal: new AbortController() as unknown as AbortSignal })).rejects.toThrow("got AbortController");
    for (const bad of [0, -5, Infinity, NaN, "5s"]) {
      await expect(pipeline.map({ x: [1] }, { mapOver: "x", timeout: bad as number })).rejects.toThrow(/^run\/map option timeout must be a positive number of milliseconds, got /);
      expect(() => node((x: number) => x, { outputName: "y", timeout: bad as number })).toThrow(NodeDefinitionError);
    }
  });
});

describe("timeouts", () => {
  it("a node over its own timeout fails like a throwing node: NodeExecutionError naming the node and item, cause TimeoutError", async () => {
    let aborted = false;
    const slow = node(
      async (x: number) => {
        const signal = currentSignal();
        await sleep(x);
        aborted = signal.aborted;
        return x;
      },
      { outputName: "y", name: "slow", timeout: 50 },
    );
    const pipeline = new Pipeline({ nodes: [slow] });
    expect(await pipeline.run({ x: 5 })).toEqual({ y: 5 });
    const { error, ms } = await rejection(pipeline.map({ x: [1, 200] }, { mapOver: "x" }));
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect(error.message).toBe("Node 'slow' failed at map item 1: it did not finish within its timeout of 50 ms");
    expect(error.cause).toBeInstanceOf(TimeoutError);
    expect(error.cause.name).toBe("TimeoutError");
    expect(ms).toBeLessThan(190);
    await sleep(200);
    expect(aborted, "its signal aborted at the timeout").toBe(true);
  });

  it("the call's timeout applies to every node without its own; a node's own wins; a nested pipeline is not timed as a whole", async () => {
    const wait = (ms: number) => node(async (x: number) => (await sleep(ms), x), { outputName: `after${ms}`, name: `wait${ms}` });
    const patient = node(async (x: number) => (await sleep(300), x), { outputName: "patient", timeout: 2000 });
    const inner = new Pipeline({ nodes: [wait(100), node(async (after100: number) => (await sleep(100), after100), { outputName: "again" })] });
    const pipeline = new Pipeline({ nodes: [patient, inner.asNode({ name: "inner" })] });
    expect(await pipeline.run({ x: 1 }, { timeout: 150 })).toEqual({ patient: 1, after100: 1, again: 1 });
    const { error } = await rejection(new Pipeline({ nodes: [wait(400)] }).run({ x: 1 }, { timeout: 150 }));
    expect(error.message).toBe("Node 'wait400' failed: it did not finish within its timeout of 150 ms");
  });
});

describe("WorkerEngine", () => {
  const engine = new WorkerEngine({ workers: 2 });
  afterAll(() => engine.close());

  it("a node stuck in a loop over its timeout: its worker thread is ended and replaced, the next call works", async () => {
    const spin = node((x: number) => {
      if (x < 0) for (;;);
      return x * 2;
    }, { outputName: "y", name: "spin", timeout: 300 });
    const pipeline = new Pipeline({ nodes: [spin], engine });
    // The limit counts from when the item is handed to the pool: start both threads first, as a busy machine may take 300 ms to.
    await pipeline.map({ x: [1, 2] }, { mapOver: "x" });
    const { error } = await rejection(pipeline.map({ x: [1, -1, 2] }, { mapOver: "x" }));
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect(error.message).toBe("Node 'spin' failed at map item 1: it did not finish within its timeout of 300 ms");
    expect(await pipeline.map({ x: [1, 2, 3, 4] }, { mapOver: "x" })).toEqual([{ y: 2 }, { y: 4 }, { y: 6 }, { y: 8 }]);
  });

  it("an aborted map rejects at once though its items never end, and the workers are free again", async () => {
    const forever = node((x: number) => {
      for (;;);
      return x;
    }, { outputName: "y", cache: false });
    const { error, ms } = await rejection(new Pipeline({ nodes: [forever], engine }).map({ x: range(10) }, { mapOver: "x", signal: AbortSignal.timeout(200) }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toMatch(/^The map was aborted; 0 of 10 items had finished/);
    expect(ms).toBeLessThan(1000);
    const double = node((x: number) => x * 2, { outputName: "d" });
    expect(await new Pipeline({ nodes: [double], engine }).run({ x: 4 })).toEqual({ d: 8 });
  });

  it("what an item's code throws or leaves rejected, unawaited, fails that item, never another", async () => {
    const leaky = node(
      async (x: number) => {
        if (x === 3) void Promise.reject(new Error("left rejected by x = 3"));
        if (x === 5) setTimeout(() => { throw new Error("thrown by x = 5's timer"); }, 5);
        await new Promise((resolve) => setTimeout(resolve, 30));
        return x;
      },
      { outputName: "y", name: "leaky", cache: false },
    );
    const pipeline = new Pipeline({ nodes: [leaky], engine });
    for (const [x, message] of [[3, "left rejected by x = 3"], [5, "thrown by x = 5's timer"]] as const) {
      const { error } = await rejection(pipeline.map({ x: [1, 2, x, 4, 6, 7] }, { mapOver: "x" }));
      expect(error).toBeInstanceOf(NodeExecutionError);
      expect(error.message).toBe(`Node 'leaky' failed at map item 2: ${message}`);
    }
    expect(await pipeline.map({ x: [1, 2, 4] }, { mapOver: "x" })).toEqual([{ y: 1 }, { y: 2 }, { y: 4 }]);
  });

  it("a throw after the item returned (a timer it left) is a warning naming the node; every item keeps its result", async () => {
    const late = node(
      (x: number) => {
        if (x === 1) setTimeout(() => { throw new Error("thrown after x = 1 returned"); }, 20);
        const end = Date.now() + 10;
        while (Date.now() < end);
        return x;
      },
      { outputName: "y", name: "late", cache: false },
    );
    const warnings: Error[] = [];
    const listener = (w: Error & { code?: string }) => w.code === "HYPERNODES_WORKER_STRAY" && warnings.push(w);
    process.on("warning", listener);
    onTestFinished(() => void process.off("warning", listener));
    expect(await new Pipeline({ nodes: [late], engine }).map({ x: range(12) }, { mapOver: "x" })).toEqual(range(12).map((y) => ({ y })));
    expect(warnings.map((w) => w.message)).toEqual([
      "WorkerEngine: code that had already returned its item's result threw, or left a promise rejected, in a worker thread (node 'late': Error: thrown after x = 1 returned)",
    ]);
  });
});

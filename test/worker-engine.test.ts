// WorkerEngine: how functions reach the workers, and that cache, callbacks and errors stay in the main
// thread. Workers load the build (dist/): `npm test` builds first.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import {
  DiskCache,
  MemoryCache,
  node,
  NodeExecutionError,
  Pipeline,
  SequentialEngine,
  registerModuleObject,
  unregisterModuleObject,
  stateful,
  UnshippableFunctionError,
  WorkerEngine,
  type CallbackContext,
  PipelineCallback,
} from "hypernodes";
import { counter, counting, pipeline as modulePipeline, useCounter } from "./fixtures/worker-pipeline.js";

const FIXTURE = new URL("./fixtures/worker-pipeline.js", import.meta.url);
const engine = new WorkerEngine({ workers: 2 });
const moduleEngine = new WorkerEngine({ workers: 2, module: FIXTURE });
afterAll(() => Promise.all([engine.close(), moduleEngine.close()]));

/** The id of the thread a node ran in (0 is the main thread), from a self-contained function. */
const threadOf = node((x: number) => ({ x, thread: process.getBuiltinModule("node:worker_threads").threadId }), { outputName: "ran" });

/** Counts executed and cached nodes (events arrive in the main thread). */
class Tally extends PipelineCallback {
  ended = 0;
  cached = 0;
  items: number[] = [];
  onNodeEnd() {
    this.ended++;
  }
  onNodeCached() {
    this.cached++;
  }
  onMapItemEnd(index: number, _ms: number, _ctx: CallbackContext) {
    this.items.push(index);
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("WorkerEngine: functions reach the workers", () => {
  it("loads a pipeline's functions from their module (they use imports and module constants)", async () => {
    const rows = await modulePipeline.map({ x: range(6) }, { mapOver: "x", engine: moduleEngine });
    const expected = await modulePipeline.map({ x: range(6) }, { mapOver: "x", engine: new SequentialEngine() });
    expect(rows.map((r) => (r.hashed as { hash: string }).hash)).toEqual(expected.map((r) => (r.hashed as { hash: string }).hash));
    expect(rows.every((r) => (r.hashed as { thread: number }).thread > 0)).toBe(true);
    expect(expected.every((r) => (r.hashed as { thread: number }).thread === 0)).toBe(true);
  });

  it("ships a self-contained function by its source", async () => {
    const rows = await new Pipeline({ nodes: [threadOf] }).map({ x: range(4) }, { mapOver: "x", engine });
    expect(rows.map((r) => (r.ran as { x: number }).x)).toEqual(range(4));
    expect(rows.every((r) => (r.ran as { thread: number }).thread > 0)).toBe(true);
  });

  it("refuses up front a function that captures what it cannot ship, naming the node, the function and the variables", async () => {
    const factor = 3;
    let calls = 0;
    const client = { send: (v: number) => v };
    const scaleIt = node(function scale(x: number) {
      calls++;
      const local = x * factor;
      return client.send(local) + Math.abs(x);
    }, { outputName: "y" });
    const before = node((x: number) => x, { outputName: "x2", name: "before" });
    const tally = new Tally();
    let started = 0;
    const watcher = new (class extends PipelineCallback {
      onPipelineStart() {
        started++;
      }
    })();
    const p = new Pipeline({ nodes: [before, scaleIt], callbacks: [tally, watcher] });
    const error = await p.map({ x: [1, 2] }, { mapOver: "x", engine }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnshippableFunctionError);
    // `factor` (a constant, only read) would travel; a counter it changes and an object holding a function cannot.
    expect((error as UnshippableFunctionError).variables).toEqual([
      "calls (the function changes it: a worker would change its own copy)",
      "client (client.send is a function)",
    ]);
    expect((error as Error).message).toContain("node 'scale' (function scale)");
    expect((error as Error).message).toContain("cannot be sent: calls (the function changes it");
    expect(started).toBe(0);
    expect(tally.ended).toBe(0);
    expect(calls).toBe(0);
  });

  it("ships values and helpers a notebook's cells define, tslab's exports.k included", async () => {
    const exports: Record<string, unknown> = { k: 3, table: [10, 20, 30] };
    registerModuleObject(exports);
    onTestFinished(() => unregisterModuleObject(exports));
    const cell = (body: string) => new Function("exports", body)(exports);
    exports.shout = cell("return function shout(s) { return s.toUpperCase() + exports.k; }");
    // `table` read bare (declared in the same cell), `k` and `shout` through `exports`.
    const fn = new Function("exports", "const table = exports.table; return function label(x) { return exports.shout('v' + x * exports.k) + table[x]; }")(exports);
    const labelled = node(fn, { outputName: "text" });
    const rows = await new Pipeline({ nodes: [labelled] }).map({ x: [0, 1, 2] }, { mapOver: "x", engine });
    expect(rows.map((r) => r.text)).toEqual(["V0310", "V3320", "V6330"]);

    exports.client = { send: () => 1 };
    const usesClient = node(cell("return function post(x) { return exports.client.send(x); }"), { outputName: "sent" });
    const error = await new Pipeline({ nodes: [usesClient] }).run({ x: 1 }, { engine }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/node 'post' \(function post\).*client \(client\.send is a function\)/);
  });

  it('with unshippable: "main-thread", runs what cannot be shipped in the main thread and the rest in workers', async () => {
    let calls = 0;
    const counted = node((x: number) => (calls++, x), { outputName: "x1", name: "counted" });
    const after = node((x1: number) => ({ x1, thread: process.getBuiltinModule("node:worker_threads").threadId }), { outputName: "ran" });
    const mixed = new WorkerEngine({ workers: 2, unshippable: "main-thread" });
    try {
      const rows = await new Pipeline({ nodes: [counted, after] }).map({ x: range(5) }, { mapOver: "x", engine: mixed });
      expect(calls).toBe(5);
      expect(rows.map((r) => (r.ran as { x1: number }).x1)).toEqual(range(5));
      expect(rows.every((r) => (r.ran as { thread: number }).thread > 0)).toBe(true);
    } finally {
      await mixed.close();
    }
  });

  it("creates a stateful resource lazily once per worker, never in the main thread", async () => {
    const p = new Pipeline({ nodes: [useCounter] }).bind({ counter });
    const rows = await p.map({ x: range(12) }, { mapOver: "x", engine: moduleEngine });
    const used = rows.map((r) => r.used as { x: number; thread: number; made: number });
    expect(used.map((u) => u.x)).toEqual(range(12));
    expect(used.every((u) => u.thread > 0)).toBe(true);
    // One resource per thread: as many distinct resources as threads that ran items.
    expect(new Set(used.map((u) => u.made)).size).toBe(new Set(used.map((u) => u.thread)).size);
    const fromSource = stateful(() => ({ made: Math.random() }), { key: "worker-test-source-resource" });
    const read = node((x: number, res: { made: number }) => res.made, { outputName: "made" });
    const made = await new Pipeline({ nodes: [read] }).bind({ res: fromSource }).map({ x: range(8) }, { mapOver: "x", engine });
    expect(new Set(made.map((r) => r.made)).size).toBeLessThanOrEqual(2);
  });

  it("reaches a resource bound into an exported pipeline through that pipeline (its factory reads an import)", async () => {
    const rows = await counting.map({ x: range(6) }, { mapOver: "x", engine: moduleEngine });
    const used = rows.map((r) => r.used as { x: number; thread: number });
    expect(used.map((u) => u.x)).toEqual(range(6));
    expect(used.every((u) => u.thread > 0)).toBe(true);
  });

  it("takes the module as a path relative to the working directory", async () => {
    const byPath = new WorkerEngine({ workers: 1, module: relative(process.cwd(), fileURLToPath(FIXTURE)) });
    try {
      const rows = await modulePipeline.map({ x: [1, 2] }, { mapOver: "x", engine: byPath });
      expect(rows.map((r) => (r.hashed as { thread: number }).thread > 0)).toEqual([true, true]);
    } finally {
      await byPath.close();
    }
  });
});

describe("WorkerEngine: results, cache, callbacks, errors", () => {
  it("keeps input order when items take different times", async () => {
    const uneven = node(
      (x: number) => {
        const until = Date.now() + (x % 3) * 5;
        while (Date.now() < until);
        return x * 10;
      },
      { outputName: "y", name: "uneven" },
    );
    const rows = await new Pipeline({ nodes: [uneven] }).map({ x: range(20) }, { mapOver: "x", engine });
    expect(rows.map((r) => r.y)).toEqual(range(20).map((x) => x * 10));
  });

  it("runs independent nodes of a run() in workers and wires their outputs", async () => {
    const a = node((x: number) => x + 1, { outputName: "a" });
    const b = node((x: number) => x * 2, { outputName: "b" });
    const sum = node((a: number, b: number) => a + b, { outputName: "sum" });
    expect(await new Pipeline({ nodes: [a, b, sum] }).run({ x: 5 }, { engine })).toEqual({ a: 6, b: 10, sum: 16 });
  });

  it.each([
    ["MemoryCache", () => new MemoryCache()],
    ["DiskCache", (dir: string) => new DiskCache({ path: dir })],
  ])("caches each item in the main thread (%s): a re-run with one new item runs one item", async (_, makeCache) => {
    const dir = mkdtempSync(join(tmpdir(), "hn-worker-"));
    const cache = makeCache(dir);
    try {
      const tally = new Tally();
      const square = node((x: number) => x * x, { outputName: "sq", name: "square" });
      const p = new Pipeline({ nodes: [square], cache, callbacks: [tally] });
      expect((await p.map({ x: [1, 2, 3] }, { mapOver: "x", engine })).map((r) => r.sq)).toEqual([1, 4, 9]);
      expect(tally.ended).toBe(3);
      expect((await p.map({ x: [1, 2, 3, 4] }, { mapOver: "x", engine })).map((r) => r.sq)).toEqual([1, 4, 9, 16]);
      expect({ ended: tally.ended, cached: tally.cached }).toEqual({ ended: 4, cached: 3 });
      expect(await new Pipeline({ nodes: [square], cache }).run({ x: 4 })).toEqual({ sq: 16 });
    } finally {
      await cache.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fires item and node events in the main thread as items complete", async () => {
    const tally = new Tally();
    const outputs: unknown[] = [];
    const watcher = new (class extends PipelineCallback {
      onNodeEnd(_id: string, out: Record<string, unknown>) {
        outputs.push(out.ran);
      }
    })();
    await new Pipeline({ nodes: [threadOf], callbacks: [tally, watcher] }).map({ x: range(6) }, { mapOver: "x", engine });
    expect([...tally.items].sort((a, b) => a - b)).toEqual(range(6));
    expect(outputs).toHaveLength(6);
  });

  it("reports a node's error with its item index; the original's name, message, stack and fields cross back", async () => {
    const risky = node(
      (x: number) => {
        if (x === 3) throw Object.assign(new RangeError(`bad ${x}`), { code: "E_BAD", details: { status: 429, at: new Date(3) }, retry: () => x });
        return x;
      },
      { outputName: "y", name: "risky" },
    );
    const errors: unknown[] = [];
    const onError = new (class extends PipelineCallback {
      onError(_id: string, error: unknown) {
        errors.push(error);
      }
    })();
    const error = await new Pipeline({ nodes: [risky], callbacks: [onError] }).map({ x: range(8) }, { mapOver: "x", engine }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect((error as NodeExecutionError).itemIndex).toBe(3);
    expect((error as Error).message).toBe("Node 'risky' failed at map item 3: bad 3");
    const cause = (error as Error).cause as Error & { code: string; details: unknown };
    expect([cause.name, cause.message, cause.code, cause.details]).toEqual(["RangeError", "bad 3", "E_BAD", { status: 429, at: new Date(3) }]);
    expect(cause.stack).toMatch(/^RangeError: bad 3\n/);
    expect("retry" in cause).toBe(false); // a function stays behind
    expect(errors).toEqual([cause]);
  });

  it("names node, input and item when an input cannot be cloned, and an output that cannot come back", async () => {
    class Box {
      constructor(readonly v: number) {}
    }
    const unbox = node((box: { v: number }) => box.v, { outputName: "v", name: "unbox" });
    const error = await new Pipeline({ nodes: [unbox] }).map({ box: [{ v: 1 }, new Box(2)] }, { mapOver: "box", engine }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "Node 'unbox' failed at map item 1: its input 'box' cannot be sent to a worker thread: input 'box' is a Box instance, which would come back as a plain object",
    );
    const makesFn = node((x: number) => () => x, { outputName: "f", name: "makesFn" });
    const out = await new Pipeline({ nodes: [makesFn] }).map({ x: [1] }, { mapOver: "x", engine }).catch((e: unknown) => e);
    expect((out as Error).message).toBe(
      "Node 'makesFn' failed at map item 0: its output cannot be sent back from the worker thread: the output is a function",
    );
  });

  it("reports a worker that dies mid-item, and carries on with a fresh pool", async () => {
    const dies = node((x: number) => (x === 1 ? process.exit(7) : x), { outputName: "y", name: "dies" });
    const crashing = new WorkerEngine({ workers: 1 });
    try {
      const error = await new Pipeline({ nodes: [dies] }).map({ x: [0, 1, 2] }, { mapOver: "x", engine: crashing }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NodeExecutionError);
      expect((error as NodeExecutionError).itemIndex).toBe(1);
      expect((error as Error).message).toMatch(/^Node 'dies' failed at map item 1: its worker thread failed: .*exit/i);
      expect(await new Pipeline({ nodes: [dies] }).run({ x: 2 }, { engine: crashing })).toEqual({ y: 2 });
    } finally {
      await crashing.close();
    }
  });

  it("validates its options, and lets a script exit without close()", async () => {
    expect(() => new WorkerEngine({ workers: 0 })).toThrow(/workers must be a positive integer/);
    expect(() => new WorkerEngine({ unshippable: "maybe" as "throw" })).toThrow(/unshippable must be/);
    const script = new URL("./fixtures/worker-exit.js", import.meta.url);
    const { stdout } = await promisify(execFile)(process.execPath, [script.pathname], { timeout: 20_000 });
    expect(stdout.trim()).toBe("[1,4,9]");
  });
});

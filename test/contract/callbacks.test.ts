import { describe, expect, it } from "vitest";
import { MemoryCache, node, Pipeline, PipelineCallback, type CallbackContext } from "hypernodes";
import { throwingNode } from "../helpers/nodes.js";
import { captureError, Rec, sleep, type Ev } from "./helpers.js";

const mkChain = () => {
  const double = node((x: number) => x * 2, { outputName: "doubled", name: "double" });
  const addOne = node((doubled: number) => doubled + 1, { outputName: "result", name: "addOne" });
  return { double, addOne };
};

describe("callbacks: run", () => {
  it("fires pipeline and node events in order with sensible arguments", async () => {
    const rec = new Rec();
    const { double, addOne } = mkChain();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [rec], name: "calc" });
    await p.run({ x: 5 });
    expect(rec.compact()).toEqual([
      "onPipelineStart",
      "onNodeStart:double",
      "onNodeEnd:double",
      "onNodeStart:addOne",
      "onNodeEnd:addOne",
      "onPipelineEnd",
    ]);
    const [ps] = rec.of("onPipelineStart");
    expect(typeof ps.args[0]).toBe("string");
    expect(ps.args[1]).toMatchObject({ x: 5 });
    const [pe] = rec.of("onPipelineEnd");
    expect(pe.args[0]).toBe(ps.args[0]);
    expect(pe.args[1]).toMatchObject({ doubled: 10, result: 11 });
    expect(typeof pe.args[2]).toBe("number");
    expect(pe.args[2] as number).toBeGreaterThanOrEqual(0);

    const starts = rec.of("onNodeStart");
    expect(starts[0].args[1]).toEqual({ x: 5 });
    expect(starts[1].args[1]).toEqual({ doubled: 10 });
    const ends = rec.of("onNodeEnd");
    expect(ends[0].args[1]).toEqual({ doubled: 10 });
    expect(ends[1].args[1]).toEqual({ result: 11 });
    for (const e of ends) {
      expect(typeof e.args[2]).toBe("number");
      expect(e.args[2] as number).toBeGreaterThanOrEqual(0);
    }
    for (const e of rec.events) expect(e.depth).toBe(0);
  });

  it("onNodeEnd gets every output of a multi-output node", async () => {
    const rec = new Rec();
    const split = node((s: string) => s.split(",") as [string, string], { outputName: ["first", "second"], name: "split" });
    const p = new Pipeline({ nodes: [split], callbacks: [rec] });
    await p.run({ s: "a,b" });
    expect(rec.of("onNodeEnd")[0].args[1]).toEqual({ first: "a", second: "b" });
  });

  it("only nodes that run fire events when outputName is selective", async () => {
    const rec = new Rec();
    const { double, addOne } = mkChain();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [rec] });
    await p.run({ x: 5 }, { outputName: "doubled" });
    expect(rec.of("onNodeStart").map((e) => e.args[0])).toEqual(["double"]);
  });

  it("fires onNodeCached with the node name and a signature on a cache hit", async () => {
    const rec = new Rec();
    const { double, addOne } = mkChain();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [rec], cache: new MemoryCache() });
    await p.run({ x: 5 });
    rec.events.length = 0;
    await p.run({ x: 5 });
    const cached = rec.of("onNodeCached");
    expect(cached.map((e) => e.args[0])).toEqual(["double", "addOne"]);
    for (const e of cached) expect(typeof e.args[1]).toBe("string");
    expect(cached[0].args[1]).not.toBe(cached[1].args[1]);
    const names = rec.compact();
    expect(names[0]).toBe("onPipelineStart");
    expect(names[names.length - 1]).toBe("onPipelineEnd");
  });

  it("the same signature is reported for the same computation", async () => {
    const rec = new Rec();
    const { double } = mkChain();
    const cache = new MemoryCache();
    const p = new Pipeline({ nodes: [double], callbacks: [rec], cache });
    await p.run({ x: 5 });
    await p.run({ x: 5 });
    await p.run({ x: 5 });
    const sigs = rec.of("onNodeCached").map((e) => e.args[1]);
    expect(sigs).toHaveLength(2);
    expect(sigs[0]).toBe(sigs[1]);
  });

  it("onError receives the node name and the original error", async () => {
    const rec = new Rec();
    const original = new Error("kaboom");
    const bad = throwingNode(original, (x) => x > 0, { outputName: "bad", name: "badNode" });
    const p = new Pipeline({ nodes: [bad], callbacks: [rec] });
    await captureError(() => p.run({ x: 1 }));
    const errs = rec.of("onError");
    expect(errs.length).toBeGreaterThanOrEqual(1);
    expect(errs[0].args[0]).toBe("badNode");
    expect(errs[0].args[1]).toBe(original);
  });

  it("onError receives the original error of an async node", async () => {
    const rec = new Rec();
    const original = new TypeError("async kaboom");
    const bad = node(
      async (x: number) => {
        await sleep(1);
        if (x > 0) throw original;
        return x;
      },
      { outputName: "bad", name: "badAsync" },
    );
    const p = new Pipeline({ nodes: [bad], callbacks: [rec] });
    await captureError(() => p.run({ x: 1 }));
    expect(rec.of("onError")[0].args).toEqual(["badAsync", original]);
  });

  it("all methods are optional", async () => {
    const ends: string[] = [];
    class OnlyEnds extends PipelineCallback {
      onNodeEnd(nodeId: string) {
        ends.push(nodeId);
      }
    }
    const { double, addOne } = mkChain();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [new OnlyEnds()], cache: new MemoryCache() });
    await p.run({ x: 1 });
    await p.run({ x: 1 });
    await p.map({ x: [1, 2] }, { mapOver: "x" });
    expect(ends.slice(0, 2)).toEqual(["double", "addOne"]);
  });

  it("several callbacks each get every event", async () => {
    const r1 = new Rec();
    const r2 = new Rec();
    const { double, addOne } = mkChain();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [r1, r2] });
    await p.run({ x: 1 });
    expect(r1.compact()).toEqual(r2.compact());
    expect(r1.events).toHaveLength(6);
  });
});

describe("callbacks: async", () => {
  it("async callbacks are awaited before the node runs", async () => {
    const log: string[] = [];
    class Slow extends PipelineCallback {
      async onNodeStart(nodeId: string) {
        await sleep(20);
        log.push(`cb:${nodeId}`);
      }
    }
    const n = node(
      (x: number) => {
        log.push("node");
        return x;
      },
      { outputName: "y", name: "n" },
    );
    const p = new Pipeline({ nodes: [n], callbacks: [new Slow()] });
    await p.run({ x: 1 });
    expect(log).toEqual(["cb:n", "node"]);
  });

  it("run resolves only after async end callbacks finish", async () => {
    const log: string[] = [];
    class SlowEnd extends PipelineCallback {
      async onNodeEnd() {
        await sleep(15);
        log.push("nodeEnd");
      }
      async onPipelineEnd() {
        await sleep(15);
        log.push("pipelineEnd");
      }
      async onMapEnd() {
        await sleep(15);
        log.push("mapEnd");
      }
    }
    const n = node((x: number) => x, { outputName: "y" });
    const p = new Pipeline({ nodes: [n], callbacks: [new SlowEnd()] });
    await p.run({ x: 1 });
    expect(log).toEqual(["nodeEnd", "pipelineEnd"]);
    log.length = 0;
    await p.map({ x: [1, 2] }, { mapOver: "x" });
    expect(log.filter((l) => l === "nodeEnd")).toHaveLength(2);
    expect(log[log.length - 1]).toMatch(/mapEnd|pipelineEnd/);
    expect(log).toContain("mapEnd");
  });
});

describe("callbacks: map", () => {
  it("fires map events in order with node events inside items", async () => {
    const rec = new Rec();
    const { double } = mkChain();
    const p = new Pipeline({ nodes: [double], callbacks: [rec] });
    await p.map({ x: [1, 2, 3] }, { mapOver: "x" });
    const relevant = rec.events.filter((e) => e.event.startsWith("onMap") || e.event.startsWith("onNode"));
    expect(relevant[0]!.event).toBe("onMapStart");
    expect(relevant.at(-1)!.event).toBe("onMapEnd");
    // Each item's events in order; items may interleave on an engine that runs several at once.
    // Node events tell their item by their input x (item i has x = i + 1) or output (2x).
    const itemOf = (e: Ev) =>
      e.event === "onNodeStart" ? (e.args[1] as { x: number }).x - 1 : e.event === "onNodeEnd" ? (e.args[1] as { doubled: number }).doubled / 2 - 1 : e.args[0];
    for (const item of [0, 1, 2]) {
      const own = relevant.filter((e) => e.event.startsWith("onMapItem") || e.event.startsWith("onNode")).filter((e) => itemOf(e) === item);
      expect(own.map((e) => e.event)).toEqual(["onMapItemStart", "onNodeStart", "onNodeEnd", "onMapItemEnd"]);
    }
    for (const e of rec.of("onMapItemEnd")) expect(e.args[1] as number).toBeGreaterThanOrEqual(0);
    expect(typeof rec.of("onMapEnd")[0].args[0]).toBe("number");
    expect(rec.of("onNodeStart").map((e) => e.args[1])).toEqual(expect.arrayContaining([{ x: 1 }, { x: 2 }, { x: 3 }]));
    for (const e of rec.of("onNodeStart")) expect(e.depth).toBe(0);
    // onPipelineStart/End may fire once per map or once per item; either way they pair up.
    expect(rec.of("onPipelineStart").length).toBe(rec.of("onPipelineEnd").length);
    expect(rec.of("onPipelineStart").length).toBeGreaterThanOrEqual(1);
  });

  it("onMapStart gets the product size in product mode", async () => {
    const rec = new Rec();
    const add = node((x: number, y: number) => x + y, { outputName: "s" });
    const p = new Pipeline({ nodes: [add], callbacks: [rec] });
    await p.map({ x: [1, 2], y: [1, 2, 3] }, { mapOver: ["x", "y"], mapMode: "product" });
    expect(rec.of("onMapStart")[0].args[0]).toBe(6);
    expect(rec.of("onMapItemStart").map((e) => e.args[0])).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("onMapItemCached fires for fully cached items only", async () => {
    const rec = new Rec();
    const { double, addOne } = mkChain();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [rec], cache: new MemoryCache() });
    await p.map({ x: [1, 2] }, { mapOver: "x" });
    expect(rec.of("onMapItemCached")).toHaveLength(0);
    rec.events.length = 0;
    await p.map({ x: [2, 3, 1] }, { mapOver: "x" });
    const cached = rec.of("onMapItemCached");
    expect(cached.map((e) => e.args[0])).toEqual([0, 2]);
    for (const e of cached) expect(typeof e.args[1]).toBe("string");
    // the new item ran its nodes
    const ended = rec.of("onNodeEnd").map((e) => e.args[1]);
    expect(ended).toContainEqual({ doubled: 6 });
    expect(ended).toContainEqual({ result: 7 });
  });
});

describe("callbacks: context", () => {
  it("ctx is shared: set in one event, visible later and to other callbacks", async () => {
    const seen: unknown[] = [];
    class Setter extends PipelineCallback {
      onPipelineStart(_id: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
        if (ctx.depth === 0) ctx.set("token", "abc");
      }
      onPipelineEnd(_id: string, _o: unknown, _ms: number, ctx: CallbackContext) {
        if (ctx.depth === 0) seen.push(["setter-end", ctx.get("counter")]);
      }
    }
    class Reader extends PipelineCallback {
      onNodeStart(nodeId: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
        seen.push([nodeId, ctx.get("token")]);
        ctx.set("counter", ((ctx.get("counter") as number | undefined) ?? 0) + 1);
      }
    }
    const { double, addOne } = mkChain();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [new Setter(), new Reader()] });
    await p.run({ x: 1 });
    expect(seen).toEqual([
      ["double", "abc"],
      ["addOne", "abc"],
      ["setter-end", 2],
    ]);
  });

  it("each run gets a fresh ctx", async () => {
    const before: unknown[] = [];
    class Cb extends PipelineCallback {
      onNodeStart(_id: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
        before.push(ctx.get("mark"));
        ctx.set("mark", "set");
      }
    }
    const n = node((x: number) => x, { outputName: "y" });
    const p = new Pipeline({ nodes: [n], callbacks: [new Cb()] });
    await p.run({ x: 1 });
    await p.run({ x: 2 });
    expect(before).toEqual([undefined, undefined]);
  });

  it("ctx is shared across the items of one map call", async () => {
    const seen: unknown[] = [];
    class Cb extends PipelineCallback {
      onMapStart(_total: number, ctx: CallbackContext) {
        ctx.set("items", 0);
      }
      onMapItemEnd(_i: number, _ms: number, ctx: CallbackContext) {
        ctx.set("items", (ctx.get("items") as number) + 1);
      }
      onMapEnd(_ms: number, ctx: CallbackContext) {
        seen.push(ctx.get("items"));
      }
    }
    const n = node((x: number) => x, { outputName: "y" });
    const p = new Pipeline({ nodes: [n], callbacks: [new Cb()] });
    await p.map({ x: [1, 2, 3] }, { mapOver: "x" });
    expect(seen).toEqual([3]);
  });

  it("ctx is shared with nested pipelines; depth is 0 at the top and 1 inside", async () => {
    const seen: Array<[string, unknown, number]> = [];
    class Cb extends PipelineCallback {
      onPipelineStart(_id: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
        if (ctx.depth === 0) ctx.set("root", "yes");
      }
      onNodeStart(nodeId: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
        seen.push([nodeId, ctx.get("root"), ctx.depth]);
        if (nodeId === "double") ctx.set("fromInner", 42);
      }
      onNestedPipelineEnd(_p: string, _c: string, _ms: number, ctx: CallbackContext) {
        seen.push(["nestedEnd", ctx.get("fromInner"), ctx.depth]);
      }
    }
    const { double, addOne } = mkChain();
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const outer = new Pipeline({ nodes: [inner.asNode({ name: "nested" }), addOne], callbacks: [new Cb()], name: "outer" });
    expect(await outer.run({ x: 2 })).toEqual({ doubled: 4, result: 5 });
    const doubleEv = seen.find((s) => s[0] === "double")!;
    expect(doubleEv[1]).toBe("yes");
    expect(doubleEv[2]).toBe(1);
    const addOneEv = seen.find((s) => s[0] === "addOne")!;
    expect(addOneEv[1]).toBe("yes");
    expect(addOneEv[2]).toBe(0);
    const nestedEnd = seen.find((s) => s[0] === "nestedEnd")!;
    expect(nestedEnd[1]).toBe(42);
  });

  it("inner cache hits in nested pipelines fire onNodeCached with the inner node's name", async () => {
    const rec = new Rec();
    const { double, addOne } = mkChain();
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const outer = new Pipeline({
      nodes: [inner.asNode({ name: "nested", cache: false }), addOne],
      callbacks: [rec],
      cache: new MemoryCache(),
    });
    await outer.run({ x: 2 });
    rec.events.length = 0;
    await outer.run({ x: 2 });
    const cached = rec.of("onNodeCached");
    expect(cached.map((e) => [e.args[0], e.depth])).toEqual([
      ["double", 1],
      ["addOne", 0],
    ]);
  });

  it("nested events: parent and child ids are strings, end follows start", async () => {
    const rec = new Rec();
    const { double } = mkChain();
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const outer = new Pipeline({ nodes: [inner.asNode({ name: "nested" })], callbacks: [rec], name: "outer" });
    await outer.run({ x: 2 });
    const [s] = rec.of("onNestedPipelineStart");
    const [e] = rec.of("onNestedPipelineEnd");
    expect(typeof s.args[0]).toBe("string");
    expect(typeof s.args[1]).toBe("string");
    expect(e.args.slice(0, 2)).toEqual(s.args);
    expect(s.depth).toBe(e.depth);
  });
});

import { describe, expect, it } from "vitest";
import { MemoryCache, node, Pipeline } from "hypernodes";
import { callCounts, countingNode } from "../helpers/nodes.js";
import { Rec } from "./helpers.js";

describe("MemoryCache API", () => {
  it("get/set/has/delete/clear/close are async and work", async () => {
    const c = new MemoryCache();
    expect(await c.has("sig1")).toBe(false);
    await c.set("sig1", { a: [1, 2] });
    expect(await c.has("sig1")).toBe(true);
    expect(await c.get("sig1")).toEqual({ a: [1, 2] });
    await c.set("sig2", 5);
    await c.delete("sig1");
    expect(await c.has("sig1")).toBe(false);
    expect(await c.has("sig2")).toBe(true);
    await c.clear();
    expect(await c.has("sig2")).toBe(false);
    await c.close();
  });

  it("stores null and undefined as values", async () => {
    const c = new MemoryCache();
    await c.set("n", null);
    await c.set("u", undefined);
    expect(await c.has("n")).toBe(true);
    expect(await c.has("u")).toBe(true);
    expect(await c.get("n")).toBeNull();
  });
});

describe("caching in run", () => {
  it("a second identical run hits the cache, skips execution and fires onNodeCached", async () => {
    const rec = new Rec();
    const double = countingNode((x: number) => x * 2, { outputName: "doubled", name: "double" });
    const p = new Pipeline({ nodes: [double.node], cache: new MemoryCache(), callbacks: [rec] });
    expect(await p.run({ x: 5 })).toEqual({ doubled: 10 });
    expect(double.calls).toBe(1);
    expect(rec.of("onNodeCached")).toHaveLength(0);
    expect(await p.run({ x: 5 })).toEqual({ doubled: 10 });
    expect(double.calls).toBe(1);
    const cached = rec.of("onNodeCached");
    expect(cached).toHaveLength(1);
    expect(cached[0].args[0]).toBe("double");
    expect(typeof cached[0].args[1]).toBe("string");
    expect((cached[0].args[1] as string).length).toBeGreaterThan(0);
  });

  it("different inputs miss", async () => {
    const inc = countingNode((value: number) => value + 1, { outputName: "inc", name: "inc" });
    const p = new Pipeline({ nodes: [inc.node], cache: new MemoryCache() });
    await p.run({ value: 1 });
    await p.run({ value: 2 });
    expect(inc.calls).toBe(2);
    await p.run({ value: 1 });
    expect(inc.calls).toBe(2);
  });

  it("without a cache nothing is cached", async () => {
    const inc = countingNode((value: number) => value + 1, { outputName: "inc", name: "inc" });
    const p = new Pipeline({ nodes: [inc.node] });
    await p.run({ value: 1 });
    await p.run({ value: 1 });
    expect(inc.calls).toBe(2);
  });

  it("only nodes whose inputs changed re-run, downstream included", async () => {
    const a = countingNode((x: number) => x + 1, { outputName: "a" });
    const b = countingNode((y: number) => y + 1, { outputName: "b" });
    const c = countingNode((a: number, b: number) => a * b, { outputName: "c" });
    const p = new Pipeline({ nodes: [a.node, b.node, c.node], cache: new MemoryCache() });
    expect(await p.run({ x: 1, y: 1 })).toEqual({ a: 2, b: 2, c: 4 });
    expect(await p.run({ x: 1, y: 2 })).toEqual({ a: 2, b: 3, c: 6 });
    expect(callCounts({ a, b, c })).toEqual({ a: 1, b: 2, c: 2 });
  });

  it("a cached result is the same whether requested selectively or not", async () => {
    const tripled = countingNode((value: number) => value * 3, { outputName: "tripled", name: "tripled" });
    const p = new Pipeline({ nodes: [tripled.node], cache: new MemoryCache() });
    await p.run({ value: 2 });
    expect(await p.run({ value: 2 }, { outputName: "tripled" })).toEqual({ tripled: 6 });
    expect(tripled.calls).toBe(1);
  });

  it("cache: false on a node opts out while others are cached", async () => {
    const cached = countingNode((x: number) => x + 1, { outputName: "a" });
    const uncached = countingNode((a: number) => a + 1, { outputName: "b", cache: false });
    const p = new Pipeline({ nodes: [cached.node, uncached.node], cache: new MemoryCache() });
    await p.run({ x: 1 });
    expect(await p.run({ x: 1 })).toEqual({ a: 2, b: 3 });
    expect(callCounts({ cached, uncached })).toEqual({ cached: 1, uncached: 2 });
  });

  it("null and undefined outputs are cached like any value", async () => {
    const n = countingNode((x: number) => (x > 100 ? x : null), { outputName: "maybe" });
    const u = countingNode((x: number) => (x > 100 ? x : undefined), { outputName: "nothing" });
    const p = new Pipeline({ nodes: [n.node, u.node], cache: new MemoryCache() });
    const r1 = await p.run({ x: 1 });
    const r2 = await p.run({ x: 1 });
    expect(r1.maybe).toBeNull();
    expect(r2.maybe).toBeNull();
    expect(r2.nothing).toBeUndefined();
    expect(callCounts({ n, u })).toEqual({ n: 1, u: 1 });
  });

  it("a downstream node receives a cached null", async () => {
    const nullNode = node((x: number) => (x > 100 ? x : null), { outputName: "maybe" });
    const use = countingNode((maybe: number | null) => (maybe === null ? "none" : "some"), { outputName: "label", cache: false });
    const p = new Pipeline({ nodes: [nullNode, use.node], cache: new MemoryCache() });
    await p.run({ x: 1 });
    expect(await p.run({ x: 1 })).toEqual({ maybe: null, label: "none" });
    expect(use.calls).toBe(2);
  });

  it("mutating a returned value does not corrupt the cache", async () => {
    const mk = node((n: number) => ({ items: Array.from({ length: n }, (_, i) => i), meta: { n } }), {
      outputName: "data",
    });
    const p = new Pipeline({ nodes: [mk], cache: new MemoryCache() });
    const r1 = await p.run({ n: 3 });
    r1.data.items.push(99);
    r1.data.meta.n = -1;
    const r2 = await p.run({ n: 3 });
    expect(r2.data).toEqual({ items: [0, 1, 2], meta: { n: 3 } });
    r2.data.items.length = 0;
    const r3 = await p.run({ n: 3 });
    expect(r3.data).toEqual({ items: [0, 1, 2], meta: { n: 3 } });
  });

  it("a downstream node mutating its input does not corrupt the cached upstream value", async () => {
    // Beyond the letter of API.md ("mutating a returned value"), same spirit.
    const mk = node((n: number) => [n, n + 1], { outputName: "pair" });
    const mutate = node(
      (pair: number[]) => {
        pair.push(100);
        return pair.length;
      },
      { outputName: "len", cache: false },
    );
    const p = new Pipeline({ nodes: [mk, mutate], cache: new MemoryCache() });
    const r1 = await p.run({ n: 1 });
    expect(r1.len).toBe(3);
    const r2 = await p.run({ n: 1 });
    expect(r2.len).toBe(3);
  });

  it("the same code defined again (a new Node) shares cache entries", async () => {
    const calls = { n: 0 };
    const make = () =>
      node(
        (x: number) => {
          calls.n++;
          return x + 1;
        },
        { outputName: "inc" },
      );
    const cache = new MemoryCache();
    await new Pipeline({ nodes: [make()], cache }).run({ x: 1 });
    await new Pipeline({ nodes: [make()], cache }).run({ x: 1 });
    expect(calls.n).toBe(1);
  });

  it("different code with the same names does not share cache entries", async () => {
    const cache = new MemoryCache();
    const plus = node((x: number) => x + 1, { outputName: "out", name: "f" });
    const times = node((x: number) => x * 10, { outputName: "out", name: "f" });
    expect(await new Pipeline({ nodes: [plus], cache }).run({ x: 2 })).toEqual({ out: 3 });
    expect(await new Pipeline({ nodes: [times], cache }).run({ x: 2 })).toEqual({ out: 20 });
  });

  it("two bound functions with different versions do not share entries", async () => {
    const cache = new MemoryCache();
    const add = (a: number, b: number) => a + b;
    const sub = (a: number, b: number) => a - b;
    const n1 = node(add.bind(null), { outputName: "r", name: "op", inputs: ["a", "b"], version: "add" });
    const n2 = node(sub.bind(null), { outputName: "r", name: "op", inputs: ["a", "b"], version: "sub" });
    expect(await new Pipeline({ nodes: [n1], cache }).run({ a: 5, b: 3 })).toEqual({ r: 8 });
    expect(await new Pipeline({ nodes: [n2], cache }).run({ a: 5, b: 3 })).toEqual({ r: 2 });
  });

  it("upstream signatures propagate: same downstream input value via different upstream code", async () => {
    // downstream depends on the upstream signature, so changing upstream code re-runs it
    const cache = new MemoryCache();
    const down = countingNode((a: number) => a * 2, { outputName: "b" });
    const up1 = node((x: number) => x + 1, { outputName: "a" });
    const up2 = node((x: number) => x + 1 + 0 * x, { outputName: "a" });
    await new Pipeline({ nodes: [up1, down.node], cache }).run({ x: 1 });
    await new Pipeline({ nodes: [up1, down.node], cache }).run({ x: 1 });
    expect(down.calls).toBe(1);
    expect(await new Pipeline({ nodes: [up2, down.node], cache }).run({ x: 1 })).toEqual({ a: 2, b: 4 });
    expect(down.calls).toBe(2);
  });
});

describe("caching in map", () => {
  it("every item is cached on its own: one new item runs one item", async () => {
    const rec = new Rec();
    const doubled = countingNode((value: number) => value * 2, { outputName: "doubled", name: "doubled" });
    const p = new Pipeline({ nodes: [doubled.node], cache: new MemoryCache(), callbacks: [rec] });
    expect(await p.map({ value: [1, 2, 3] }, { mapOver: "value" })).toEqual([
      { doubled: 2 },
      { doubled: 4 },
      { doubled: 6 },
    ]);
    expect(doubled.calls).toBe(3);
    expect(rec.of("onMapItemCached")).toHaveLength(0);
    expect(await p.map({ value: [1, 2, 4] }, { mapOver: "value" })).toEqual([
      { doubled: 2 },
      { doubled: 4 },
      { doubled: 8 },
    ]);
    expect(doubled.calls).toBe(4);
    expect(rec.of("onMapItemCached").map((e) => e.args[0])).toEqual([0, 1]);
    for (const e of rec.of("onMapItemCached")) expect(typeof e.args[1]).toBe("string");
  });

  it("items cached by run are hits in map, and vice versa", async () => {
    const doubled = countingNode((value: number) => value * 2, { outputName: "doubled", name: "doubled" });
    const p = new Pipeline({ nodes: [doubled.node], cache: new MemoryCache() });
    await p.run({ value: 1 });
    await p.map({ value: [1, 2] }, { mapOver: "value" });
    expect(doubled.calls).toBe(2);
    await p.run({ value: 2 });
    expect(doubled.calls).toBe(2);
  });

  it("reordered items are all hits", async () => {
    const doubled = countingNode((value: number) => value * 2, { outputName: "doubled", name: "doubled" });
    const p = new Pipeline({ nodes: [doubled.node], cache: new MemoryCache() });
    await p.map({ value: [1, 2, 3] }, { mapOver: "value" });
    expect(await p.map({ value: [3, 1, 2] }, { mapOver: "value" })).toEqual([
      { doubled: 6 },
      { doubled: 2 },
      { doubled: 4 },
    ]);
    expect(doubled.calls).toBe(3);
  });

  it("an item with a non-cached node is not reported as fully cached", async () => {
    const rec = new Rec();
    const a = node((x: number) => x + 1, { outputName: "a" });
    const b = node((a: number) => a + 1, { outputName: "b", cache: false });
    const p = new Pipeline({ nodes: [a, b], cache: new MemoryCache(), callbacks: [rec] });
    await p.map({ x: [1, 2] }, { mapOver: "x" });
    await p.map({ x: [1, 2] }, { mapOver: "x" });
    expect(rec.of("onMapItemCached")).toHaveLength(0);
  });
});

describe("input hashing", () => {
  async function callsFor(values: unknown[]): Promise<number> {
    const kind = countingNode((value: unknown) => typeof value, { outputName: "kind" });
    const p = new Pipeline({ nodes: [kind.node], cache: new MemoryCache() });
    for (const value of values) await p.run({ value });
    return kind.calls;
  }

  it("objects are hashed independently of key order", async () => {
    expect(await callsFor([{ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }])).toBe(1);
  });

  it("different content misses", async () => {
    expect(await callsFor([{ a: 1 }, { a: 2 }])).toBe(2);
    expect(await callsFor([[1, 2], [2, 1]])).toBe(2);
    expect(await callsFor([1, "1"])).toBe(2);
    expect(await callsFor([{ a: [1, 2] }, { a: [1, 2, 3] }])).toBe(2);
  });

  it("equal content in fresh objects hits", async () => {
    expect(await callsFor([{ a: [1, { b: "x" }] }, { a: [1, { b: "x" }] }])).toBe(1);
  });

  it("fields starting with _ are ignored", async () => {
    expect(await callsFor([{ v: 1, _stamp: 123 }, { v: 1, _stamp: 456 }, { v: 1 }])).toBe(1);
    expect(await callsFor([{ v: 1, _stamp: 123 }, { v: 2, _stamp: 123 }])).toBe(2);
  });

  it("an object with cacheKey() is hashed by it", async () => {
    class Model {
      constructor(
        public id: string,
        public weights: number[],
      ) {}
      cacheKey() {
        return `model:${this.id}`;
      }
    }
    expect(await callsFor([new Model("m1", [1, 2]), new Model("m1", [3, 4])])).toBe(1);
    expect(await callsFor([new Model("m1", [1, 2]), new Model("m2", [1, 2])])).toBe(2);
    const plain = { cacheKey: () => "same", payload: Math.random() };
    const plain2 = { cacheKey: () => "same", payload: Math.random() };
    expect(await callsFor([plain, plain2])).toBe(1);
  });

  it("class instances are hashed by their public fields", async () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    expect(await callsFor([new Point(1, 2), new Point(1, 2)])).toBe(1);
    expect(await callsFor([new Point(1, 2), new Point(1, 3)])).toBe(2);
  });

  it("Maps, Sets, Dates and typed arrays are hashed by content", async () => {
    expect(await callsFor([new Map([["a", 1]]), new Map([["a", 1]])])).toBe(1);
    expect(await callsFor([new Map([["a", 1]]), new Map([["a", 2]])])).toBe(2);
    expect(await callsFor([new Set([1, 2]), new Set([1, 2])])).toBe(1);
    expect(await callsFor([new Set([1, 2]), new Set([1, 3])])).toBe(2);
    expect(await callsFor([new Date(1000), new Date(1000)])).toBe(1);
    expect(await callsFor([new Date(1000), new Date(2000)])).toBe(2);
    expect(await callsFor([new Float32Array([1, 2]), new Float32Array([1, 2])])).toBe(1);
    expect(await callsFor([new Float32Array([1, 2]), new Float32Array([1, 3])])).toBe(2);
  });

  it("nested objects with _ fields and key order differences hit", async () => {
    expect(await callsFor([{ cfg: { b: 2, a: 1, _cache: [1] } }, { cfg: { a: 1, b: 2, _cache: [2] } }])).toBe(1);
  });
});

// The Cache contract (cache.ts) as one test suite every cache runs, as Keyv's @keyv/test-suite is for
// its stores: `cacheConformance(name, makeCache, { describe, it, expect })` from `hypernodes/testing`.
// It takes the test framework's functions (vitest's or jest's), so the package does not depend on one.
// Classes are declared in `new Function` code: test runners that compile this file (vitest: esbuild)
// would rename and rewrite classes declared here, and their names and code are what identify them.
import { types } from "node:util";
import type { Cache } from "./cache.js";
import { nextHashEpoch } from "../identity/code-identity.js";
import { HyperNodesError, node, Pipeline, UnserializableValueError } from "../index.js";

/** The test framework's functions the suite uses (vitest's and jest's fit). */
export interface TestFunctions {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>): unknown;
  expect: Expect;
}

/** `expect(actual, message?)` with the matchers the suite uses. */
export type Expect = (actual: unknown, message?: string) => Assertion;

export interface Assertion {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeInstanceOf(expected: Function): void;
  toBeUndefined(): void;
  toBeGreaterThan(expected: number): void;
  not: Assertion;
}

export interface CacheConformanceOptions<C extends Cache> {
  /**
   * Another cache object on the same storage as `cache`, as another process would open it: its reads
   * go to the storage, not to `cache`'s memory (the suite closes it). Leave it out for a cache whose
   * entries live in the object itself (MemoryCache): every check then reads through `cache` alone.
   */
  reopen?(cache: C): Cache | Promise<Cache>;
  /**
   * Whether `deleteByTag` works, for a cache that declares it but whose storage may not be able to
   * (KeyvCache on a store without `deletePrefix`): false checks that it rejects with a
   * HyperNodesError and deletes nothing. Default: it works when declared.
   */
  deletesByTag?: boolean;
}

/**
 * Declares the tests of the Cache contract for one cache: get/set/has/delete/clear/close, getMany
 * (hits only; a cached undefined or null is a hit), a fresh copy on every hit, values that cannot be
 * stored refused, values coming back exactly (class instances, null prototypes, Errors, URLs…), an
 * entry whose class is not in this process a miss, a pipeline's second run a hit; and the
 * capabilities the cache declares: flush (with `reopen`: another object reads what was flushed or
 * closed), stats, deleteByTag (and `pipeline.clearCache()` on it).
 * `makeCache` gives a new, empty cache for each test.
 */
export function cacheConformance<C extends Cache>(
  name: string,
  makeCache: () => C | Promise<C>,
  { describe, it, expect }: TestFunctions,
  options: CacheConformanceOptions<C> = {},
): void {
  const { reopen } = options;

  /** Runs `body` on a new cache; `readers()` flushes it and gives it and a reopened one (when given). */
  const withCache = (body: (cache: C, readers: () => Promise<Cache[]>) => Promise<void>) => async () => {
    const cache = await makeCache();
    const opened: Cache[] = [];
    const readers = async (): Promise<Cache[]> => {
      if (!reopen) return [cache];
      await cache.flush?.();
      const other = await reopen(cache);
      opened.push(other);
      return [cache, other];
    };
    try {
      await body(cache, readers);
    } finally {
      for (const other of opened.reverse()) await other.close();
      await cache.close();
    }
  };

  /** The rejection of `promise` (fails when it resolves). */
  const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
    const resolved = Symbol("resolved");
    const error = await promise.then(() => resolved, (e: unknown) => e);
    expect(error === resolved, "it resolved, but should have rejected").toBe(false);
    return error;
  };

  /** Stores `value`, then checks every reader gives it back exactly, twice (each hit a fresh copy). */
  const roundTrip = async (value: unknown): Promise<unknown[]> => {
    const back: unknown[] = [];
    await withCache(async (cache, readers) => {
      await cache.set("k", value);
      for (const reader of await readers()) {
        const first = await reader.get("k");
        expectSame(expect, first, value);
        const hits = await reader.getMany(["k"]);
        expectSame(expect, hits.get("k"), value);
        expect(hits.get("k") !== first, "getMany's hit is the object get returned").toBe(true);
        back.push(first);
      }
    })();
    return back;
  };

  describe(`${name}: the Cache contract`, () => {
    it("get/set/has/delete/clear: typed arrays, Map, Set, Date, BigInt, nested objects, primitives, null and undefined", withCache(async (cache, readers) => {
      const value = {
        floats: new Float32Array([1.5, 2.5]),
        bytes: Buffer.from("hi"),
        map: new Map<string, unknown>([["k", [1, { deep: true }]]]),
        set: new Set([1, "two"]),
        when: new Date(1_700_000_000_000),
        big: 12345678901234567890n,
        nothing: null,
        missing: undefined,
      };
      const primitives = { text: "text", zero: 0, big: 7n, no: false };
      await cache.set("k1", value);
      await cache.set("k2", undefined);
      await cache.set("k3", null);
      for (const [key, primitive] of Object.entries(primitives)) await cache.set(key, primitive);
      await cache.set("replaced", 1);
      await cache.set("replaced", { now: 2 });
      for (const reader of await readers()) {
        const back = (await reader.get("k1")) as typeof value;
        expect(back).toEqual(value);
        expect(back.floats).toBeInstanceOf(Float32Array);
        expect(back.bytes).toBeInstanceOf(Buffer);
        expect(back.map).toBeInstanceOf(Map);
        for (const [key, primitive] of Object.entries(primitives)) expect(await reader.get(key), key).toBe(primitive);
        expect(await reader.get("replaced")).toEqual({ now: 2 });
        expect(await reader.get("absent")).toBeUndefined();
        expect(await reader.has("k2")).toBe(true);
        expect(await reader.has("k3")).toBe(true);
        expect(await reader.has("absent")).toBe(false);
      }
      expect(await cache.delete("k1")).toBe(true);
      expect(await cache.delete("k1")).toBe(false);
      expect(await cache.delete("absent")).toBe(false);
      for (const reader of await readers()) {
        expect(await reader.has("k1")).toBe(false);
        expect(await reader.get("k1")).toBeUndefined();
        expect(await reader.has("k2")).toBe(true);
      }
      await cache.clear();
      for (const reader of await readers()) {
        for (const key of ["k2", "k3", "text", "replaced"]) expect(await reader.has(key), key).toBe(false);
        expect((await reader.getMany(["k2", "k3", "text"])).size).toBe(0);
      }
    }));

    it("getMany gives the hits only, each under its own signature; a cached undefined or null is a hit", withCache(async (cache, readers) => {
      await cache.set(sig(2), "two");
      await cache.set(sig(4), { four: 4 });
      await cache.set(sig(5), undefined);
      await cache.set(sig(6), null);
      await cache.set("text key", [1]);
      for (const reader of await readers()) {
        const hits = await reader.getMany([sig(1), sig(2), sig(3), sig(4), sig(5), sig(6), "text key", "absent"]);
        expect(hits).toBeInstanceOf(Map);
        expect(Object.fromEntries(hits)).toEqual({ [sig(2)]: "two", [sig(4)]: { four: 4 }, [sig(5)]: undefined, [sig(6)]: null, "text key": [1] });
        expect([...hits.keys()].sort()).toEqual([sig(2), sig(4), sig(5), sig(6), "text key"].sort());
        expect((await reader.getMany([])).size).toBe(0);
        expect((await reader.getMany([sig(1), sig(3)])).size).toBe(0);
      }
    }));

    it("every hit is a fresh copy: mutating a value given to set, or returned by get or getMany, never changes the cache", withCache(async (cache, readers) => {
      const value = { list: [1, 2], nested: { a: 1 } };
      await cache.set("k", value);
      value.list.push(3);
      value.nested.a = 2;
      await cache.set("typed", { floats: new Float64Array([1, 2, 3]), bytes: Buffer.from("abc"), view: new DataView(new ArrayBuffer(4)) });
      const large = new Float32Array(600_000).fill(1); // 2.4 MB: an embedding matrix's size, stored as raw bytes
      await cache.set("large", large);
      large[0] = 5;
      for (const reader of await readers()) {
        const first = (await reader.get("k")) as typeof value;
        expect(first).toEqual({ list: [1, 2], nested: { a: 1 } });
        first.list.push(99);
        first.nested.a = 99;
        const hit = (await reader.getMany(["k"])).get("k") as typeof value;
        expect(hit).toEqual({ list: [1, 2], nested: { a: 1 } });
        expect(hit !== first, "a second hit is the object the first returned").toBe(true);
        hit.list.length = 0;
        expect(await reader.get("k")).toEqual({ list: [1, 2], nested: { a: 1 } });
        // Typed arrays and Buffers read back own their memory.
        const typed = (await reader.get("typed")) as { floats: Float64Array; bytes: Buffer };
        typed.floats[0] = 99;
        typed.bytes[0] = 0x7a;
        const again = (await reader.get("typed")) as { floats: Float64Array; bytes: Buffer };
        expect([again.floats[0], again.bytes.toString()]).toEqual([1, "abc"]);
        expect([again.floats.byteOffset, again.floats.buffer.byteLength]).toEqual([0, 24]);
        expect(again.bytes).toBeInstanceOf(Buffer);
        for (let hit = 0; hit < 2; hit++) {
          const back = (await reader.get("large")) as Float32Array;
          expect([back[0], back[1], back.length, back.byteOffset, back.buffer.byteLength]).toEqual([1, 1, 600_000, 0, 2_400_000]);
          back[1] = 7;
        }
      }
    }));

    it("a value that cannot be stored is refused with an UnserializableValueError, and the entry stays as it was", withCache(async (cache, readers) => {
      await cache.set("kept", "before");
      const cyclic = new Error("cycle");
      cyclic.cause = { back: cyclic };
      const shared = Buffer.alloc(8);
      const refused = [
        { a: { [Symbol("tag")]: 1 } },
        { a: [Object.defineProperty({}, "hidden", { value: 1 })] },
        { a: { get total() { return 1; } } },
        new Map([["k", new WeakMap()]]),
        [Promise.resolve()],
        { f: () => 1 },
        { s: Symbol("s") },
        { c: new Secretive(1) },
        Object.create({ inherited: 1 }),
        { e: cyclic },
        { a: shared, b: shared.subarray(2) },
        { h: new Headers() },
        { longList: Object.defineProperty(new Array(1000).fill(0), "meta", { value: 1 }) },
      ];
      for (const [i, value] of refused.entries()) {
        expect(await rejection(cache.set("kept", value)), `value ${i}`).toBeInstanceOf(UnserializableValueError);
        expect(await rejection(cache.set("absent", value)), `value ${i}`).toBeInstanceOf(UnserializableValueError);
      }
      for (const reader of await readers()) {
        expect(await reader.get("kept")).toBe("before");
        expect(await reader.has("absent")).toBe(false);
      }
    }));

    it("class instances come back as instances of their class: nested, shared, cyclic, in arrays, Maps and Sets, with their methods", async () => {
      const a = new Point(3, 4);
      const root = new Tree("root");
      root.add(new Tree("leaf")).add(new Tree("leaf of leaf"));
      const value = {
        a,
        again: a,
        segment: new Segment(a, new Labelled(6, 8, "far")),
        tree: root,
        list: [a, new Point(1, 1)],
        byName: new Map<unknown, unknown>([
          ["a", a],
          [new Point(0, 0), "a key"],
        ]),
        set: new Set([a, root]),
      };
      for (const back of (await roundTrip(value)) as (typeof value)[]) {
        expect(back.a).toBeInstanceOf(Point);
        expect(back.a.norm()).toBe(5);
        expect(back.segment.to).toBeInstanceOf(Labelled);
        expect(back.segment.to).toBeInstanceOf(Point);
        expect(back.segment.length()).toBe(5);
        expect(back.tree.children[0].children[0].parent.parent).toBe(back.tree);
        expect(back.byName.get("a")).toBe(back.a);
      }
    });

    it("an instance as the value itself, and subclasses of Map, Set, Array and typed arrays with their fields", async () => {
      await roundTrip(new Labelled(1, 2, "p"));
      const registry = new Registry([["x", new Point(1, 2)]]);
      const bag = Bag.from([1, 2, 3]);
      bag.kind = "numbers";
      const tags = new Tags(["a", new Point(0, 1)]);
      const vector = Vector.from([1, 2, 3]);
      for (const back of (await roundTrip({ registry, bag, tags, vector })) as { registry: any; bag: any; vector: any }[]) {
        expect(back.registry.names()).toEqual(["x"]);
        expect(back.bag.map((x: number) => x * 2)).toBeInstanceOf(Bag);
        expect([back.vector.sum(), back.vector.unit]).toEqual([6, "m"]);
      }
    });

    it("null-prototype objects, and frozen, sealed and non-writable properties", async () => {
      const dict = Object.assign(Object.create(null), { a: 1, nested: Object.assign(Object.create(null), { __proto__: "own" }) });
      const frozen = Object.freeze({ list: Object.freeze([1, 2]), point: Object.freeze(new Point(1, 2)) });
      const readOnly = Object.defineProperty({ a: 1 }, "fixed", { value: 2, enumerable: true, writable: false, configurable: true });
      await roundTrip({ dict, frozen, sealed: Object.seal({ s: 1 }), closed: Object.preventExtensions({ c: 1 }), readOnly });
    });

    it("Errors: standard ones, subclasses with fields and name, causes, AggregateError's errors, stacks", async () => {
      const cause = new RangeError("too far");
      const value = {
        plain: new Error("plain"),
        typed: new TypeError("typed"),
        custom: new ValidationError("bad field", "email", { cause }),
        withFields: Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT", errno: -2, path: "/nope" }),
        assignedCause: Object.assign(new Error("outer"), { cause: { reason: "enumerable, as assigned" } }),
        renamed: Object.assign(new Error("renamed"), { name: "TypeError" }),
        aggregate: new AggregateError([cause, new Error("second")], "both failed"),
        noStack: (() => {
          const e = new SyntaxError("no stack");
          delete e.stack;
          return e;
        })(),
      };
      for (const back of (await roundTrip(value)) as (typeof value)[]) {
        expect(back.custom).toBeInstanceOf(ValidationError);
        expect(back.custom.cause).toBe(back.aggregate.errors[0]);
        expect(back.aggregate).toBeInstanceOf(AggregateError);
        expect(back.renamed instanceof TypeError, "a renamed Error is not a TypeError").toBe(false);
      }
    });

    it("URLs and URLSearchParams, a URL's searchParams still linked to it; RegExp lastIndex; fields of Maps and Dates", async () => {
      const url = new URL("https://example.com/a?q=1");
      const value = {
        url,
        params: url.searchParams,
        alone: new URLSearchParams("x=1&x=2"),
        urls: new Map([[url, "home"]]),
        regex: Object.assign(/a/g, { lastIndex: 2 }),
        map: Object.assign(new Map([[1, 2]]), { note: "kept" }),
        date: Object.assign(new Date(0), { zone: "UTC" }),
      };
      for (const back of (await roundTrip(value)) as (typeof value)[]) {
        back.params.append("r", "2");
        expect(back.url.href).toBe("https://example.com/a?q=1&r=2");
        expect(back.urls.get(back.url)).toBe("home");
      }
    });

    it("an entry whose class is not in this process is a miss: get gives undefined, getMany leaves it out, has stays true", withCache(async (cache, readers) => {
      await cache.set("k", { m: new Measure(2) });
      await cache.set("plain", 1);
      Measure.unit = "cm"; // a static is part of the class's identity: the stored instances' class is gone
      nextHashEpoch();
      try {
        for (const reader of await readers()) {
          expect(await reader.get("k")).toBeUndefined();
          expect([...(await reader.getMany(["k", "plain"])).keys()]).toEqual(["plain"]);
          expect(await reader.has("k")).toBe(true);
        }
      } finally {
        Measure.unit = "m";
        nextHashEpoch();
      }
      for (const reader of await readers()) {
        const back = (await reader.get("k")) as { m: unknown };
        expect(back.m).toBeInstanceOf(Measure);
        expect(back).toEqual({ m: new Measure(2) });
      }
    }));

    it("a pipeline's second run is a hit, and each hit a fresh copy (class instances included)", withCache(async (cache) => {
      let calls = 0;
      const fit = node(
        (n: number) => {
          calls++;
          return { model: new Segment(new Point(0, 0), new Point(n, 0)), list: [1, 2] };
        },
        { outputName: "fitted", name: "fit", version: "conformance fit" },
      );
      const pipeline = new Pipeline({ nodes: [fit], cache });
      type Fitted = { model: { length(): number }; list: number[] };
      const first = (await pipeline.run({ n: 3 })).fitted as Fitted;
      first.list.push(99);
      const second = (await pipeline.run({ n: 3 })).fitted as Fitted;
      second.list.push(100);
      const third = (await pipeline.run({ n: 3 })).fitted as Fitted;
      expect(calls).toBe(1);
      expect(third.list).toEqual([1, 2]);
      expect(third.model).toBeInstanceOf(Segment);
      expect(third.model.length()).toBe(3);
    }));

    if (reopen) {
      it("what was flushed or closed, another cache object on the same storage reads", async () => {
        const cache = await makeCache();
        await cache.set("flushed", { n: 1 });
        await cache.flush?.();
        const other = await reopen(cache);
        try {
          expect(await other.get("flushed")).toEqual({ n: 1 });
        } finally {
          await other.close();
        }
        await cache.set("closed", { n: 2 });
        await cache.close();
        const after = await reopen(cache);
        try {
          expect(await after.get("closed")).toEqual({ n: 2 });
          expect(await after.has("flushed")).toBe(true);
        } finally {
          await after.close();
        }
      });
    }

    it("stats (when declared): entries and bytes stored, and the hits and misses of this object's lookups", withCache(async (cache) => {
      if (!cache.stats) return;
      /** Entries and bytes as the cache says (NaN: it cannot tell, which the contract allows). */
      const expectStored = async (entries: number) => {
        const stats = await cache.stats!();
        if (!Number.isNaN(stats.entries)) expect(stats.entries, "entries").toBe(entries);
        if (!Number.isNaN(stats.bytes) && entries > 0) expect(stats.bytes, "bytes").toBeGreaterThan(0);
        if (!Number.isNaN(stats.bytes) && entries === 0) expect(stats.bytes, "bytes").toBe(0);
        return stats;
      };
      const empty = await expectStored(0);
      expect(Object.keys(empty).sort()).toEqual(["bytes", "entries", "hits", "misses"]);
      expect([empty.hits, empty.misses]).toEqual([0, 0]);
      await cache.set(sig(1), { one: "x".repeat(100) });
      await cache.set(sig(2), undefined);
      await expectStored(2);
      await cache.getMany([sig(1), sig(2), sig(3)]);
      const batched = await expectStored(2);
      expect([batched.hits, batched.misses], "after getMany").toEqual([2, 1]);
      await cache.get(sig(1));
      await cache.get(sig(3));
      await cache.has(sig(3)); // not a lookup of a value
      const single = await expectStored(2);
      expect([single.hits, single.misses], "after get").toEqual([3, 2]);
      await cache.delete(sig(1));
      await expectStored(1);
      await cache.clear();
      await expectStored(0);
    }));

    if (options.deletesByTag === false) {
      it("deleteByTag, declared, rejects with a HyperNodesError as the storage cannot delete by tag, and deletes nothing", withCache(async (cache, readers) => {
        expect(typeof cache.deleteByTag, "deleteByTag is declared").toBe("function");
        await cache.set(tagged(TAG_A, 1), 1);
        expect(await rejection(cache.deleteByTag!(TAG_A))).toBeInstanceOf(HyperNodesError);
        for (const reader of await readers()) expect(await reader.has(tagged(TAG_A, 1))).toBe(true);
      }));
    } else {
      it("deleteByTag (when declared): a node's entries, written or not yet flushed, and no other", withCache(async (cache, readers) => {
        if (!cache.deleteByTag) return;
        await cache.set(tagged(TAG_A, 1), 1);
        await cache.set(tagged(TAG_B, 1), "b");
        await cache.set("a text key", "kept");
        await cache.flush?.();
        await cache.set(tagged(TAG_A, 2), { two: 2 });
        await cache.set(tagged(TAG_A, 3), undefined);
        await cache.set(tagged(TAG_B, 2), "b");
        expect(await cache.deleteByTag(TAG_A)).toBe(3);
        expect(await cache.deleteByTag(TAG_A)).toBe(0);
        for (const reader of await readers()) {
          for (const n of [1, 2, 3]) expect(await reader.has(tagged(TAG_A, n)), `${TAG_A} ${n}`).toBe(false);
          expect((await reader.getMany([1, 2, 3].map((n) => tagged(TAG_A, n)))).size).toBe(0);
          expect(Object.fromEntries(await reader.getMany([tagged(TAG_B, 1), tagged(TAG_B, 2), "a text key"]))).toEqual({
            [tagged(TAG_B, 1)]: "b",
            [tagged(TAG_B, 2)]: "b",
            "a text key": "kept",
          });
        }
      }));

      it("pipeline.clearCache() (on deleteByTag): a pipeline's entries go, nested pipelines' included, another pipeline's stay", withCache(async (cache) => {
        if (!cache.deleteByTag) return;
        const calls = { square: 0, cube: 0 };
        const square = node((x: number) => (calls.square++, x * x), { outputName: "squared", name: "square", version: "conformance square" });
        const cube = node((x: number) => (calls.cube++, x * x * x), { outputName: "cubed", name: "cube", version: "conformance cube" });
        const inner = new Pipeline({ nodes: [square], name: "inner" });
        const squares = new Pipeline({ nodes: [inner.asNode({ name: "nested" })], cache, name: "squares" });
        const cubes = new Pipeline({ nodes: [cube], cache, name: "cubes" });
        await squares.map({ x: [1, 2, 3] }, { mapOver: "x" });
        await cubes.map({ x: [1, 2, 3] }, { mapOver: "x" });
        // Three items: the nested pipeline node's entries and its inner node's.
        expect(await squares.clearCache()).toBe(6);
        await squares.map({ x: [1, 2, 3] }, { mapOver: "x" });
        await cubes.map({ x: [1, 2, 3] }, { mapOver: "x" });
        expect(calls).toEqual({ square: 6, cube: 3 }); // squares recomputed, cubes still cached
      }));
    }
  });
}

/** A signature as nodes make them: hex, 48 digits. */
const sig = (n: number) => n.toString(16).padStart(48, "0");
/** Two node tags (a signature's first 8 hex digits) and their signatures. */
const TAG_A = "0a0b0c0d";
const TAG_B = "0a0b0c0e";
const tagged = (tag: string, n: number) => tag + n.toString(16).padStart(40, "0");

// Declared outside any compiler's reach, so names and sources are as written. One set per process:
// the class-miss test changes Measure's identity, which another live class of the same code would undo.
const classes = new Function(`
  class Point {
    constructor(x, y) { this.x = x; this.y = y; }
    norm() { return Math.hypot(this.x, this.y); }
  }
  class Segment {
    constructor(a, b) { this.from = a; this.to = b; }
    length() { return Math.hypot(this.to.x - this.from.x, this.to.y - this.from.y); }
  }
  class Tree {
    constructor(label) { this.label = label; this.parent = null; this.children = []; }
    add(child) { child.parent = this; this.children.push(child); return child; }
  }
  class Labelled extends Point {
    constructor(x, y, label) { super(x, y); this.label = label; }
  }
  class ValidationError extends TypeError {
    constructor(message, field, options) { super(message, options); this.name = "ValidationError"; this.field = field; }
  }
  class Registry extends Map {
    label = "registry";
    names() { return [...this.keys()]; }
  }
  class Bag extends Array {
    kind = "bag";
  }
  class Tags extends Set {
    owner = "me";
  }
  class Vector extends Float64Array {
    unit = "m";
    sum() { return this.reduce((a, b) => a + b, 0); }
  }
  class Measure {
    static unit = "m";
    constructor(value) { this.value = value; }
  }
  class Secretive {
    #secret = 1;
    constructor(value) { this.value = value; }
    reveal() { return this.#secret; }
  }
  return { Point, Segment, Tree, Labelled, ValidationError, Registry, Bag, Tags, Vector, Measure, Secretive };
`)() as Record<string, any>;
const { Point, Segment, Tree, Labelled, ValidationError, Registry, Bag, Tags, Vector, Measure, Secretive } = classes;

/**
 * Asserts `actual` is a copy of `expected` that nothing can tell apart: same prototypes, own keys in
 * the same order with the same attributes (getters stay getters), same values, the same sharing of
 * references and cycles, same integrity levels, Errors still native errors, typed arrays owning their memory.
 */
export function expectSame(expect: Expect, actual: unknown, expected: unknown, path = "value", pairs = new Map<object, unknown>()): void {
  if (typeof expected !== "object" || expected === null) {
    expect(Object.is(actual, expected), `${path}: ${String(actual)} is not ${String(expected)}`).toBe(true);
    return;
  }
  expect(typeof actual === "object" && actual !== null, `${path} is not an object`).toBe(true);
  const a = actual as object;
  if (pairs.has(expected)) {
    expect(a === pairs.get(expected), `${path} is not the same object as where it was met before`).toBe(true);
    return;
  }
  expect(a !== expected, `${path} is the stored object itself, not a copy`).toBe(true);
  pairs.set(expected, a);
  expect(Object.getPrototypeOf(a) === Object.getPrototypeOf(expected), `${path}: another prototype`).toBe(true);
  expect(types.isNativeError(a), `${path}: isNativeError`).toBe(types.isNativeError(expected));
  expect([Object.isExtensible(a), Object.isSealed(a), Object.isFrozen(a)], `${path}: integrity`).toEqual([
    Object.isExtensible(expected),
    Object.isSealed(expected),
    Object.isFrozen(expected),
  ]);
  if (ArrayBuffer.isView(expected)) {
    const view = a as ArrayBufferView;
    const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    expect(bytes(view).equals(bytes(expected)), `${path}: bytes`).toBe(true);
    if (!Buffer.isBuffer(expected)) expect([view.byteOffset, view.buffer.byteLength], `${path}: its own memory`).toEqual([0, view.byteLength]);
  }
  const ownKeys = (o: object) => (ArrayBuffer.isView(o) ? Reflect.ownKeys(o).filter((k) => typeof k !== "string" || !/^\d+$/.test(k)) : Reflect.ownKeys(o));
  const keys = ownKeys(expected);
  expect(ownKeys(a), `${path}: own keys`).toEqual(keys);
  for (const key of keys) {
    const d = Object.getOwnPropertyDescriptor(expected, key)!;
    const got = Object.getOwnPropertyDescriptor(a, key)!;
    const where = `${path}.${String(key)}`;
    expect([got.enumerable, got.configurable, got.writable, "value" in got], `${where}: attributes`).toEqual([d.enumerable, d.configurable, d.writable, "value" in d]);
    if ("value" in d) expectSame(expect, got.value, d.value, where, pairs);
  }
  if (expected instanceof Map) {
    const entries = [...(a as Map<unknown, unknown>)];
    expect(entries.length, `${path}: size`).toBe(expected.size);
    [...expected].forEach(([k, v], i) => {
      expectSame(expect, entries[i]![0], k, `${path}.keys()[${i}]`, pairs);
      expectSame(expect, entries[i]![1], v, `${path}.get(…)[${i}]`, pairs);
    });
  } else if (expected instanceof Set) {
    const values = [...(a as Set<unknown>)];
    [...expected].forEach((v, i) => expectSame(expect, values[i], v, `${path}.values()[${i}]`, pairs));
  } else if (expected instanceof Date) {
    expect((a as Date).getTime(), path).toBe(expected.getTime());
  } else if (expected instanceof RegExp) {
    expect([(a as RegExp).source, (a as RegExp).flags, (a as RegExp).lastIndex], path).toEqual([expected.source, expected.flags, expected.lastIndex]);
  } else if (expected instanceof URL || expected instanceof URLSearchParams) {
    expect(String(a), path).toBe(String(expected));
  }
}

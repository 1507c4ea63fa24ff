// Values come back from every cache exactly as they went in — class instances (found again by their
// class's code identity), null-prototype objects, Errors, URLs — or are not cached at all, with one
// warning. Classes are declared in `new Function` code or in scripts: esbuild (vitest) renames and
// rewrites classes declared in this file.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify, types } from "node:util";
import { serialize } from "node:v8";
import Keyv from "keyv";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  DiskCache,
  KeyvCache,
  MemoryCache,
  node,
  Pipeline,
  PipelineCallback,
  registerModuleObject,
  unregisterModuleObject,
  UnserializableValueError,
  WorkerEngine,
  type Cache,
} from "hypernodes";
import { nextHashEpoch } from "../src/code-identity.js";
import { checkRoundTrip, decode, encode, MISS } from "../src/serialization.js";

const run = promisify(execFile);
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

const dirs: string[] = [];
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), "hn-round-trip-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Declared outside esbuild's reach, so names and sources are as written.
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
`)() as Record<string, new (...args: any[]) => any>;
const { Point, Segment, Tree, Labelled, ValidationError, Registry, Bag, Tags, Vector, Measure, Secretive } = classes as Record<string, any>;

/**
 * Asserts `actual` is a copy of `expected` that nothing can tell apart: same prototypes, own keys in
 * the same order with the same attributes (getters stay getters), same values, the same sharing of
 * references and cycles, same integrity levels, Errors still native errors, typed arrays owning their memory.
 */
function expectSame(actual: unknown, expected: unknown, path = "value", pairs = new Map<object, unknown>()): void {
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
    expect(Buffer.from(view.buffer, view.byteOffset, view.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), `${path}: bytes`).toBe(true);
    if (!Buffer.isBuffer(expected)) expect([view.byteOffset, view.buffer.byteLength], `${path}: its own memory`).toEqual([0, view.byteLength]);
  }
  const keys = ArrayBuffer.isView(expected) ? Reflect.ownKeys(expected).filter((k) => typeof k !== "string" || !/^\d+$/.test(k)) : Reflect.ownKeys(expected);
  const actualKeys = ArrayBuffer.isView(a) ? Reflect.ownKeys(a).filter((k) => typeof k !== "string" || !/^\d+$/.test(k)) : Reflect.ownKeys(a);
  expect(actualKeys, `${path}: own keys`).toEqual(keys);
  for (const key of keys) {
    const d = Object.getOwnPropertyDescriptor(expected, key)!;
    const got = Object.getOwnPropertyDescriptor(a, key)!;
    const where = `${path}.${String(key)}`;
    expect([got.enumerable, got.configurable, got.writable, "value" in got], `${where}: attributes`).toEqual([d.enumerable, d.configurable, d.writable, "value" in d]);
    if ("value" in d) expectSame(got.value, d.value, where, pairs);
  }
  if (expected instanceof Map) {
    const entries = [...(a as Map<unknown, unknown>)];
    expect(entries.length, `${path}: size`).toBe(expected.size);
    [...expected].forEach(([k, v], i) => {
      expectSame(entries[i]![0], k, `${path}.keys()[${i}]`, pairs);
      expectSame(entries[i]![1], v, `${path}.get(…)[${i}]`, pairs);
    });
  } else if (expected instanceof Set) {
    const values = [...(a as Set<unknown>)];
    [...expected].forEach((v, i) => expectSame(values[i], v, `${path}.values()[${i}]`, pairs));
  } else if (expected instanceof Date) {
    expect((a as Date).getTime(), path).toBe(expected.getTime());
  } else if (expected instanceof RegExp) {
    expect([(a as RegExp).source, (a as RegExp).flags, (a as RegExp).lastIndex], path).toEqual([expected.source, expected.flags, expected.lastIndex]);
  } else if (expected instanceof URL || expected instanceof URLSearchParams) {
    expect(String(a), path).toBe(String(expected));
  }
}

/** Each cache: one object writes, and reads come from the object that wrote (memory) and from a fresh one (the store). */
const caches: [string, () => { cache: Cache; readers: () => Promise<Cache[]>; close: () => Promise<void> }][] = [
  [
    "MemoryCache",
    () => {
      const cache = new MemoryCache();
      return { cache, readers: async () => [cache], close: () => cache.close() };
    },
  ],
  [
    "DiskCache",
    () => {
      const dir = tempDir();
      const cache = new DiskCache({ path: dir });
      const others: DiskCache[] = [];
      return {
        cache,
        readers: async () => {
          await cache.flush();
          const fresh = new DiskCache({ path: dir });
          others.push(fresh);
          return [cache, fresh];
        },
        close: async () => {
          for (const c of others) await c.close();
          await cache.close();
        },
      };
    },
  ],
  [
    "KeyvCache",
    () => {
      const keyv = new Keyv();
      const cache = new KeyvCache(keyv);
      return {
        cache,
        readers: async () => {
          await cache.flush();
          return [cache, new KeyvCache(keyv)];
        },
        close: () => cache.close(),
      };
    },
  ],
];

/** Stores `value`, then checks every reader gives it back exactly, twice (each hit a fresh copy). */
async function roundTrip(makeCache: (typeof caches)[number][1], value: unknown): Promise<unknown[]> {
  const { cache, readers, close } = makeCache();
  try {
    await cache.set("k", value);
    const back: unknown[] = [];
    for (const reader of await readers()) {
      const first = await reader.get("k");
      expectSame(first, value);
      const hits = await reader.getMany(["k"]);
      expectSame(hits.get("k"), value);
      expect(hits.get("k")).not.toBe(first);
      back.push(first);
    }
    return back;
  } finally {
    await close();
  }
}

describe.each(caches)("%s: values come back exactly", (_name, makeCache) => {
  it("class instances: nested, shared, cyclic, in arrays, Maps and Sets, with their methods", async () => {
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
    for (const back of (await roundTrip(makeCache, value)) as (typeof value)[]) {
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
    await roundTrip(makeCache, new Labelled(1, 2, "p"));
    const registry = new Registry([["x", new Point(1, 2)]]);
    const bag = Bag.from([1, 2, 3]);
    bag.kind = "numbers";
    const tags = new Tags(["a", new Point(0, 1)]);
    const vector = Vector.from([1, 2, 3]);
    const [back] = (await roundTrip(makeCache, { registry, bag, tags, vector })) as { registry: any; bag: any; vector: any }[];
    expect(back!.registry.names()).toEqual(["x"]);
    expect(back!.bag.map((x: number) => x * 2)).toBeInstanceOf(Bag);
    expect([back!.vector.sum(), back!.vector.unit]).toEqual([6, "m"]);
  });

  it("null-prototype objects, and frozen, sealed and non-writable properties", async () => {
    const dict = Object.assign(Object.create(null), { a: 1, nested: Object.assign(Object.create(null), { __proto__: "own" }) });
    const frozen = Object.freeze({ list: Object.freeze([1, 2]), point: Object.freeze(new Point(1, 2)) });
    const readOnly = Object.defineProperty({ a: 1 }, "fixed", { value: 2, enumerable: true, writable: false, configurable: true });
    await roundTrip(makeCache, { dict, frozen, sealed: Object.seal({ s: 1 }), closed: Object.preventExtensions({ c: 1 }), readOnly });
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
    const [back] = (await roundTrip(makeCache, value)) as (typeof value)[];
    expect(back!.custom).toBeInstanceOf(ValidationError);
    expect(back!.custom.cause).toBe(back!.aggregate.errors[0]);
    expect(back!.aggregate).toBeInstanceOf(AggregateError);
    expect(back!.renamed).not.toBeInstanceOf(TypeError);
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
    const [back] = (await roundTrip(makeCache, value)) as (typeof value)[];
    back!.params.append("r", "2");
    expect(back!.url.href).toBe("https://example.com/a?q=1&r=2");
    expect(back!.urls.get(back!.url)).toBe("home");
  });

  it("typed arrays and Buffers read back own their memory: mutating one never changes the next hit", async () => {
    const { cache, readers, close } = makeCache();
    await cache.set("k", { floats: new Float64Array([1, 2, 3]), bytes: Buffer.from("abc"), view: new DataView(new ArrayBuffer(4)) });
    for (const reader of await readers()) {
      const first = (await reader.get("k")) as { floats: Float64Array; bytes: Buffer };
      first.floats[0] = 99;
      first.bytes[0] = 0x7a;
      const second = (await reader.get("k")) as { floats: Float64Array; bytes: Buffer };
      expect([second.floats[0], second.bytes.toString()]).toEqual([1, "abc"]);
      expect([second.floats.byteOffset, second.floats.buffer.byteLength]).toEqual([0, 24]);
      expect(second.bytes).toBeInstanceOf(Buffer);
    }
    await close();
  });

  it("refuses, naming where and why, what would not come back exactly", async () => {
    const { cache, close } = makeCache();
    const refused = async (value: unknown, message: string | RegExp) => {
      const error = await cache.set("k", value).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnserializableValueError);
      expect((error as Error).message).toMatch(message);
    };
    await refused({ a: { [Symbol("tag")]: 1 } }, "value.a has a symbol-keyed property Symbol(tag), which would be lost");
    await refused({ a: [Object.defineProperty({}, "hidden", { value: 1 })] }, "value.a[0] has a non-enumerable property 'hidden', which would be lost");
    await refused({ a: { get total() { return 1; } } }, "value.a has an accessor (getter/setter) property 'total', which would come back as a plain value");
    await refused(new Map([["k", new WeakMap()]]), "value.get(…)[0] is a WeakMap (a platform object), which cannot be stored");
    await refused([Promise.resolve()], "value[0] is a Promise (a platform object)");
    await refused({ f: () => 1 }, "value.f is a function");
    await refused({ s: Symbol("s") }, "value.s is a symbol");
    await refused({ c: new Secretive(1) }, "value.c is a Secretive instance: class Secretive has #private members (#secret), which cannot be restored");
    await refused(Object.create({ inherited: 1 }), /^value is an object whose prototype is not a class's/);
    await refused({ h: new Headers() }, "value.h is a Headers");
    const cyclic = new Error("cycle");
    cyclic.cause = { back: cyclic };
    await refused({ e: cyclic }, "value.e is an Error whose cause leads back to it");
    const shared = Buffer.alloc(8);
    await refused({ a: shared, b: shared.subarray(2) }, /shares memory with/);
    const longList = new Array(1000).fill(0);
    Object.defineProperty(longList, "meta", { value: 1 });
    await refused({ longList }, "value.longList has a non-enumerable property 'meta'");
    expect(await cache.has("k")).toBe(false);
    await close();
  });

  it("an entry whose class is not in this process is a miss: get gives undefined, getMany leaves it out, has stays true", async () => {
    const { cache, readers, close } = makeCache();
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
    for (const reader of await readers()) expect((await reader.get("k")) as { m: unknown }).toEqual({ m: new Measure(2) });
    await close();
  });

  it("a node returning a class instance is a cache hit on the next run", async () => {
    const { cache, close } = makeCache();
    let calls = 0;
    const fit = node(
      (n: number) => {
        calls++;
        return { model: new Segment(new Point(0, 0), new Point(n, 0)), points: [new Point(1, 1)] };
      },
      { outputName: "fitted", name: "fit", version: "1" },
    );
    const pipeline = new Pipeline({ nodes: [fit], cache });
    const first = await pipeline.run({ n: 3 });
    const second = await pipeline.run({ n: 3 });
    expect(calls).toBe(1);
    expectSame(second.fitted, first.fitted);
    expect((second.fitted as { model: { length(): number } }).model.length()).toBe(3);
    await close();
  });
});

describe("which class an instance comes back as", () => {
  it("a class a notebook cell declares again (same code) is the one instances come back as, not the first one", async () => {
    const declare = () => new Function("return class Redeclared { constructor(v) { this.v = v; } twice() { return this.v * 2; } }")();
    const first = declare();
    const cache = new MemoryCache();
    await cache.set("k", { r: new first(21) });
    const again = declare(); // the cell run again: another class object with the same code
    const cell = { Redeclared: again };
    registerModuleObject(cell);
    try {
      const back = (await cache.get("k")) as { r: { twice(): number } };
      expect(back.r).toBeInstanceOf(again);
      expect(back.r.twice()).toBe(42);
    } finally {
      unregisterModuleObject(cell);
    }
  });
});

describe("values that cannot be cached", () => {
  it("are returned, recomputed next time, and warned about once per node, when the node finishes", async () => {
    let calls = 0;
    const tag = Symbol.for("hypernodes.test.tag");
    const tagged = node(
      (x: number) => {
        calls++;
        return { x, [Symbol.for("hypernodes.test.tag")]: "lost in a cache" };
      },
      { outputName: "tagged", name: "tagged" },
    );
    const warnings: string[] = [];
    const seenAtNodeEnd: number[] = [];
    const listener = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
    class AtEnd extends PipelineCallback {
      onNodeEnd() {
        seenAtNodeEnd.push(warnings.length);
      }
    }
    process.on("warning", listener);
    try {
      const pipeline = new Pipeline({ nodes: [tagged], cache: new MemoryCache(), callbacks: [new AtEnd()] });
      const rows = await pipeline.map({ x: [1, 2, 3] }, { mapOver: "x" });
      expect((rows[0]!.tagged as Record<symbol, string>)[tag]).toBe("lost in a cache");
      await pipeline.run({ x: 1 });
    } finally {
      process.off("warning", listener);
    }
    expect(calls).toBe(4);
    // Emitted before the node's end event, not on a later tick.
    expect(seenAtNodeEnd).toEqual([1, 1, 1, 2]);
    expect(warnings).toEqual([
      "HYPERNODES_UNCACHED_VALUE: Node 'tagged': its output cannot be cached (value has a symbol-keyed property Symbol(hypernodes.test.tag), which would be lost); it is returned but will be recomputed next time",
      "HYPERNODES_UNCACHED_VALUE: Node 'tagged': its output cannot be cached (value has a symbol-keyed property Symbol(hypernodes.test.tag), which would be lost); it is returned but will be recomputed next time",
    ]);
  });

  it("the warning is printed by Node at once, and --no-warnings silences it", async () => {
    const script = `const { warn } = await import(${JSON.stringify(join(DIST, "..", "warnings.js"))}); warn("not cached", "HYPERNODES_TEST"); console.error("after");`;
    const shown = await run(process.execPath, ["--input-type=module", "-e", script]);
    expect(shown.stderr).toMatch(/^\(node:\d+\) \[HYPERNODES_TEST\] Warning: not cached\n[^]*after\n$/);
    const silenced = await run(process.execPath, ["--no-warnings", "--input-type=module", "-e", script]);
    expect(silenced.stderr).toBe("after\n");
  });
});

describe("the stored format", () => {
  it("plain values stay plain v8.serialize bytes; bytes written before fix-ups existed still read", async () => {
    const plain = { a: [1, { b: new Map([["c", new Date(0)]]) }], n: null };
    expect(encode(plain, { classes: true })).toEqual(serialize(plain));
    const dir = tempDir();
    const cache = new DiskCache({ path: dir });
    await cache.keyv.set("old", serialize({ list: [1, 2], when: new Date(5) }));
    expect(await new DiskCache({ path: dir }).get("old")).toEqual({ list: [1, 2], when: new Date(5) });
    await cache.close();
  });

  it("without { classes }, class instances are refused (what goes to another process), other fix-ups still apply", () => {
    expect(() => encode({ p: new Point(1, 2) })).toThrow("value.p is a Point instance, which would come back as a plain object");
    const dict = Object.assign(Object.create(null), { a: new URL("https://example.com/") });
    expectSame(decode(encode(dict)), dict);
    expect((decode(encode({ p: new Point(1, 2) }, { classes: true })) as { p: unknown }).p).toBeInstanceOf(Point);
    expect(MISS).toBeTypeOf("symbol");
  });
});

describe("values crossing to worker threads (structured clone)", () => {
  it("checkRoundTrip still refuses class instances and anything structured clone would change", () => {
    const refused = (value: unknown, message: string) => expect(() => checkRoundTrip(value, "input 'x'")).toThrow(message);
    refused({ p: new Point(1, 2) }, "input 'x'.p is a Point instance, which would come back as a plain object");
    refused([new ValidationError("v", "f")], "input 'x'[0] is a ValidationError instance, which would come back as a plain Error");
    refused(new Registry(), "input 'x' is a Registry instance, which would come back as a plain Map");
    refused(Object.create(null), "input 'x' is an object with a null prototype, which would come back with Object.prototype");
    refused(Object.assign(new Error("e"), { code: 1 }), "input 'x' is an Error whose own property 'code' would be lost in structured clone");
    refused({ b: Buffer.from("x") }, "input 'x'.b is a Buffer, which would arrive as a Uint8Array in another thread");
    refused({ u: new URL("https://example.com/") }, "input 'x'.u is a URL, which would come back as a plain object");
    refused({ s: { [Symbol("s")]: 1 } }, "input 'x'.s has a symbol-keyed property Symbol(s), which would be lost");
    expect(() => checkRoundTrip({ a: [1, new Map([[1, new Date(0)]])], e: new TypeError("fine"), f: new Float32Array(2) }, "input 'x'")).not.toThrow();
  });

  const engine = new WorkerEngine({ workers: 1 });
  afterAll(() => engine.close());

  it("a class instance returned in a worker fails the node instead of arriving as a plain object", async () => {
    const makeBox = node(
      (v: number) => {
        class Box {
          constructor(readonly v: number) {}
        }
        return new Box(v);
      },
      { outputName: "box", name: "makeBox" },
    );
    const error = await new Pipeline({ nodes: [makeBox] }).run({ v: 1 }, { engine }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Node 'makeBox' failed: its output cannot be sent back from the worker thread: the output is a Box\d* instance, which would come back as a plain object$/);
  });
});

describe("DiskCache across processes", () => {
  /** A script defining Point with `norm`'s body, running a node that returns Points, against the cache in argv[2]. */
  function script(norm: string, nodeOptions: string): string {
    return `
      import { DiskCache, MemoryCache, Pipeline, node } from ${JSON.stringify(DIST)};
      class Point {
        constructor(x, y) { this.x = x; this.y = y; }
        norm() { return ${norm}; }
      }
      // This process has met Point (as it would by hashing a node that reads it), so only its code decides.
      await new MemoryCache().set("met", new Point(0, 0));
      let calls = 0;
      const make = node((n) => { calls++; return { p: new Point(n, n + 1), more: [new Point(1, 2)] }; }, { outputName: "made", name: "make", ${nodeOptions} });
      const cache = new DiskCache({ path: process.argv[2] });
      const { made } = await new Pipeline({ nodes: [make], cache }).run({ n: 3 });
      await cache.close();
      console.log(JSON.stringify({ calls, isPoint: made.p instanceof Point && made.more[0] instanceof Point, norm: made.p.norm(), keys: Object.keys(made.p) }));
    `;
  }

  async function runScript(dir: string, name: string, text: string): Promise<{ calls: number; isPoint: boolean; norm: number; keys: string[] }> {
    const file = join(dir, name);
    writeFileSync(file, text);
    const { stdout } = await run(process.execPath, [file, join(dir, "cache")]);
    return JSON.parse(stdout);
  }

  it("an entry written by one process comes back in the next as an instance of the class that script declares", async () => {
    const dir = tempDir();
    const text = script("Math.hypot(this.x, this.y)", "");
    expect(await runScript(dir, "first.mjs", text)).toEqual({ calls: 1, isPoint: true, norm: 5, keys: ["x", "y"] });
    expect(await runScript(dir, "second.mjs", text)).toEqual({ calls: 0, isPoint: true, norm: 5, keys: ["x", "y"] });
  }, 30_000);

  it("when the class's code changed, the entry is a miss and the node recomputes, never a stale instance", async () => {
    const dir = tempDir();
    // A fixed { version }: the node's signature ignores its code, so only the class's identity can tell.
    expect(await runScript(dir, "first.mjs", script("Math.hypot(this.x, this.y)", 'version: "1"'))).toMatchObject({ calls: 1, norm: 5 });
    expect(await runScript(dir, "second.mjs", script("this.x + this.y", 'version: "1"'))).toEqual({ calls: 1, isPoint: true, norm: 7, keys: ["x", "y"] });
    expect(await runScript(dir, "third.mjs", script("this.x + this.y", 'version: "1"'))).toMatchObject({ calls: 0, isPoint: true, norm: 7 });
  }, 30_000);
});

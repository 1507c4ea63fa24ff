// Values come back from every cache exactly as they went in — class instances (found again by their
// class's code identity), null-prototype objects, Errors, URLs — or are not cached at all, with one
// warning. That every cache does so is the cache contract (hypernodes/testing's cacheConformance, run
// on every cache by test/cache.test.ts); here, what the stored format and the pipeline do. Classes are declared in `new Function` code or in scripts: esbuild (vitest) renames and
// rewrites classes declared in this file.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { serialize } from "node:v8";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  DiskCache,
  MemoryCache,
  node,
  Pipeline,
  PipelineCallback,
  registerModuleObject,
  unregisterModuleObject,
  UnserializableValueError,
  WorkerEngine,
} from "hypernodes";
import { expectSame as expectSameWith } from "hypernodes/testing";
import { checkRoundTrip, decode, encode, MISS } from "../src/cache/serialization.js";

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
  class ValidationError extends TypeError {
    constructor(message, field, options) { super(message, options); this.name = "ValidationError"; this.field = field; }
  }
  class Registry extends Map {
    label = "registry";
    names() { return [...this.keys()]; }
  }
  class Secretive {
    #secret = 1;
    constructor(value) { this.value = value; }
    reveal() { return this.#secret; }
  }
  return { Point, ValidationError, Registry, Secretive };
`)() as Record<string, new (...args: any[]) => any>;
const { Point, ValidationError, Registry, Secretive } = classes as Record<string, any>;

/** Asserts `actual` is a copy of `expected` that nothing can tell apart (see hypernodes/testing). */
const expectSame = (actual: unknown, expected: unknown) => expectSameWith(expect, actual, expected);

describe("what caches refuse", () => {
  it("names where and why a value would not come back exactly", () => {
    const refused = (value: unknown, message: string | RegExp) => {
      let error: unknown;
      try {
        encode(value, { classes: true });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnserializableValueError);
      expect((error as Error).message).toMatch(message);
    };
    refused({ a: { [Symbol("tag")]: 1 } }, "value.a has a symbol-keyed property Symbol(tag), which would be lost");
    refused({ a: [Object.defineProperty({}, "hidden", { value: 1 })] }, "value.a[0] has a non-enumerable property 'hidden', which would be lost");
    refused({ a: { get total() { return 1; } } }, "value.a has an accessor (getter/setter) property 'total', which would come back as a plain value");
    refused(new Map([["k", new WeakMap()]]), "value.get(…)[0] is a WeakMap (a platform object), which cannot be stored");
    refused([Promise.resolve()], "value[0] is a Promise (a platform object)");
    refused({ f: () => 1 }, "value.f is a function");
    refused({ s: Symbol("s") }, "value.s is a symbol");
    refused({ c: new Secretive(1) }, "value.c is a Secretive instance: class Secretive has #private members (#secret), which cannot be restored");
    refused(Object.create({ inherited: 1 }), /^value is an object whose prototype is not a class's/);
    refused({ h: new Headers() }, "value.h is a Headers");
    const cyclic = new Error("cycle");
    cyclic.cause = { back: cyclic };
    refused({ e: cyclic }, "value.e is an Error whose cause leads back to it");
    const shared = Buffer.alloc(8);
    refused({ a: shared, b: shared.subarray(2) }, /shares memory with/);
    const longList = new Array(1000).fill(0);
    Object.defineProperty(longList, "meta", { value: 1 });
    refused({ longList }, "value.longList has a non-enumerable property 'meta'");
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
    const script = `const { warn } = await import(${JSON.stringify(join(DIST, "..", "core", "warnings.js"))}); warn("not cached", "HYPERNODES_TEST"); console.error("after");`;
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

import { ChildProcess, execFileSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { UnhashableValueError } from "../src/core/errors.js";
import { hashValue } from "../src/identity/code-identity.js";

/** Indirect eval keeps the exact source text (the test transpiler would reformat inline functions). */
const evalSource = (source: string): unknown => (0, eval)(source);

function expectAllDistinct(values: unknown[]): void {
  const hashes = values.map((v) => hashValue(v));
  expect(new Set(hashes).size).toBe(values.length);
}

function expectUnhashable(value: unknown, label: string | undefined, message: string): void {
  expect(() => hashValue(value, label)).toThrow(UnhashableValueError);
  expect(() => hashValue(value, label)).toThrow(message);
}

describe("hashValue: primitives and type tags", () => {
  it("returns a hex SHA-1 digest", () => {
    expect(hashValue(1)).toMatch(/^[0-9a-f]{40}$/);
    expect(hashValue({ a: [1] })).toMatch(/^[0-9a-f]{40}$/);
  });

  it("tags every type so look-alike values hash apart", () => {
    expectAllDistinct([
      1, "1", 1n, true, "true", null, "null", undefined, "undefined", [1], { 0: 1 }, new Set([1]),
      new Map([[0, 1]]), Symbol.for("1"), new Number(1), new String("1"), Object(1n), new Date(1),
      /1/, new Error("1"), new Uint8Array([1]), new URL("http://x/1"), [], {}, "", 0, false,
      new Set(), new Map(), [undefined], [null], [[1]], [1, 1], [11],
    ]);
  });

  it("NaN equals NaN; -0 differs from 0 (a node computing 1 / x tells them apart)", () => {
    expect(hashValue(NaN)).toBe(hashValue(Number.NaN));
    expect(hashValue(-0)).not.toBe(hashValue(0));
    expect(hashValue([-0, NaN])).toBe(hashValue([-0, 0 / 0]));
    expectAllDistinct([NaN, Infinity, -Infinity, 0, 1e21, 1.5]);
  });

  it("a value hashed again gets the same hash, in any order, before and after many others (recent hashes are reused)", () => {
    const values = [0, -0, 1, "1", "", "x".repeat(300), 2 ** 53, NaN, true, undefined];
    const first = values.map((v) => hashValue(v));
    expectAllDistinct(values);
    for (let i = 0; i < 70_000; i++) hashValue(i + 0.5);
    expect([...values].reverse().map((v) => hashValue(v))).toEqual([...first].reverse());
    expect(hashValue(-0)).not.toBe(hashValue(0));
  });

  it("encodes strings unambiguously", () => {
    expectAllDistinct([["a,b"], ["a", "b"], ["ab"], ['"a"'], ["a\\"], 'a"', "\uD800", "\uDBFF", "\uFFFD"]);
    expectAllDistinct([{ ab: "c" }, { a: "bc" }, { 'a":"b': "c" }, { a: "b", b: "c" }]);
  });

  it("hashes registered symbols by their key and rejects unique ones", () => {
    expect(hashValue(Symbol.for("k"))).toBe(hashValue(Symbol.for("k")));
    expectAllDistinct([Symbol.for("k"), Symbol.for("j"), "k"]);
    expectUnhashable(Symbol("k"), "input 'x'", "Cannot hash input 'x': a unique Symbol(k) has no content to hash");
    expectUnhashable({ s: [Symbol("k")] }, "input 'x'", "Cannot hash input 'x' at x.s[0]: a unique Symbol(k)");
    expectUnhashable(new Map([["m", Symbol()]]), "input 'x'", `at x.get("m"): a unique Symbol()`);
  });

  it("hashes BigInt and boxed primitives by value", () => {
    expect(hashValue(10n ** 30n)).toBe(hashValue(BigInt("1" + "0".repeat(30))));
    expectAllDistinct([1n, 2n, -1n, 1, Object(1n), new Number(1), new String("1"), new Boolean(true), true]);
    expect(hashValue(new String("a"))).toBe(hashValue(new String("a")));
    expect(hashValue(Object(Symbol.for("s")))).toBe(hashValue(Object(Symbol.for("s"))));
    expectUnhashable({ b: Object(Symbol("u")) }, undefined, "Cannot hash value at value.b: a unique Symbol(u)");
  });
});

describe("hashValue: objects", () => {
  it("ignores key order", () => {
    const a = { x: 1, y: { p: [1, 2], q: "s" } };
    const b = { y: { q: "s", p: [1, 2] }, x: 1 };
    expect(hashValue(a)).toBe(hashValue(b));
    expect(hashValue({ a: 1, b: 2 })).not.toBe(hashValue({ a: 2, b: 1 }));
  });

  it("ignores properties whose names start with _, and non-enumerable or symbol-keyed ones", () => {
    expect(hashValue({ a: 1, _tmp: 2 })).toBe(hashValue({ a: 1 }));
    expect(hashValue({ a: { _cache: new Map(), b: 1 } })).toBe(hashValue({ a: { b: 1 } }));
    const hidden = Object.defineProperty({ a: 1, [Symbol.for("s")]: 2 }, "h", { value: 3, enumerable: false });
    expect(hashValue(hidden)).toBe(hashValue({ a: 1 }));
    expect(hashValue({ a_: 1 })).not.toBe(hashValue({}));
  });

  it("counts a property set to undefined (unlike a missing one)", () => {
    expect(hashValue({ a: 1, b: undefined })).not.toBe(hashValue({ a: 1 }));
    expect(hashValue({ a: 1, b: undefined })).toBe(hashValue({ b: undefined, a: 1 }));
  });

  it("treats null-prototype objects like plain objects", () => {
    expect(hashValue(Object.assign(Object.create(null), { a: 1 }))).toBe(hashValue({ a: 1 }));
  });

  it("tags class instances with their class and hashes their public fields", () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    class Vector {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    class Cached {
      _memo = Math.random();
      constructor(public v: number) {}
      #peek() {
        return this._memo; // a private method holds no state: instances stay hashable
      }
      peek() {
        return this.#peek();
      }
    }
    expect(hashValue(new Point(1, 2))).toBe(hashValue(new Point(1, 2)));
    expectAllDistinct([new Point(1, 2), new Point(2, 1), new Vector(1, 2), { x: 1, y: 2 }]);
    expect(hashValue(new Cached(1))).toBe(hashValue(new Cached(1)));
    expect(hashValue(new Cached(1))).not.toBe(hashValue(new Cached(2)));
  });

  it("hashes an object with cacheKey() by that key alone", () => {
    class Model {
      constructor(
        public weights: number[],
        private readonly id: string,
      ) {}
      cacheKey() {
        return `model:${this.id}`;
      }
    }
    expect(hashValue(new Model([1], "m1"))).toBe(hashValue(new Model([2], "m1")));
    expect(hashValue(new Model([1], "m1"))).not.toBe(hashValue(new Model([1], "m2")));
    expect(hashValue({ cacheKey: () => "model:m1", other: 1 })).toBe(hashValue(new Model([], "m1")));
    expect(hashValue(new Model([], "m1"))).not.toBe(hashValue("model:m1"));
  });

  it("gives cacheKey() precedence over built-in handling and cycle checks", () => {
    class KeyedMap extends Map<string, number> {
      cacheKey() {
        return "keyed";
      }
    }
    expect(hashValue(new KeyedMap([["a", 1]]))).toBe(hashValue(new KeyedMap([["b", 2]])));
    const selfRef: { me?: unknown; cacheKey(): string } = { cacheKey: () => "self" };
    selfRef.me = selfRef;
    expect(hashValue(selfRef)).toBe(hashValue({ cacheKey: () => "self" }));
  });

  it("rejects cacheKey() results that are not strings", () => {
    expectUnhashable({ o: { cacheKey: () => 42 } }, "input 'x'", "Cannot hash input 'x' at x.o: cacheKey() returned number");
  });
});

describe("hashValue: arrays and binary data", () => {
  it("keeps array order", () => {
    expect(hashValue([1, 2])).not.toBe(hashValue([2, 1]));
    expect(hashValue([1, 2])).toBe(hashValue([1, 2]));
  });

  it("hashes typed arrays by type and bytes", () => {
    const f32 = new Float32Array([1.5, -2, 3]);
    const sameBytes = new Uint8Array(f32.buffer.slice(0));
    expect(hashValue(f32)).toBe(hashValue(new Float32Array([1.5, -2, 3])));
    expect(hashValue(f32)).not.toBe(hashValue(new Float32Array([1.5, -2, 4])));
    expectAllDistinct([
      f32, sameBytes, new Int8Array(sameBytes.buffer.slice(0)), new DataView(sameBytes.buffer.slice(0)),
      sameBytes.buffer.slice(0), Buffer.from(sameBytes), new Float32Array(0), new Uint8Array(0),
    ]);
  });

  it("hashes only a view's own window of its buffer", () => {
    const big = new Uint8Array([9, 1, 2, 3, 9]);
    expect(hashValue(big.subarray(1, 4))).toBe(hashValue(new Uint8Array([1, 2, 3])));
    expect(hashValue(new DataView(big.buffer, 1, 3))).toBe(hashValue(new DataView(new Uint8Array([1, 2, 3]).buffer)));
    expect(hashValue(Buffer.from("abc"))).toBe(hashValue(Buffer.from([97, 98, 99]))); // small Buffers share a pool
  });

  it("hashes SharedArrayBuffer contents, distinct from an ArrayBuffer", () => {
    const shared = new SharedArrayBuffer(3);
    new Uint8Array(shared).set([1, 2, 3]);
    const plain = new Uint8Array([1, 2, 3]).buffer;
    expect(hashValue(shared)).not.toBe(hashValue(plain));
    const shared2 = new SharedArrayBuffer(3);
    new Uint8Array(shared2).set([1, 2, 3]);
    expect(hashValue(shared)).toBe(hashValue(shared2));
  });

  it("keeps binary data unambiguous among other values", () => {
    const u = (...b: number[]) => new Uint8Array(b);
    expectAllDistinct([[u(1, 2)], [u(1), u(2)], [u(1), "x"], [u(1), "y"], ["x", u(1)], { a: u(1), b: u(2) }]);
    expect(hashValue({ b: u(2), a: u(1), s: "t" })).toBe(hashValue({ s: "t", a: u(1), b: u(2) }));
    expect(hashValue(new Set([u(1), u(2), 3]))).toBe(hashValue(new Set([3, u(2), u(1)])));
    expect(hashValue(new Set([u(1), u(2)]))).not.toBe(hashValue(new Set([u(1), u(3)])));
  });

  it("hashes large text in chunks, with or without objects before it", () => {
    const rows = Array.from({ length: 2_000 }, (_, i) => `row ${i} `.repeat(100)); // ~2M characters
    for (const value of [rows, [{ first: true }, ...rows], { rows, meta: { n: rows.length } }]) {
      const copy = structuredClone(value);
      expect(hashValue(copy)).toBe(hashValue(value));
      const changed = JSON.parse(JSON.stringify(value).replace("row 1999 ", "row 1999!"));
      expect(hashValue(changed)).not.toBe(hashValue(value));
    }
  });

  it("hashes values whose encoding exceeds V8's maximum string length", { timeout: 30_000 }, () => {
    const rows = new Array<string>(600_000).fill("x".repeat(1000)); // ~600M characters once encoded
    expect(hashValue(rows)).toMatch(/^[0-9a-f]{40}$/); // one string of it would throw a RangeError
  });

  it("hashes a 100 MB Float32Array by content", () => {
    const data = new Float32Array(25 * 1024 * 1024).fill(0.5); // filled, so timing excludes first-touch page faults
    let start = performance.now();
    const before = hashValue(data);
    console.log(`100 MB Float32Array: ${(performance.now() - start).toFixed(0)} ms`);
    start = performance.now();
    expect(hashValue({ embeddings: data, name: "e" })).not.toBe(before);
    console.log(`100 MB Float32Array inside an object: ${(performance.now() - start).toFixed(0)} ms`);
    data[data.length - 1] = 1;
    expect(hashValue(data)).not.toBe(before);
    data[data.length - 1] = 0.5;
    expect(hashValue(data)).toBe(before);
  });
});

describe("hashValue: Map, Set and other built-ins", () => {
  it("ignores Map insertion order, not key/value pairing", () => {
    const k1 = { id: 1 };
    const k2 = { id: 2 };
    expect(hashValue(new Map<unknown, unknown>([["a", 1], [k1, [2]], [k2, new Set([3])]]))).toBe(
      hashValue(new Map<unknown, unknown>([[{ id: 2 }, new Set([3])], ["a", 1], [{ id: 1 }, [2]]])),
    );
    expectAllDistinct([new Map([[1, 2]]), new Map([[2, 1]]), new Map([[1, 2], [3, 4]]), new Map([[1, 4], [3, 2]]), { 1: 2 }]);
  });

  it("ignores Set insertion order", () => {
    expect(hashValue(new Set([1, "a", { b: 2 }, [3]]))).toBe(hashValue(new Set([[3], { b: 2 }, "a", 1])));
    expectAllDistinct([new Set([1, 2]), new Set([1, 3]), new Set([1]), [1, 2], new Set([[1, 2]])]);
  });

  it("hashes Dates by time", () => {
    expect(hashValue(new Date("2024-01-01T00:00:00Z"))).toBe(hashValue(new Date(Date.UTC(2024, 0, 1))));
    expect(hashValue(new Date("invalid"))).toBe(hashValue(new Date(NaN)));
    expectAllDistinct([new Date(0), new Date(1), new Date(NaN), 0]);
  });

  it("hashes RegExps by source and flags, Errors by name and message, URLs by href", () => {
    const g = /a+/g;
    g.lastIndex = 3;
    expect(hashValue(g)).toBe(hashValue(/a+/g));
    expectAllDistinct([/a+/g, /a+/i, /a*/g, "/a+/g"]);
    expect(hashValue(new Error("boom"))).toBe(hashValue(new Error("boom")));
    expectAllDistinct([new Error("boom"), new TypeError("boom"), new Error("bang")]);
    expect(hashValue(new URL("https://x.org/a?b=1"))).toBe(hashValue(new URL("HTTPS://X.org/a?b=1")));
    expect(hashValue(new URL("https://x.org/a"))).not.toBe(hashValue(new URL("https://x.org/b")));
  });

  it("hashes functions by normalised source", () => {
    const a = evalSource("(x) => x + 1");
    expect(hashValue(a)).toBe(hashValue(evalSource("(x) => x + 1")));
    expect(hashValue(a)).toBe(hashValue(evalSource("(x)=>  /* add */ x +\n 1 // one")));
    expectAllDistinct([a, evalSource("(x) => x + 2"), evalSource("async (x) => x + 1"), "(x) => x + 1"]);
    expect(hashValue({ f: a })).toBe(hashValue({ f: evalSource("(x) => x + 1") }));
  });

  it("rejects Promises, WeakMaps, WeakSets and WeakRefs, saying why", () => {
    expectUnhashable(Promise.resolve(1), "input 'p'", "Cannot hash input 'p': a Promise cannot be hashed by content; await it first");
    expectUnhashable({ w: new WeakMap() }, "input 'x'", "Cannot hash input 'x' at x.w: a WeakMap cannot be enumerated");
    expectUnhashable([new WeakSet()], "input 'x'", "Cannot hash input 'x' at x[0]: a WeakSet cannot be enumerated");
    expectUnhashable(new WeakRef({}), undefined, "Cannot hash value: a WeakRef's target may vanish");
  });
});

describe("hashValue: shared, circular and deep structures", () => {
  it("accepts shared references and hashes them like copies", () => {
    const o = { a: [1] };
    expect(hashValue([o, o, { o }])).toBe(hashValue([{ a: [1] }, { a: [1] }, { o: { a: [1] } }]));
  });

  it("reports a cycle with the label and the path to it", () => {
    const x: Record<string, unknown> = { a: { b: {} } };
    (x.a as { b: unknown }).b = x;
    expectUnhashable(x, "input 'x'", "Cannot hash input 'x': circular reference at x.a.b -> x");

    const arr: unknown[] = [1, { k: null }];
    (arr[1] as { k: unknown }).k = arr[1];
    expectUnhashable({ "odd key": arr }, "output 'y'", `circular reference at y["odd key"][1].k -> y["odd key"][1]`);
    expectUnhashable(arr, undefined, "Cannot hash value: circular reference at value[1].k -> value[1]");
  });

  it("reports cycles through Sets and Maps", () => {
    const s = new Set<unknown>([1]);
    s.add({ back: s });
    expectUnhashable(s, "input 's'", "circular reference at s.values()[1].back -> s");
    const m = new Map<string, unknown>();
    m.set("me", [m]);
    expectUnhashable(m, "input 'm'", `circular reference at m.get("me")[0] -> m`);
  });

  it("hashes a 100k-deep linked list without overflowing the stack", () => {
    type Link = { value: number; next: Link | null };
    const build = (last: number): Link => {
      let list: Link = { value: last, next: null };
      for (let i = 99_999; i > 0; i--) list = { value: 0, next: list };
      return list;
    };
    const list = build(1);
    const before = hashValue(list);
    expect(hashValue(build(2))).not.toBe(before);
    expect(hashValue(build(1))).toBe(before);

    // Set members are hashed separately: nesting through Sets is iterative too.
    const nest = (leaf: string) => {
      let nested: unknown = leaf;
      for (let i = 0; i < 50_000; i++) nested = i % 2 ? [nested] : new Set([nested, i]);
      return nested;
    };
    expect(hashValue(nest("a"))).not.toBe(hashValue(nest("b")));
  });

  it("tells shared references from cycles on deep paths too", () => {
    const deep = (tail: unknown) => {
      let v: object = { tail };
      for (let i = 0; i < 100; i++) v = { next: v };
      return v;
    };
    const shared = { s: [1] };
    expect(hashValue([deep(shared), deep(shared), shared])).toBe(hashValue([deep({ s: [1] }), deep({ s: [1] }), { s: [1] }]));
    const near: Record<string, unknown> = { a: {} };
    (near.a as Record<string, unknown>).back = near;
    expect(() => hashValue(deep(near), "input 'x'")).toThrow(/circular reference at x\.next.*\.tail\.a\.back -> x\.next.*\.tail$/);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expectUnhashable([deep(1), loop], "input 'x'", "circular reference at x[1].self -> x[1]");
  });

  it("reports a cycle at the end of a long chain with an elided path", () => {
    type Link = { next: unknown };
    const head: Link = { next: null };
    let tail = head;
    for (let i = 0; i < 1000; i++) tail = (tail.next = { next: null }) as Link;
    tail.next = head;
    expectUnhashable(head, "input 'l'", "circular reference at l.next.next.next.next.next.next.next.next…");
  });
});

describe("hashValue: determinism", () => {
  /** Builds the same content with a different key/entry insertion order each time. */
  const source = (reversed: boolean) => `(() => {
    const pairs = [["id", 7], ["tags", new Set(["a", "b"])], ["when", new Date(0)], ["f", (x) => x * 2],
      ["m", new Map([[1, { p: 1n, q: /r/g }], ["k", [null, undefined, NaN]]])], ["bytes", new Float64Array([0.5, 2])]];
    if (${reversed}) pairs.reverse();
    return Object.fromEntries(pairs.map(([k, v]) => [k, v instanceof Set ? new Set([...v].reverse())
      : v instanceof Map ? new Map([...v].reverse()) : v]));
  })()`;

  it("does not depend on object identity or insertion order", () => {
    expect(hashValue(evalSource(source(false)))).toBe(hashValue(evalSource(source(true))));
  });

  it("gives the same hash in a fresh Node process", async () => {
    // Bundle the module (and its imports) to plain JS with the vite that runs these tests.
    const { build } = await import("vite");
    const dir = mkdtempSync(join(tmpdir(), "hashing-"));
    try {
      await build({
        configFile: false,
        logLevel: "silent",
        build: { ssr: join(import.meta.dirname, "../src/identity/code-identity.ts"), outDir: dir, minify: false },
        ssr: { noExternal: true },
      });
      const module = pathToFileURL(join(dir, "code-identity.js")).href;
      const script = `import { hashValue } from ${JSON.stringify(module)}; console.log(hashValue(${source(true)}));`;
      const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
      expect(output.trim()).toBe(hashValue(evalSource(source(false))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hashValue: arrays are hashed faithfully", () => {
  it("tells holes from undefined, and counts them", () => {
    expect(hashValue([1, , 3])).not.toBe(hashValue([1, undefined, 3]));
    expect(hashValue(new Array(2))).not.toBe(hashValue([undefined, undefined]));
    expectAllDistinct([[, 1], [1, ,], [,], [, ,], [undefined], [], [null], [, undefined], [undefined, ,]]);
    // Controls: the same holes, however they came to be, hash equal.
    expect(hashValue([1, , 3])).toBe(hashValue([1, , 3]));
    expect(hashValue(new Array(2))).toBe(hashValue([, ,]));
    const deleted = [1, 2, 3];
    delete deleted[1];
    expect(hashValue(deleted)).toBe(hashValue([1, , 3]));
    expect(hashValue([1, undefined, 3])).toBe(hashValue(Array.from([1, undefined, 3])));
  });

  it("hashes extra public named properties after the elements", () => {
    const plain = hashValue([1, 2]);
    expectAllDistinct([[1, 2], Object.assign([1, 2], { extra: 5 }), Object.assign([1, 2], { extra: 6 }), Object.assign([1, 2], { other: 5 }), { 0: 1, 1: 2, extra: 5 }, [1, 2, 5]]);
    expect(hashValue(Object.assign([1, 2], { extra: 5 }))).toBe(hashValue(Object.assign([1, 2], { extra: 5 })));
    expect(hashValue(Object.assign([1, 2], { b: 1, a: 2 }))).toBe(hashValue(Object.assign([1, 2], { a: 2, b: 1 })));
    // Not indices: "01" and 2^32 - 1 are named properties.
    expect(hashValue(Object.assign([1, 2], { "01": 0 }))).not.toBe(plain);
    expect(hashValue(Object.assign([1, 2], { "4294967295": 0 }))).not.toBe(plain);
    // Ignored like an object's: `_` names, non-enumerable and symbol keys.
    expect(hashValue(Object.assign([1, 2], { _tmp: 9 }))).toBe(plain);
    expect(hashValue(Object.defineProperty([1, 2], "hidden", { value: 9, enumerable: false }))).toBe(plain);
    expect(hashValue(Object.assign([1, 2], { [Symbol.for("s")]: 9 }))).toBe(plain);
    // A non-enumerable element does not hide a named property.
    const odd = () => Object.defineProperty([1, 2], 1, { value: 2, enumerable: false });
    expect(hashValue(Object.assign(odd(), { extra: 5 }))).not.toBe(hashValue(odd()));
    expect(hashValue(Object.assign(odd(), { extra: 5 }))).toBe(hashValue(Object.assign([1, 2], { extra: 5 })));
    expect(hashValue(odd())).toBe(plain);
    expectUnhashable(Object.assign([1], { bad: Symbol("u") }), "input 'a'", "Cannot hash input 'a' at a.bad: a unique Symbol(u)");
  });

  it("hashes a regex match by its groups, index and input", () => {
    const at = (input: string) => /(?<digit>\d)/.exec(input)!;
    expectAllDistinct([at("a1"), at("b1"), at("1a"), ["1", "1"], "a1".match(/\d/)!, "a1".match(/(\d)/)!]);
    expect(hashValue(at("a1"))).toBe(hashValue(at("a1")));
    expect(hashValue([...at("a1")])).toBe(hashValue(["1", "1"])); // the elements alone: a plain array
  });

  it("keeps plain arrays' encoding (hashes cached before stay valid)", () => {
    // Digests computed before holes and named properties were told apart.
    expect(hashValue([1, "a", [2, null], { k: [true, undefined] }])).toBe("9e451d608ae97aaecec93d80ab694e35fc85dde6");
    expect(hashValue(Array.from({ length: 1000 }, (_, i) => i / 2))).toBe("f4bd710a986bcde9eca47bf3fd1acab53100f82b");
    expect(hashValue({ a: [1, 2], b: [[]] })).toBe("979e92947075c353c3cd7a5d1f0e3bd602bc0171");
  });

  it("finds named properties and holes on long arrays too", () => {
    const long = () => Array.from({ length: 100_000 }, (_, i) => i);
    const plain = hashValue(long());
    expect(hashValue(Object.assign(long(), { extra: 1 }))).not.toBe(plain);
    expect(hashValue(Object.assign(long(), { extra: 1 }))).not.toBe(hashValue(Object.assign(long(), { extra: 2 })));
    expect(hashValue(Object.assign(long(), { _tmp: 1 }))).toBe(plain);
    expect(hashValue(Object.assign(long(), { [Symbol.for("s")]: 1 }))).toBe(plain);
    const holed = long();
    delete holed[50_000];
    expect(hashValue(holed)).not.toBe(plain);
    const undef = long();
    undef[50_000] = undefined as unknown as number;
    expect(hashValue(holed)).not.toBe(hashValue(undef));
    expect(hashValue(long())).toBe(plain);
    // A subclass or a proxy takes the exact route.
    class Longer extends Array<number> {}
    const sub = Longer.from(long());
    expect(hashValue(Object.assign(sub, { extra: 1 }))).not.toBe(hashValue(Longer.from(long())));
    expect(hashValue(new Proxy(Object.assign(long(), { extra: 1 }), {}))).not.toBe(plain);
    expect(hashValue(new Proxy(long(), {}))).toBe(plain);
  });
});

describe("hashValue: errors", () => {
  it("hashes an error's class, name, message and public fields, not its stack", () => {
    const here = () => new Error("m");
    const there = () => new Error("m");
    expect(hashValue(here())).toBe(hashValue(there())); // different stacks
    const withCode = (code: unknown) => Object.assign(new Error("m"), { code });
    expectAllDistinct([here(), withCode("E1"), withCode("E2"), withCode(undefined), new Error("n"), new TypeError("m")]);
    expect(hashValue(withCode("E1"))).toBe(hashValue(withCode("E1")));
    expect(hashValue(Object.assign(new Error("m"), { _seen: 1 }))).toBe(hashValue(here()));
    // Same name and message, another class.
    const renamed = Object.defineProperty(new Error("m"), "name", { value: "TypeError", enumerable: false });
    expect(hashValue(renamed)).not.toBe(hashValue(new TypeError("m")));
    expect(hashValue(renamed)).toBe(hashValue(Object.defineProperty(new Error("m"), "name", { value: "TypeError" })));
  });

  it("hashes a user Error subclass by the class's identity", () => {
    const make = (body: string) => evalSource(`(class AppError extends Error { get status() { return ${body}; } })`) as new (m: string) => Error;
    const A = make("400");
    expect(hashValue(new A("m"))).not.toBe(hashValue(new (make("500"))("m")));
    expect(hashValue(new A("m"))).toBe(hashValue(new (make("400"))("m"))); // same code, same identity
    expect(hashValue(new A("m"))).toBe(hashValue(new A("m")));
    expectAllDistinct([new A("m"), new A("n"), Object.defineProperty(new Error("m"), "name", { value: "Error" })]);
  });

  it("hashes cause (own, not enumerable) and AggregateError's errors", () => {
    expectAllDistinct([new Error("m"), new Error("m", { cause: 1 }), new Error("m", { cause: 2 }), new Error("m", { cause: undefined })]);
    expect(hashValue(new Error("m", { cause: { a: [1] } }))).toBe(hashValue(new Error("m", { cause: { a: [1] } })));
    expect(hashValue(new Error("m", { cause: new Error("root") }))).not.toBe(hashValue(new Error("m", { cause: new Error("other") })));
    const agg = (...messages: string[]) => new AggregateError(messages.map((m) => new Error(m)), "all");
    expectAllDistinct([agg("a"), agg("b"), agg("a", "b"), agg(), new Error("all")]);
    expect(hashValue(agg("a", "b"))).toBe(hashValue(agg("a", "b")));
    const loop = new Error("m");
    loop.cause = loop;
    expectUnhashable({ e: loop }, "input 'x'", "circular reference at x.e.cause -> x.e");
  });
});

describe("hashValue: class instances", () => {
  const point = (body: string) => evalSource(`(class Point { constructor(x) { this.x = x; } norm() { return ${body}; } })`) as new (x: number) => object;

  it("tags instances with their class's identity, not its name", () => {
    const P = point("Math.abs(this.x)");
    const edited = point("this.x * this.x");
    expect(hashValue(new P(1))).not.toBe(hashValue(new edited(1)));
    expect(hashValue(new P(1))).not.toBe(hashValue(new P(2)));
    expect(hashValue({ p: new P(1) })).not.toBe(hashValue({ p: { x: 1 } }));
    // Controls: the same class, or the same code declared again, hashes equal.
    expect(hashValue(new P(1))).toBe(hashValue(new P(1)));
    expect(hashValue(new P(1))).toBe(hashValue(new (point("Math.abs(this.x)"))(1)));
    expect(hashValue([new P(1), new P(1)])).toBe(hashValue([new P(1), new (point("Math.abs(this.x)"))(1)]));
  });

  it("counts what a class's code reads", () => {
    const scaled = (k: number) => evalSource(`(() => { const k = ${k}; return class Scaled { constructor(x) { this.x = x; } get y() { return this.x * k; } }; })()`) as new (x: number) => object;
    expect(hashValue(new (scaled(2))(1))).not.toBe(hashValue(new (scaled(3))(1)));
    expect(hashValue(new (scaled(2))(1))).toBe(hashValue(new (scaled(2))(1)));
  });

  it("keeps plain objects from another realm plain", () => {
    const foreign = runInNewContext("({ a: 1, b: [2, { c: 3 }] })") as object;
    expect(hashValue(foreign)).toBe(hashValue({ a: 1, b: [2, { c: 3 }] }));
    expect(hashValue(foreign)).not.toBe(hashValue({ a: 1, b: [2, { c: 4 }] }));
  });

  it("hashes a user class that extends a platform class by its public fields", () => {
    const Counter = evalSource("(EventEmitter) => class Counter extends EventEmitter { constructor(n) { super(); this.n = n; } }") as (
      base: typeof EventEmitter,
    ) => new (n: number) => EventEmitter;
    const C = Counter(EventEmitter);
    const listening = new C(1).on("x", () => {}); // listeners live in `_events`
    expect(hashValue(new C(1))).toBe(hashValue(listening));
    expect(hashValue(new C(1))).not.toBe(hashValue(new C(2)));
  });
});

describe("hashValue: #private state", () => {
  const classes = evalSource(`(() => {
    class Vault { #key; constructor(key) { this.#key = key; this.label = "v"; } get key() { return this.#key; } }
    class SubVault extends Vault { constructor(key) { super(key); } }
    class Keyed extends Vault { cacheKey() { return "vault:" + this.key; } }
    class Helper { #twice(x) { return 2 * x; } constructor(x) { this.x = x; } run() { return this.#twice(this.x); } }
    class Tagged extends Map { #tag = "t"; }
    class Counted { static #made = 0; constructor(x) { this.x = x; Counted.#made++; } }
    return { Vault, SubVault, Keyed, Helper, Tagged, Counted };
  })()`) as Record<string, new (arg?: unknown) => object>;
  const { Vault, SubVault, Keyed, Helper, Tagged, Counted } = classes as Record<string, new (arg?: unknown) => object>;

  it("refuses an instance whose class keeps #private fields, naming the path, the class and the way out", () => {
    const advice = "give the class a cacheKey() method, pass what it holds instead, or make it a stateful() resource";
    expectUnhashable({ v: [new Vault!(1)] }, "input 'x'", `Cannot hash input 'x' at x.v[0]: an instance of class 'Vault' keeps state in #private fields (#key)`);
    expectUnhashable(new Vault!(1), undefined, advice);
    expectUnhashable({ s: new SubVault!(1) }, "input 'x'", "at x.s: an instance of class 'SubVault' keeps state in #private fields (#key of class 'Vault')");
    expectUnhashable(new Tagged!(), undefined, "an instance of class 'Tagged' keeps state in #private fields (#tag)");
  });

  it("hashes it by cacheKey() when the class has one; private methods hold no state", () => {
    expect(hashValue(new Keyed!(1))).not.toBe(hashValue(new Keyed!(2)));
    expect(hashValue(new Keyed!(1))).toBe(hashValue(new Keyed!(1)));
    expect(hashValue(new Helper!(1))).not.toBe(hashValue(new Helper!(2)));
    expect(hashValue(new Helper!(1))).toBe(hashValue(new Helper!(1)));
  });

  it("a static #private field is the class's state, not the instance's: instances hash by their fields", () => {
    expect(hashValue(new Counted!(1))).not.toBe(hashValue(new Counted!(2)));
    expect(hashValue(new Counted!(1))).toBe(hashValue(new Counted!(1)));
  });
});

describe("hashValue: platform objects", () => {
  it("hashes URLSearchParams by their text and Headers by their entries", () => {
    const q = (s: string) => new URLSearchParams(s);
    expectAllDistinct([q("a=1&b=2"), q("a=1&b=3"), q("b=2&a=1"), q(""), "a=1&b=2", new URL("http://x/?a=1&b=2"), {}]);
    expect(hashValue(q("a=1&b=2"))).toBe(hashValue(new URLSearchParams({ a: "1", b: "2" })));
    const h = (init: Record<string, string>) => new Headers(init);
    expectAllDistinct([h({ a: "1" }), h({ a: "2" }), h({ b: "1" }), h({}), q("a=1"), {}]);
    expect(hashValue(h({ "Content-Type": "text/plain", a: "1" }))).toBe(hashValue(h({ a: "1", "content-type": "text/plain" })));
  });

  it("refuses Blobs and Files, whose bytes can only be read asynchronously", () => {
    expectUnhashable({ b: new Blob(["x"]) }, "input 'x'", "Cannot hash input 'x' at x.b: a Blob's bytes can only be read asynchronously: hash `await blob.arrayBuffer()` or give it a cacheKey()");
    expectUnhashable(new File(["x"], "f.txt"), undefined, "a File's bytes can only be read asynchronously");
    expect(hashValue({ cacheKey: () => "blob:1" })).toBe(hashValue(Object.assign(new Blob(["x"]), { cacheKey: () => "blob:1" })));
  });

  it("refuses live platform objects, naming the class", () => {
    const socket = new Socket();
    const live: [unknown, string][] = [
      [socket, "Socket"],
      [new ReadableStream(), "ReadableStream"],
      [new EventEmitter(), "EventEmitter"],
      [new Request("http://x/"), "Request"],
      [new Response("x"), "Response"],
      [new AbortController().signal, "AbortSignal"],
      [new ChildProcess(), "ChildProcess"],
    ];
    try {
      for (const [value, name] of live) {
        expectUnhashable({ r: value }, "input 'x'", `Cannot hash input 'x' at x.r: an instance of ${name} is a live platform object`);
        expectUnhashable(value, undefined, "pass the data it holds, or make it a stateful() resource");
      }
    } finally {
      socket.destroy();
    }
  });

  it("refuses iterators, which reading consumes", () => {
    function* gen() {
      yield 1;
    }
    for (const it of [[1].values(), new Map([[1, 2]]).entries(), new Set([1]).values(), "ab"[Symbol.iterator](), gen()]) {
      expectUnhashable({ it }, "input 'x'", "Cannot hash input 'x' at x.it: an iterator");
    }
  });

  it("keeps hashing built-ins by content", () => {
    expectAllDistinct([new Map([[1, 2]]), new Set([1]), new Date(1), /1/, new Uint8Array([1]), new ArrayBuffer(1), new DataView(new ArrayBuffer(1)), new Number(1), new URL("http://x/")]);
    expect(hashValue(new Map([[1, 2]]))).toBe(hashValue(new Map([[1, 2]])));
  });
});

describe("hashValue: functions by identity", () => {
  it("tells closures apart by what they capture", () => {
    const make = evalSource("(k) => (x) => x * k") as (k: unknown) => (x: number) => number;
    expect(hashValue(make(2))).not.toBe(hashValue(make(3)));
    expect(hashValue(make(2))).toBe(hashValue(make(2)));
    expect(hashValue({ f: make(2) })).not.toBe(hashValue({ f: make(3) }));
    const withConfig = evalSource("(config) => (x) => x * config.scale") as (c: unknown) => unknown;
    expect(hashValue(withConfig({ scale: 2 }))).not.toBe(hashValue(withConfig({ scale: 3 })));
    expect(hashValue(withConfig({ scale: 2 }))).toBe(hashValue(withConfig({ scale: 2 })));
  });

  it("hashes bound functions by their target, this and arguments", () => {
    const f = evalSource("(function scaleAdd(x, y) { return this.s * x + y; })") as (...args: number[]) => number;
    const g = evalSource("(function scaleAdd(x, y) { return this.s * x - y; })") as (...args: number[]) => number;
    expectAllDistinct([f.bind({ s: 1 }, 2), f.bind({ s: 1 }, 3), f.bind({ s: 2 }, 2), f.bind({ s: 1 }), g.bind({ s: 1 }, 2), f]);
    expect(hashValue(f.bind({ s: 1 }, 2))).toBe(hashValue(f.bind({ s: 1 }, 2)));
    expect(hashValue(f.bind({ s: 1 }, 2))).toBe(hashValue((evalSource("(function scaleAdd(x, y) { return this.s * x + y; })") as typeof f).bind({ s: 1 }, 2)));
  });
});

describe("hashValue: new encodings stay unambiguous", () => {
  it("keeps holes, named properties, class tags and platform values apart from look-alikes", () => {
    const P = evalSource("(class Object { constructor() { this.a = 1; } })") as new () => object;
    expectAllDistinct([
      [,], [undefined], ["h"], Object.assign([], { a: 1 }), { a: 1 }, [{ a: 1 }], new P(), Object.assign([1], { a: 1 }), [1, { a: 1 }],
      new URLSearchParams("a=1"), "a=1", new Headers({ a: "1" }), [["a", "1"]], new Error("a"), { name: "Error", message: "a" },
    ]);
  });
});

describe("hashValue: speed (printed, not asserted)", () => {
  it("tells a 1M-element array with a named property from the plain one", () => {
    const numbers = Array.from({ length: 1_000_000 }, (_, i) => i / 2);
    const plain = hashValue(numbers);
    expect(hashValue(Object.assign(numbers, { extra: 1 }))).not.toBe(plain);
  });

  it("hashes 100k small objects and 1M numbers", () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({ id: i, text: "hello " + i, tags: ["a", "b"] }));
    let start = performance.now();
    const hashes = new Set(items.map((item) => hashValue(item, "map item")));
    console.log(`100k small objects: ${(performance.now() - start).toFixed(0)} ms`);
    expect(hashes.size).toBe(items.length);

    start = performance.now();
    let last = "";
    for (let i = 0; i < 1_000_000; i++) last = hashValue(i);
    console.log(`1M numbers: ${(performance.now() - start).toFixed(0)} ms`);
    expect(last).toBe(hashValue(999_999));
  });
});

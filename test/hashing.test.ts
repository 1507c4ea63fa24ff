import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { UnhashableValueError } from "../src/errors.js";
import { hashValue } from "../src/hashing.js";

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

  it("tags class instances with their class name and hashes their public fields", () => {
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
      #secret = Math.random();
      constructor(public v: number) {}
      peek() {
        return this.#secret;
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
  it("keeps array order and reads holes as undefined", () => {
    expect(hashValue([1, 2])).not.toBe(hashValue([2, 1]));
    expect(hashValue([1, , 3])).toBe(hashValue([1, undefined, 3]));
    expect(hashValue(new Array(2))).toBe(hashValue([undefined, undefined]));
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
        build: { ssr: join(import.meta.dirname, "../src/hashing.ts"), outDir: dir, minify: false },
        ssr: { noExternal: true },
      });
      const module = pathToFileURL(join(dir, "hashing.js")).href;
      const script = `import { hashValue } from ${JSON.stringify(module)}; console.log(hashValue(${source(true)}));`;
      const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
      expect(output.trim()).toBe(hashValue(evalSource(source(false))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hashValue: speed (printed, not asserted)", () => {
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

import { describe, expect, it } from "vitest";
import { MemoryCache, node, Pipeline, UnhashableValueError } from "hypernodes";

/** Code written as source, so no tool rewrites it: `define(body)` runs `body` as a function body and returns its result. */
const define = <T>(body: string, ...args: [string, unknown][]): T => new Function(...args.map((a) => a[0]), body)(...args.map((a) => a[1])) as T;
const hashOf = (fn: (...args: any[]) => unknown) => node(fn, { outputName: "y" }).codeHash;

describe("a node's codeHash covers what its code reads", () => {
  it("closure variables: scaler(2) and scaler(3) differ, two equal closures agree", () => {
    const scaler = (k: number) => (x: number) => x * k;
    expect(hashOf(scaler(2))).not.toBe(hashOf(scaler(3)));
    expect(hashOf(scaler(2))).toBe(hashOf(scaler(2)));
  });

  it("a closure variable of any depth, a helper's, and a default parameter's", () => {
    const make = (k: number, factor: number) =>
      define<(x: number) => number>("function helper(v) { return v * k; } return (x, f = factor) => helper(x) + f;", ["k", k], ["factor", factor]);
    expect(hashOf(make(1, 1))).toBe(hashOf(make(1, 1)));
    expect(hashOf(make(2, 1))).not.toBe(hashOf(make(1, 1))); // read by the helper
    expect(hashOf(make(1, 2))).not.toBe(hashOf(make(1, 1))); // read by the default
  });

  it("a name shaped like tslab's module alias is an ordinary variable", () => {
    const read = (object: object) => define<(x: number) => number>("return (x) => x * model_1.scale;", ["model_1", object]);
    expect(hashOf(read({ scale: 2 }))).not.toBe(hashOf(read({ scale: 3 })));
  });

  it("a variable reassigned after the node was defined counts from the next read", () => {
    const box = define<{ fn: (x: number) => number; set: (v: number) => void }>(
      "let threshold = 0.5; return { fn: (x) => x > threshold, set: (v) => { threshold = v; } };",
    );
    const n = node(box.fn, { outputName: "y" });
    const before = n.codeHash;
    box.set(0.9);
    expect(n.codeHash).not.toBe(before);
    box.set(0.5);
    expect(n.codeHash).toBe(before);
  });

  it("an object the code reads is hashed by its content at each read; only the members read when read as config.member", () => {
    const config = { scale: 2, label: "a" };
    const n = node(define<(x: number) => number>("return (x) => x * config.scale;", ["config", config]), { outputName: "y" });
    const before = n.codeHash;
    config.label = "b"; // not read
    expect(n.codeHash).toBe(before);
    config.scale = 3;
    expect(n.codeHash).not.toBe(before);
  });

  it("what the code only writes does not count: counters and logs", () => {
    const counted = (state: { calls: number; seen: number[] }) =>
      define<(x: number) => number>("return (x) => { state.calls++; seen.push(x); return x * 2; };", ["state", state], ["seen", state.seen]);
    expect(hashOf(counted({ calls: 0, seen: [] }))).toBe(hashOf(counted({ calls: 7, seen: [1, 2] })));
    // A counter whose value the result uses does count.
    const numbered = (calls: number) => define<(x: number) => number>("return (x) => x + ++calls;", ["calls", calls]);
    expect(hashOf(numbered(0))).not.toBe(hashOf(numbered(5)));
  });

  it("classes: by their whole source, methods included, their statics, and members put on the prototype later", () => {
    const make = (method: string, statics = "") =>
      define<(x: number) => number>(`class Scaler { ${statics} apply(x) { ${method} } } return (x) => new Scaler().apply(x);`);
    const base = hashOf(make("return x * 2;"));
    expect(hashOf(make("return x * 2;"))).toBe(base);
    expect(hashOf(make("return x * 3;"))).not.toBe(base);
    expect(hashOf(make("return x * Scaler.k;", "static k = 2;"))).not.toBe(hashOf(make("return x * Scaler.k;", "static k = 3;")));
    const patched = define<{ fn: (x: number) => number; patch: () => void }>(
      "class Scaler { apply(x) { return x * 2; } } return { fn: (x) => new Scaler().apply(x), patch: () => { Scaler.prototype.apply = function (x) { return x * 3; }; } };",
    );
    const n = node(patched.fn, { outputName: "y" });
    const before = n.codeHash;
    patched.patch();
    expect(n.codeHash).not.toBe(before);
  });

  it("mutually recursive helpers are covered, and each stays sensitive to what the other reads", () => {
    const make = (limit: number) =>
      define<{ even: (n: number) => boolean; odd: (n: number) => boolean }>(
        "function even(n) { return n === 0 || odd(n - 1); } function odd(n) { return n !== 0 && n < LIMIT && even(n - 1); } return { even, odd };",
        ["LIMIT", limit],
      );
    expect(hashOf(make(10).even)).toBe(hashOf(make(10).even));
    expect(hashOf(make(10).even)).not.toBe(hashOf(make(20).even));
    expect(hashOf(make(10).odd)).not.toBe(hashOf(make(20).odd));
  });

  it("functions reached as values: closures and bound functions by what they hold", () => {
    const scaler = (k: number) => (x: number) => x * k;
    const apply = node((x: number, f: (v: number) => number) => f(x), { outputName: "y" });
    const p = new Pipeline({ nodes: [apply], cache: new MemoryCache() });
    return (async () => {
      expect((await p.run({ x: 5, f: scaler(2) })).y).toBe(10);
      expect((await p.run({ x: 5, f: scaler(3) })).y).toBe(15);
      const times = function (this: { k: number }, x: number) {
        return x * this.k;
      };
      expect((await p.run({ x: 5, f: times.bind({ k: 2 }) })).y).toBe(10);
      expect((await p.run({ x: 5, f: times.bind({ k: 4 }) })).y).toBe(20);
    })();
  });

  it("refuses, naming the node and the variable, what it cannot hash: a WeakMap read by a helper, and `this` of the code around", () => {
    const n = node(define<(x: number) => boolean>("const seen = new WeakMap(); function known(x) { return seen.has(x); } return function check(x) { return known(x); };"), {
      outputName: "y",
    });
    expect(() => n.codeHash).toThrow(UnhashableValueError);
    expect(() => n.codeHash).toThrow(/Node 'check'.*'seen'.*WeakMap/s);
    const method = define<{ make(): (x: number) => number }>("return { k: 2, make() { return (x) => x * this.k; } };");
    expect(() => node(method.make(), { outputName: "z" }).codeHash).toThrow(/reads `this` from the code around it/);
  });

  it("a user's global counts; the platform's do not", () => {
    const g = globalThis as { hnTestScale?: number };
    g.hnTestScale = 2;
    try {
      const n = node(define<(x: number) => number>("return (x) => x * hnTestScale + Math.abs(x);"), { outputName: "y" });
      const before = n.codeHash;
      g.hnTestScale = 3;
      expect(n.codeHash).not.toBe(before);
    } finally {
      delete g.hnTestScale;
    }
  });

  it("a pipeline the code runs counts by its nodes' code and bound inputs, not by its cache or engine", async () => {
    const inner = (k: number, cache?: MemoryCache) =>
      new Pipeline({ nodes: [node(define<(x: number) => number>("return (x) => x * k;", ["k", k]), { outputName: "y", name: "times" })], cache });
    const outer = (pipeline: Pipeline<any>) => hashOf(define<(x: number) => Promise<unknown>>("return async (x) => (await inner.run({ x })).y;", ["inner", pipeline]));
    expect(outer(inner(2))).toBe(outer(inner(2, new MemoryCache())));
    expect(outer(inner(2))).not.toBe(outer(inner(3)));
    expect(outer(inner(2).bind({ x: 1 }))).not.toBe(outer(inner(2)));
  });

  it("re-running with an edited closure value recomputes; an equal one hits", async () => {
    const cache = new MemoryCache();
    const runs: number[] = [];
    const pipelineFor = (k: number) =>
      new Pipeline({ nodes: [node(define<(x: number) => number>("return (x) => { runs.push(k); return x * k; };", ["runs", runs], ["k", k]), { outputName: "y", name: "scale" })], cache });
    expect((await pipelineFor(2).run({ x: 5 })).y).toBe(10);
    expect((await pipelineFor(3).run({ x: 5 })).y).toBe(15);
    expect((await pipelineFor(2).run({ x: 5 })).y).toBe(10);
    expect(runs).toEqual([2, 3]);
  });
});

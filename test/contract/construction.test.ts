import { describe, expect, it } from "vitest";
import { node, NodeDefinitionError, Pipeline } from "hypernodes";
import { captureError } from "./helpers.js";

// Indirect eval: gives functions whose source text is exactly what we write (esbuild never sees it).
const evalFn = (src: string) => (0, eval)(`(${src})`) as (...args: any[]) => any;

describe("node(): inputs, names and outputs", () => {
  it("reads inputs from the parameters, in order", () => {
    const n = node(function combine(alpha: number, beta: number, gamma: number) {
      return alpha + beta + gamma;
    });
    expect(n.rootArgs).toEqual(["alpha", "beta", "gamma"]);
  });

  it("defaults outputName (and name) to the function's name", () => {
    const cleanNode = node(function clean(passage: string) {
      return passage.trim();
    });
    expect(cleanNode.outputName).toBe("clean");
    expect(cleanNode.name).toBe("clean");
    expect(cleanNode.rootArgs).toEqual(["passage"]);
  });

  it("uses an explicit outputName and name", () => {
    const n = node((x: number) => x * 2, { outputName: "doubled", name: "doubler" });
    expect(n.outputName).toBe("doubled");
    expect(n.name).toBe("doubler");
  });

  it("exposes func, cache (default true) and cache: false", () => {
    const fn = (x: number) => x + 1;
    const n = node(fn, { outputName: "y" });
    expect(n.func).toBe(fn);
    expect(n.cache).toBe(true);
    const m = node((x: number) => x + 1, { outputName: "y", cache: false });
    expect(m.cache).toBe(false);
  });

  it("keeps parameters with defaults in rootArgs, optional in a pipeline", async () => {
    const scaled = node((x: number, factor = 2) => x * factor, { outputName: "scaled" });
    expect(scaled.rootArgs).toEqual(["x", "factor"]);
    const p = new Pipeline({ nodes: [scaled] });
    expect(p.unfulfilledArgs).toEqual(["x"]);
    expect(await p.run({ x: 5 })).toEqual({ scaled: 10 });
    expect(await p.run({ x: 5, factor: 3 })).toEqual({ scaled: 15 });
  });

  it("a single destructured object parameter means one input per property, passed as one object", async () => {
    const single = node((arg: { a: number; b: number }) => arg.a + arg.b, { outputName: "sum" });
    // an ordinary (non-destructured) parameter is one input named after it
    expect(single.rootArgs).toEqual(["arg"]);

    const destructured = node(({ a, b }: { a: number; b: number }) => a + b, { outputName: "sum" });
    expect([...destructured.rootArgs].sort()).toEqual(["a", "b"]);
    const p = new Pipeline({ nodes: [destructured] });
    expect([...p.rootArgs].sort()).toEqual(["a", "b"]);
    expect(await p.run({ a: 2, b: 3 })).toEqual({ sum: 5 });
  });

  it("the destructured object receives values wired from upstream nodes", async () => {
    const mk = node((x: number) => x * 10, { outputName: "a" });
    const both = node(({ a, b }: { a: number; b: number }) => a - b, { outputName: "diff" });
    const p = new Pipeline({ nodes: [mk, both] });
    expect(p.unfulfilledArgs.slice().sort()).toEqual(["b", "x"]);
    expect(await p.run({ x: 2, b: 5 })).toEqual({ a: 20, diff: 15 });
  });

  it("multiple outputs: a tuple maps onto the output names", async () => {
    const stats = node(
      (data: number[]) => {
        const mean = data.reduce((s, v) => s + v, 0) / data.length;
        return [mean, Math.max(...data) - Math.min(...data)] as const;
      },
      { outputName: ["mean", "range"] },
    );
    expect(stats.outputName).toEqual(["mean", "range"]);
    const useRange = node((range: number, mean: number) => `${mean}/${range}`, { outputName: "label" });
    const p = new Pipeline({ nodes: [stats, useRange] });
    expect(p.graph.availableOutputNames.slice().sort()).toEqual(["label", "mean", "range"]);
    expect(await p.run({ data: [1, 2, 3, 6] })).toEqual({ mean: 3, range: 5, label: "3/5" });
  });

  it("explicit inputs are passed positionally in that order", async () => {
    const n = node((...args: number[]) => args[0] - args[1], { inputs: ["big", "small"], outputName: "d" });
    expect(n.rootArgs).toEqual(["big", "small"]);
    const p = new Pipeline({ nodes: [n] });
    expect(await p.run({ small: 3, big: 10 })).toEqual({ d: 7 });
  });

  it("an unnamed inline arrow without outputName throws a clear error", async () => {
    const e = await captureError(() => node((x: number) => x));
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(NodeDefinitionError);
    expect(e.message).toMatch(/outputName/);
  });

  it("isAsync tells async functions apart", () => {
    const a = node(async (x: number) => x, { outputName: "a" });
    const s = node((x: number) => x, { outputName: "s" });
    expect(a.isAsync).toBe(true);
    expect(s.isAsync).toBe(false);
  });
});

describe("node(): functions without readable source", () => {
  function add(a: number, b: number) {
    return a + b;
  }

  it("a bound function without inputs/version is rejected", async () => {
    const bound = add.bind(null);
    const e = await captureError(() => node(bound, { outputName: "total" }));
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(NodeDefinitionError);
  });

  it("a bound function with inputs but neither version nor cache:false is rejected", async () => {
    const bound = add.bind(null);
    const e = await captureError(() => node(bound, { outputName: "total", inputs: ["a", "b"] }));
    expect(e).toBeInstanceOf(Error);
  });

  it("a bound function with inputs and version works", async () => {
    const bound = add.bind(null);
    const n = node(bound, { outputName: "total", inputs: ["a", "b"], version: "1" });
    expect(n.rootArgs).toEqual(["a", "b"]);
    expect(n.codeHash).toMatch(/^[0-9a-f]+$/);
    const p = new Pipeline({ nodes: [n] });
    expect(await p.run({ a: 2, b: 5 })).toEqual({ total: 7 });
  });

  it("a bound function with inputs and cache: false works", async () => {
    const bound = add.bind(null, 100);
    const n = node(bound, { outputName: "total", inputs: ["b"], cache: false });
    const p = new Pipeline({ nodes: [n] });
    expect(await p.run({ b: 5 })).toEqual({ total: 105 });
  });

  it("a native function needs inputs and version", async () => {
    const e = await captureError(() => node(Math.max, { outputName: "m" }));
    expect(e).toBeInstanceOf(Error);
    const n = node(Math.max, { outputName: "m", inputs: ["p", "q"], version: "native-max" });
    const p = new Pipeline({ nodes: [n] });
    expect(await p.run({ p: 3, q: 9 })).toEqual({ m: 9 });
  });

  it("two bound functions with different versions get different codeHashes", () => {
    const sub = (a: number, b: number) => a - b;
    const n1 = node(add.bind(null), { outputName: "r", inputs: ["a", "b"], version: "add-1" });
    const n2 = node(sub.bind(null), { outputName: "r", inputs: ["a", "b"], version: "sub-1" });
    expect(n1.codeHash).not.toBe(n2.codeHash);
  });
});

describe("node(): codeHash", () => {
  it("is hex", () => {
    const n = node((x: number) => x + 1, { outputName: "y" });
    expect(typeof n.codeHash).toBe("string");
    expect(n.codeHash).toMatch(/^[0-9a-f]{8,}$/);
  });

  it("is equal for identical source defined in two places", () => {
    const n1 = node((x: number) => x + 1, { outputName: "y" });
    const n2 = node((x: number) => x + 1, { outputName: "y" });
    expect(n1.codeHash).toBe(n2.codeHash);
    const e1 = node(evalFn("function inc(x) { return x + 1; }"));
    const e2 = node(evalFn("function inc(x) { return x + 1; }"));
    expect(e1.codeHash).toBe(e2.codeHash);
  });

  it("ignores reformatting and comments", () => {
    const a = node(evalFn("function inc(x) { return x + 1; }"));
    const b = node(
      evalFn(`function inc(x) {
        // add one
        /* block comment */
        return   x+1 ;
      }`),
    );
    expect(b.codeHash).toBe(a.codeHash);
  });

  it("changes when what the code does changes", () => {
    const a = node(evalFn("function inc(x) { return x + 1; }"));
    const b = node(evalFn("function inc(x) { return x + 2; }"));
    const c = node(evalFn("function inc(x) { return x - 1; }"));
    expect(new Set([a.codeHash, b.codeHash, c.codeHash]).size).toBe(3);
  });

  it("version is used instead of the source", () => {
    const a = node(evalFn("function inc(x) { return x + 1; }"), { version: "v1" });
    const b = node(evalFn("function inc(x) { return x + 2; }"), { version: "v1" });
    const c = node(evalFn("function inc(x) { return x + 1; }"), { version: "v2" });
    expect(a.codeHash).toBe(b.codeHash);
    expect(a.codeHash).not.toBe(c.codeHash);
  });

  it("deps join the codeHash", () => {
    const helperA = evalFn("function helper(v) { return v * 2; }");
    const helperA2 = evalFn("function helper(v) { return v * 2; }");
    const helperB = evalFn("function helper(v) { return v * 3; }");
    const src = "function useHelper(x) { return x; }";
    const n0 = node(evalFn(src));
    const nA = node(evalFn(src), { deps: [helperA] });
    const nA2 = node(evalFn(src), { deps: [helperA2] });
    const nB = node(evalFn(src), { deps: [helperB] });
    expect(nA.codeHash).toBe(nA2.codeHash);
    expect(nA.codeHash).not.toBe(nB.codeHash);
    expect(nA.codeHash).not.toBe(n0.codeHash);
    // content deps too
    const nC1 = node(evalFn(src), { deps: [{ threshold: 1 }] });
    const nC2 = node(evalFn(src), { deps: [{ threshold: 2 }] });
    expect(nC1.codeHash).not.toBe(nC2.codeHash);
  });
});

describe("Pipeline construction", () => {
  it("exposes nodes, name, rootArgs and a graph", () => {
    const a = node((x: number) => x + 1, { outputName: "a" });
    const b = node((a: number, y: number) => a * y, { outputName: "b" });
    const p = new Pipeline({ nodes: [b, a], name: "calc" });
    expect(p.name).toBe("calc");
    expect(p.nodes).toHaveLength(2);
    expect(p.nodes).toContain(a);
    expect(p.nodes).toContain(b);
    expect(p.rootArgs.slice().sort()).toEqual(["x", "y"]);
    expect(p.graph.rootArgs.slice().sort()).toEqual(["x", "y"]);
    expect(p.graph.availableOutputNames.slice().sort()).toEqual(["a", "b"]);
    expect(p.graph.executionOrder.map((n) => n.outputName)).toEqual(["a", "b"]);
  });

  it("name is optional", () => {
    const a = node((x: number) => x + 1, { outputName: "a" });
    const p = new Pipeline({ nodes: [a] });
    expect(p.name === undefined || typeof p.name === "string").toBe(true);
  });

  it("executionOrder is a topological order of a diamond", () => {
    const top = node((x: number) => x, { outputName: "top" });
    const left = node((top: number) => top + 1, { outputName: "left" });
    const right = node((top: number) => top + 2, { outputName: "right" });
    const bottom = node((left: number, right: number) => left + right, { outputName: "bottom" });
    const p = new Pipeline({ nodes: [bottom, right, left, top] });
    const order = p.graph.executionOrder.map((n) => n.outputName as string);
    expect(order).toHaveLength(4);
    expect(order[0]).toBe("top");
    expect(order[3]).toBe("bottom");
    expect(order.slice(1, 3).sort()).toEqual(["left", "right"]);
    expect(p.rootArgs).toEqual(["x"]);
  });

  it("every HyperNode in executionOrder has name, cache, rootArgs, outputName, codeHash", () => {
    const a = node((x: number) => x + 1, { outputName: "a" });
    const inner = new Pipeline({ nodes: [a], name: "inner" });
    const b = node((a: number) => a * 2, { outputName: "b" });
    const outer = new Pipeline({ nodes: [inner.asNode(), b] });
    for (const hn of outer.graph.executionOrder) {
      expect(typeof hn.name).toBe("string");
      expect(typeof hn.cache).toBe("boolean");
      expect(Array.isArray(hn.rootArgs)).toBe(true);
      expect(hn.outputName).toBeDefined();
      expect(hn.codeHash).toMatch(/^[0-9a-f]+$/);
    }
  });
});

import { describe, expect, it, vi } from "vitest";
import { MemoryCache, node, Pipeline, UnhashableValueError, type Cache } from "hypernodes";
import { normalizeSource } from "../src/identity/code-hash.js";

const fn = (params: string, body: string) => new Function(params, body) as (...a: any[]) => any;

describe("codeHash", () => {
  it("ignores whitespace, comments and string quoting; not identifiers, literals or structure", () => {
    const hash = (src: string) => node(fn("x", src), { outputName: "y" }).codeHash;
    expect(hash("return x * 2; // double it")).toBe(hash("  return   x*2 /* twice */ ;"));
    expect(hash("return x + 'a'")).toBe(hash('return x + "a"'));
    expect(hash("return x * 2")).not.toBe(hash("return x * 3"));
    expect(hash("return x * 2")).not.toBe(hash("return (x * 2)"));
    expect(hash("return x.a")).not.toBe(hash("return x.b"));
  });

  it("folds tslab's cross-cell forms of the module objects it is told, so the declaring cell does not matter", () => {
    const modules = new Set(["exports", "hypernodes_1", "lodash_1"]);
    // k declared in an earlier cell vs the same cell; node imported in the cell.
    expect(normalizeSource("function scale(x) { return x * exports.k; }", modules)).toBe(normalizeSource("function scale(x) { return x * k; }"));
    expect(normalizeSource("const a = (0, hypernodes_1.node)(f, { outputName: 'y' })", modules)).toBe(
      normalizeSource("const a = node(f, { outputName: 'y' })"),
    );
    expect(normalizeSource("return lodash_1.default.sum(xs)", modules)).toBe(normalizeSource("return default.sum(xs)"));
    expect(normalizeSource("return (0, exports.helper)(x)", modules)).toBe(normalizeSource("return helper(x)"));
    // A member access that merely ends in `.exports` is not a cell reference.
    expect(normalizeSource("return module.exports.k", modules)).not.toBe(normalizeSource("return module.k"));
    // A name spelled like a module alias is folded only when it is one.
    expect(normalizeSource("return x * model_1.scale")).not.toBe(normalizeSource("return x * model_2.scale"));
  });

  it("differs between async and sync", () => {
    const syncNode = node((x: number) => x, { outputName: "y" });
    const asyncNode = node(async (x: number) => x, { outputName: "y" });
    expect(syncNode.codeHash).not.toBe(asyncNode.codeHash);
  });

  it("deps: editing a helper invalidates exactly the nodes that list it", () => {
    const tokenize = (s: string) => s.split(" ");
    const tokenizeV2 = (s: string) => s.split(/\s+/);
    const vocab = { size: 10 };
    const uses = (dep: unknown) => node((t: string) => t, { outputName: "y", deps: [dep] }).codeHash;
    expect(uses(tokenize)).not.toBe(uses(tokenizeV2));
    expect(uses(vocab)).toBe(uses({ size: 10 }));
    expect(uses(vocab)).not.toBe(uses({ size: 11 }));
    expect(node((t: string) => t, { outputName: "y" }).codeHash).not.toBe(uses(tokenize));
  });

  it("version replaces the source", () => {
    const a = node(fn("x", "return x"), { outputName: "y", version: "1" });
    const b = node(fn("x", "return x + 1"), { outputName: "y", version: "1" });
    expect(a.codeHash).toBe(b.codeHash);
    expect(node(fn("x", "return x"), { outputName: "y", version: "2" }).codeHash).not.toBe(a.codeHash);
  });

  it("a nested pipeline's codeHash aggregates its inner nodes and mappings", () => {
    const inner = (body: string) => new Pipeline({ nodes: [node(fn("x", body), { outputName: "y", name: "f" })] });
    expect(inner("return x").asNode().codeHash).toBe(inner("return x").asNode().codeHash);
    expect(inner("return x").asNode().codeHash).not.toBe(inner("return -x").asNode().codeHash);
    expect(inner("return x").asNode().codeHash).not.toBe(inner("return x").asNode({ inputMapping: { z: "x" } }).codeHash);
  });
});

describe("signatures", () => {
  function countingPipeline(cache: Cache, body = "return x * 2", extra: Partial<ConstructorParameters<typeof Pipeline>[0]> = {}) {
    const calls = { up: 0, down: 0 };
    const up = node((x: number) => (calls.up++, fn("x", body)(x)), { outputName: "a", name: "up", version: body });
    const down = node((a: number) => (calls.down++, a + 1), { outputName: "b", name: "down" });
    return { calls, pipeline: new Pipeline({ nodes: [up, down], cache, ...extra }) };
  }

  it("chain on upstream signatures: new upstream code re-runs downstream even for an equal value", async () => {
    const cache = new MemoryCache();
    const first = countingPipeline(cache, "return x * 2");
    await first.pipeline.run({ x: 2 });
    const second = countingPipeline(cache, "return x + 2"); // same value for x = 2
    await second.pipeline.run({ x: 2 });
    expect(second.calls).toEqual({ up: 1, down: 1 });
    const third = countingPipeline(cache, "return x * 2");
    await third.pipeline.run({ x: 2 });
    expect(third.calls).toEqual({ up: 0, down: 0 });
  });

  it("a pipeline cacheSalt or a cache salt invalidates everything on purpose", async () => {
    const cache = new MemoryCache();
    await countingPipeline(cache).pipeline.run({ x: 1 });
    const salted = countingPipeline(cache, undefined, { cacheSalt: "experiment-2" });
    await salted.pipeline.run({ x: 1 });
    expect(salted.calls).toEqual({ up: 1, down: 1 });
    const again = countingPipeline(cache, undefined, { cacheSalt: "experiment-2" });
    await again.pipeline.run({ x: 1 });
    expect(again.calls).toEqual({ up: 0, down: 0 });
  });

  it("a circular input is rejected naming the input, before any node runs", async () => {
    const { calls, pipeline } = countingPipeline(new MemoryCache());
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const error = await pipeline.run({ x: loop as never }).catch((e) => e);
    expect(error).toBeInstanceOf(UnhashableValueError);
    expect(error.message).toMatch(/input 'x'.*circular reference at x\.self -> x/);
    expect(calls).toEqual({ up: 0, down: 0 });
  });

  it("a node that throws leaves no cache entry", async () => {
    const cache = new MemoryCache();
    const failing = node(
      (x: number) => {
        throw new Error(`nope ${x}`);
      },
      { outputName: "y", name: "failing" },
    );
    await expect(new Pipeline({ nodes: [failing], cache }).run({ x: 1 })).rejects.toThrow(/nope 1/);
    expect((await cache.stats()).entries).toBe(0);
  });

  it("an output that cannot be cached is returned, not cached, and warned about once naming the node", async () => {
    // An object read back from the cache would lack #private members: not cached.
    class Model {
      constructor(readonly weights: number[]) {}
      predict(x: number) {
        return this.#scale(x);
      }
      #scale(x: number) {
        return x * this.weights[0]!;
      }
    }
    let builds = 0;
    const build = node(
      (w: number) => {
        builds++;
        return new Model([w]);
      },
      { outputName: "model", name: "build" },
    );
    const warnings: string[] = [];
    const listener = (w: Error) => warnings.push(w.message);
    process.on("warning", listener);
    const p = new Pipeline({ nodes: [build], cache: new MemoryCache() });
    const rows = await p.map({ w: [2, 3] }, { mapOver: "w" });
    await new Promise((r) => setImmediate(r));
    process.off("warning", listener);
    expect((rows[1]!.model as Model).predict(2)).toBe(6);
    expect(warnings).toEqual([expect.stringMatching(/Node 'build': its output cannot be cached \(value is a Model instance: class Model has #private members \(#scale\)/)]);
    await p.run({ w: 2 });
    expect(builds).toBe(3);
  });

  it("a map looks up each chunk of items in one batched query and runs only the misses", async () => {
    const cache = new MemoryCache();
    const { calls, pipeline } = countingPipeline(cache);
    await pipeline.map({ x: [1, 2, 3] }, { mapOver: "x" });
    const getMany = vi.spyOn(cache, "getMany");
    await pipeline.map({ x: Array.from({ length: 2500 }, (_, i) => i + 1) }, { mapOver: "x" });
    expect(getMany).toHaveBeenCalledTimes(3); // chunks of 1000 items, both nodes per query
    expect(getMany.mock.calls[0]![0]).toHaveLength(2000);
    expect(calls).toEqual({ up: 2500, down: 2500 });
  });
});

describe("explain", () => {
  it("says which nodes would hit and, for a miss, what changed", async () => {
    const cache = new MemoryCache();
    const make = (body: string) => {
      const up = node(fn("x", body), { outputName: "a", name: "up" });
      const down = node((a: number, scale: number) => a * scale, { outputName: "b", name: "down" });
      const other = node((scale: number) => -scale, { outputName: "c", name: "other", cache: false });
      return new Pipeline({ nodes: [up, down, other], cache });
    };
    expect((await make("return x + 1").explain({ x: 1, scale: 2 })).map((e) => [e.node, e.status, e.reason])).toEqual([
      ["up", "miss", "no execution of this node is recorded in the cache"],
      ["down", "miss", "no execution of this node is recorded in the cache"],
      ["other", "uncached", undefined],
    ]);
    await make("return x + 1").run({ x: 1, scale: 2 });
    expect((await make("return x + 1").explain({ x: 1, scale: 2 })).map((e) => e.status)).toEqual(["hit", "hit", "uncached"]);
    expect((await make("return x + 1").explain({ x: 1, scale: 3 })).map((e) => e.reason)).toEqual([
      undefined,
      "input 'scale' changed",
      undefined,
    ]);
    const edited = await make("return x + 2").explain({ x: 5, scale: 2 });
    expect(edited.map((e) => e.reason)).toEqual(["its code changed; input 'x' changed", "upstream node 'up' changed", undefined]);
    expect(edited[0]!.changed).toEqual({ code: true, inputs: ["x"], upstream: [] });
  });

  it("explains a nested pipeline that would run node by node, with the values a hit upstream gives it", async () => {
    const cache = new MemoryCache();
    const make = (featureBody: string) => {
      const load = node(fn("n", "return Array.from({ length: n }, (_, i) => i);"), { outputName: "rows", name: "load" });
      const split = node((rows: number[], fold: number) => rows.filter((r) => r % 3 !== fold), { outputName: "train", name: "split" });
      const features = node(fn("train", featureBody), { outputName: "X", name: "features" });
      const fit = node((X: number[], depth: number) => X.reduce((a, b) => a + b, 0) * depth, { outputName: "model", name: "fit" });
      const inner = new Pipeline({ nodes: [split, features, fit], name: "cv" });
      return new Pipeline({ nodes: [load, inner.asNode()], cache, name: "experiment" });
    };
    await make("return train.map((x) => x * 2);").run({ n: 9, fold: 1, depth: 2 });
    const why = await make("return train.map((x) => x * 3);").explain({ n: 9, fold: 1, depth: 2 });
    expect(why.map((e) => [e.node, e.status])).toEqual([["load", "hit"], ["cv", "miss"]]);
    expect(why[1]!.nodes!.map((e) => [e.node, e.status, e.reason])).toEqual([
      ["split", "hit", undefined],
      ["features", "miss", "its code changed"],
      ["fit", "miss", "upstream node 'features' changed"],
    ]);
    // What explain said is what runs.
    const ran: string[] = [];
    const edited = make("return train.map((x) => x * 3);");
    await new Pipeline({ nodes: edited.nodes, cache, name: "experiment", callbacks: [{ onNodeEnd: (id: string) => void ran.push(id) }] }).run({ n: 9, fold: 1, depth: 2 });
    expect(ran).toEqual(["features", "fit"]);
    // Downstream of a node that would run, a nested pipeline's inputs are not known without running it.
    const changedLoad = await make("return train.map((x) => x * 3);").explain({ n: 10, fold: 1, depth: 2 });
    expect(changedLoad[1]).toMatchObject({ node: "cv", status: "miss" });
    expect(changedLoad[1]!.nodes).toBeUndefined();
  });

  it("explains a nested pipeline with its own cacheSalt as the run signs it, and never throws on an entry it cannot read", async () => {
    const cache = new MemoryCache();
    const sq = node((x: number) => x * x, { outputName: "y", name: "sq" });
    const base = node((n: number) => n + 1, { outputName: "x", name: "base" });
    // The nested pipeline node is not cached as a whole, so explain looks inside it every time.
    const outer = (salt?: string) =>
      new Pipeline({ nodes: [base, new Pipeline({ nodes: [sq], name: "inner", cacheSalt: salt }).asNode({ cache: false })], cache, name: "outer" });
    await outer("v2").run({ n: 1 });
    expect((await outer("v2").explain({ n: 1 }))[1]!.nodes).toMatchObject([{ node: "sq", status: "hit" }]);
    // Unsalted, the same inner node has no entry: it would run, and explain says so.
    expect((await outer().explain({ n: 1 }))[1]!.nodes).toMatchObject([{ node: "sq", status: "miss" }]);
    // A version kept while the outputs changed: the cached entry no longer fits; explain still answers.
    const pair = (outputs: string[]) => node(() => [1, 2, 3].slice(0, outputs.length), { outputName: outputs, name: "pair", version: "1" });
    const after = node((a: number) => a, { outputName: "z", name: "after" });
    await new Pipeline({ nodes: [pair(["a", "b"]), after], cache }).run({});
    const explained = await new Pipeline({ nodes: [pair(["a", "b", "c"]), after], cache }).explain({});
    expect(explained.map((e) => e.node)).toEqual(["pair", "after"]);
  });

  it("names what changed in the code: a closure variable, a helper, a value a helper reads, a class's method", async () => {
    const cache = new MemoryCache();
    // A notebook's cells, written as source so no tool rewrites them: each `define` is a new version.
    const define = (k: number, helperBody: string, stop: string, method: string) =>
      new Function(`
        const STOP = ${JSON.stringify(stop)};
        function tokenize(s) { ${helperBody} }
        class Scaler { apply(x) { ${method} } }
        const make = (k) => (text) => new Scaler().apply(tokenize(text).length) * k;
        return make(${k});
      `)() as (text: string) => number;
    const explainWith = async (fnc: (text: string) => number) =>
      (await new Pipeline({ nodes: [node(fnc, { outputName: "n", name: "count" })], cache }).explain({ text: "a the b" }))[0]!.reason;
    const base = ["return s.split(' ').filter((w) => w !== STOP);", "the", "return x * 2;"] as const;
    await new Pipeline({ nodes: [node(define(2, ...base), { outputName: "n", name: "count" })], cache }).run({ text: "a the b" });
    expect(await explainWith(define(2, ...base))).toBeUndefined(); // a hit
    expect(await explainWith(define(3, ...base))).toBe("closure variable 'k' changed");
    expect(await explainWith(define(2, "return s.split(' ');", base[1], base[2]))).toBe("helper 'tokenize' changed");
    expect(await explainWith(define(2, base[0], "a", base[2]))).toBe("constant 'STOP', read by helper 'tokenize', changed");
    expect(await explainWith(define(2, base[0], base[1], "return x * 3;"))).toBe("method 'apply' of class 'Scaler' changed");
  });
});

describe("cache correctness around cache: false, nesting and deps", () => {
  it("a cached node downstream of a cache: false node sees its fresh value", async () => {
    let tick = 0;
    const clock = node(() => ++tick, { outputName: "t", name: "clock", cache: false });
    const label = node((t: number) => `t=${t}`, { outputName: "s", name: "label" });
    const p = new Pipeline({ nodes: [clock, label], cache: new MemoryCache() });
    expect(await p.run({})).toEqual({ t: 1, s: "t=1" });
    expect(await p.run({})).toEqual({ t: 2, s: "t=2" });
    expect(await p.map({ k: [1, 2] }, { mapOver: "k", outputName: "s" }).catch((e) => e.message)).toMatch(/unknown input 'k'/);
  });

  it("inputs read only by cache: false nodes are never hashed", async () => {
    const connect = node((db: { pending: Promise<void> }) => typeof db, { outputName: "kind", name: "connect", cache: false });
    const p = new Pipeline({ nodes: [connect], cache: new MemoryCache() });
    expect(await p.run({ db: { pending: Promise.resolve() } })).toEqual({ kind: "object" });
  });

  it("rebinding or editing a bound value of a nested pipeline, at any depth, invalidates it", async () => {
    const scale = node((x: number, k: number) => x * k, { outputName: "y", name: "scale" });
    const inner = new Pipeline({ nodes: [scale], name: "inner" }).bind({ k: 2 });
    const cfg = { k: 2 };
    const middle = new Pipeline({ nodes: [inner.asNode()], name: "middle" });
    const outer = new Pipeline({ nodes: [middle.asNode()], cache: new MemoryCache() });
    expect(await outer.run({ x: 5 })).toEqual({ y: 10 });
    inner.bind({ k: 3 });
    expect(await outer.run({ x: 5 })).toEqual({ y: 15 });
    const withCfg = node((x: number, c: { k: number }) => x * c.k, { outputName: "z", name: "withCfg" });
    const bound = new Pipeline({ nodes: [withCfg] }).bind({ c: cfg });
    const p = new Pipeline({ nodes: [bound.asNode()], cache: new MemoryCache() });
    expect(await p.run({ x: 5 })).toEqual({ z: 10 });
    cfg.k = 3;
    expect(await p.run({ x: 5 })).toEqual({ z: 15 });
  });

  it("an edited deps value counts from the next call", async () => {
    const vocab = new Map([["a", 1]]);
    const lookup = node((w: string) => vocab.get(w), { outputName: "id", name: "lookup", deps: [vocab] });
    const p = new Pipeline({ nodes: [lookup], cache: new MemoryCache() });
    expect(await p.run({ w: "a" })).toEqual({ id: 1 });
    vocab.set("a", 2);
    expect(await p.run({ w: "a" })).toEqual({ id: 2 });
  });

  it("does not fold a local name that merely looks like a module alias", () => {
    expect(normalizeSource("(v_1, v_2) => v_1.x - v_2.x")).not.toBe(normalizeSource("(v_1, v_2) => v_2.x - v_1.x"));
  });
});

import { describe, expect, it } from "vitest";
import {
  CycleError,
  DuplicateOutputError,
  HyperNodesError,
  MapInputError,
  MissingInputError,
  node,
  NodeExecutionError,
  Pipeline,
  UnknownOutputError,
} from "hypernodes";
import { callCounts, countingNode, throwingNode } from "../helpers/nodes.js";
import { captureError, causeChain } from "./helpers.js";

function countingNodes() {
  const a = countingNode((x: number) => x + 1, { outputName: "a", name: "nodeA" });
  const b = countingNode((a: number, y: number) => a + y, { outputName: "b", name: "nodeB" });
  const c = countingNode((b: number) => b * 2, { outputName: "c", name: "nodeC" });
  return { counts: () => callCounts({ a, b, c }), a: a.node, b: b.node, c: c.node };
}

describe("errors detected before any node runs", () => {
  it("a missing input names it, and nothing runs", async () => {
    const { counts, a, b, c } = countingNodes();
    const p = new Pipeline({ nodes: [a, b, c] });
    const e = await captureError(() => p.run({ x: 1 }));
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(MissingInputError);
    expect(e).toBeInstanceOf(HyperNodesError);
    expect(e.message).toContain("y");
    expect(counts()).toEqual({ a: 0, b: 0, c: 0 });
  });

  it("several missing inputs are all named", async () => {
    const n = node((alpha: number, beta: number, gamma: number) => alpha + beta + gamma, { outputName: "s" });
    const p = new Pipeline({ nodes: [n] });
    const e = await captureError(() => p.run({ beta: 1 } as never));
    expect(e).toBeInstanceOf(MissingInputError);
    expect(e.message).toContain("alpha");
    expect(e.message).toContain("gamma");
  });

  it("run() with no inputs at all names the missing ones", async () => {
    const { counts, a } = countingNodes();
    const p = new Pipeline({ nodes: [a] });
    const e = await captureError(() => p.run());
    expect(e).toBeInstanceOf(MissingInputError);
    expect(e.message).toContain("x");
    expect(counts().a).toBe(0);
  });

  it("a missing input in map is reported before any item runs", async () => {
    const { counts, a, b } = countingNodes();
    const p = new Pipeline({ nodes: [a, b] });
    const e = await captureError(() => p.map({ x: [1, 2] }, { mapOver: "x" }));
    expect(e).toBeInstanceOf(MissingInputError);
    expect(e.message).toContain("y");
    expect(counts()).toEqual({ a: 0, b: 0, c: 0 });
  });

  it("a missing input of a nested pipeline is reported before any node runs", async () => {
    const { counts, a, b } = countingNodes();
    const inner = new Pipeline({ nodes: [b], name: "inner" });
    const outer = new Pipeline({ nodes: [a, inner.asNode({ inputMapping: { why: "y" } })] });
    expect(outer.unfulfilledArgs.slice().sort()).toEqual(["why", "x"]);
    const e = await captureError(() => outer.run({ x: 1 }));
    expect(e).toBeInstanceOf(MissingInputError);
    expect(e.message).toContain("why");
    expect(counts()).toEqual({ a: 0, b: 0, c: 0 });
  });

  it("an unknown outputName lists the available ones", async () => {
    const { counts, a, b, c } = countingNodes();
    const p = new Pipeline({ nodes: [a, b, c] });
    const e = await captureError(() => p.run({ x: 1, y: 2 }, { outputName: "nope" as never }));
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(UnknownOutputError);
    expect(e.message).toContain("nope");
    for (const name of ["a", "b", "c"]) expect(e.message).toMatch(new RegExp(`\\b${name}\\b`));
    expect(counts()).toEqual({ a: 0, b: 0, c: 0 });
  });

  it("an unknown name inside an outputName array is rejected", async () => {
    const { counts, a, b } = countingNodes();
    const p = new Pipeline({ nodes: [a, b] });
    const e = await captureError(() => p.run({ x: 1, y: 2 }, { outputName: ["a", "zzz"] as never }));
    expect(e).toBeInstanceOf(UnknownOutputError);
    expect(e.message).toContain("zzz");
    expect(counts()).toEqual({ a: 0, b: 0, c: 0 });
  });

  it("an unknown outputName in map is rejected before any item runs", async () => {
    const { counts, a } = countingNodes();
    const p = new Pipeline({ nodes: [a] });
    const e = await captureError(() => p.map({ x: [1, 2] }, { mapOver: "x", outputName: "nope" as never }));
    expect(e).toBeInstanceOf(UnknownOutputError);
    expect(e.message).toContain("nope");
    expect(counts().a).toBe(0);
  });

  it("a cycle names the nodes in it", async () => {
    const makeX = countingNode((y: number) => y + 1, { outputName: "x", name: "makeX" });
    const makeY = countingNode((x: number) => x + 1, { outputName: "y", name: "makeY" });
    const start = countingNode((seed: number) => seed, { outputName: "s", name: "start" });
    const e = await captureError(async () => {
      const p = new Pipeline({ nodes: [start.node, makeX.node, makeY.node] });
      return p.run({ seed: 1 } as never);
    });
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(CycleError);
    expect(e.message).toContain("makeX");
    expect(e.message).toContain("makeY");
    expect(start.calls + makeX.calls + makeY.calls).toBe(0);
  });

  it("two nodes producing the same output are rejected at construction", () => {
    const one = node((x: number) => x + 1, { outputName: "result", name: "one" });
    const two = node((x: number) => x + 2, { outputName: "result", name: "two" });
    let err: unknown;
    try {
      new Pipeline({ nodes: [one, two] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(DuplicateOutputError);
    expect((err as Error).message).toContain("result");
  });

  it("a duplicate through a multi-output node or a nested pipeline is rejected at construction", () => {
    const multi = node((x: number) => [x, x] as const, { outputName: ["lo", "hi"], name: "multi" });
    const hi = node((x: number) => x, { outputName: "hi", name: "hiNode" });
    expect(() => new Pipeline({ nodes: [multi, hi] })).toThrow(/hi/);
    const inner = new Pipeline({ nodes: [node((x: number) => x * 2, { outputName: "doubled" })] });
    const dup = node((x: number) => x * 2, { outputName: "doubled", name: "dup" });
    expect(() => new Pipeline({ nodes: [inner.asNode(), dup] })).toThrow(/doubled/);
  });

  it("zip lists of unequal lengths give their lengths", async () => {
    const add = countingNode((x: number, y: number) => x + y, { outputName: "sum" });
    const p = new Pipeline({ nodes: [add.node] });
    const e = await captureError(() => p.map({ x: [1, 2, 3], y: [10, 20] }, { mapOver: ["x", "y"], mapMode: "zip" }));
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(MapInputError);
    expect(e.message).toMatch(/\b3\b/);
    expect(e.message).toMatch(/\b2\b/);
    expect(add.calls).toBe(0);
  });

  it("a mapOver input that is not an array says so", async () => {
    const inc = countingNode((x: number) => x + 1, { outputName: "inc" });
    const p = new Pipeline({ nodes: [inc.node] });
    const e = await captureError(() => p.map({ x: 5 } as never, { mapOver: "x" }));
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(MapInputError);
    expect(e.message).toContain("x");
    expect(e.message).toMatch(/array|list/i);
    expect(inc.calls).toBe(0);
  });

  it("a mapOver input that is a string is not treated as an array", async () => {
    const inc = countingNode((x: string) => x, { outputName: "same" });
    const p = new Pipeline({ nodes: [inc.node] });
    const e = await captureError(() => p.map({ x: "abc" } as never, { mapOver: "x" }));
    expect(e.message).toMatch(/array|list/i);
    expect(inc.calls).toBe(0);
  });

  it("a nested mapOver input that is not an array is rejected", async () => {
    const double = countingNode((x: number) => x * 2, { outputName: "doubled" });
    const inner = new Pipeline({ nodes: [double.node], name: "inner" });
    const outer = new Pipeline({ nodes: [inner.asNode({ mapOver: "xs", inputMapping: { xs: "x" } })] });
    const e = await captureError(() => outer.run({ xs: 7 } as never));
    expect(e).toBeInstanceOf(Error);
    expect(causeChain(e).some((c) => /array|list/i.test((c as Error).message))).toBe(true);
    expect(double.calls).toBe(0);
  });

  it("a mapOver name missing from the inputs is rejected", async () => {
    const inc = countingNode((x: number) => x + 1, { outputName: "inc" });
    const p = new Pipeline({ nodes: [inc.node] });
    const e = await captureError(() => p.map({} as never, { mapOver: "x" }));
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toContain("x");
    expect(inc.calls).toBe(0);
  });
});

describe("errors from node execution", () => {
  it("a throwing node rejects with its name, the original message and cause", async () => {
    const original = new RangeError("value out of range");
    const bad = throwingNode(original, (x) => x > 0, { outputName: "bad", name: "validate" });
    const after = countingNode((bad: number) => bad, { outputName: "after" });
    const p = new Pipeline({ nodes: [bad, after.node] });
    const e = await captureError(() => p.run({ x: 1 }));
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(NodeExecutionError);
    expect(e.message).toContain("validate");
    expect(e.message).toContain("value out of range");
    expect(e.cause).toBe(original);
    expect(after.calls).toBe(0);
  });

  it("an async node's rejection is wrapped the same way", async () => {
    const original = new Error("async failure");
    const bad = node(
      async (x: number) => {
        await new Promise((r) => setTimeout(r, 1));
        if (x > 0) throw original;
        return x;
      },
      { outputName: "bad", name: "fetcher" },
    );
    const p = new Pipeline({ nodes: [bad] });
    const e = await captureError(() => p.run({ x: 1 }));
    expect(e.message).toContain("fetcher");
    expect(e.message).toContain("async failure");
    expect(e.cause).toBe(original);
  });

  it("in map, the error carries the item's index and the original via cause", async () => {
    const original = new Error("item two is bad");
    const seen: number[] = [];
    const bad = node(
      (x: number) => {
        seen.push(x);
        if (x === 20) throw original;
        return x;
      },
      { outputName: "ok", name: "check" },
    );
    const p = new Pipeline({ nodes: [bad] });
    const e = await captureError(() => p.map({ x: [10, 20, 30] }, { mapOver: "x" }));
    expect(e).toBeInstanceOf(Error);
    expect(e.itemIndex).toBe(1);
    expect(e.message).toMatch(/\b1\b/);
    expect(e.message).toContain("item two is bad");
    expect(causeChain(e)).toContain(original);
  });

  it("an error in a nested pipeline reaches the caller with the original in the cause chain", async () => {
    const original = new Error("inner broke");
    const bad = throwingNode(original, (x) => x > 0, { outputName: "bad", name: "innerBad" });
    const inner = new Pipeline({ nodes: [bad], name: "inner" });
    const outer = new Pipeline({ nodes: [inner.asNode({ name: "nested" })] });
    const e = await captureError(() => outer.run({ x: 1 }));
    expect(e).toBeInstanceOf(Error);
    expect(causeChain(e)).toContain(original);
    expect(causeChain(e).some((c) => (c as Error).message.includes("innerBad"))).toBe(true);
  });

  it("an error in a nested mapOver item carries the original in the cause chain", async () => {
    const original = new Error("item broke");
    const bad = throwingNode(original, (x) => x === 2, { outputName: "bad", name: "innerBad" });
    const inner = new Pipeline({ nodes: [bad], name: "inner" });
    const outer = new Pipeline({ nodes: [inner.asNode({ mapOver: "xs", inputMapping: { xs: "x" } })] });
    const e = await captureError(() => outer.run({ xs: [1, 2, 3] }));
    expect(causeChain(e)).toContain(original);
  });

  it("a thrown non-Error value still rejects with an Error naming the node", async () => {
    const bad = throwingNode("plain string", (x) => x > 0, { outputName: "bad", name: "stringThrower" });
    const p = new Pipeline({ nodes: [bad] });
    const e = await captureError(() => p.run({ x: 1 }));
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toContain("stringThrower");
  });

  it("the pipeline is usable after a failed run", async () => {
    const flaky = throwingNode(new Error("negative"), (x) => x < 0, { outputName: "v" });
    const p = new Pipeline({ nodes: [flaky] });
    await captureError(() => p.run({ x: -1 }));
    expect(await p.run({ x: 1 })).toEqual({ v: 1 });
  });
});

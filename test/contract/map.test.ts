import { describe, expect, it } from "vitest";
import { node, Pipeline } from "hypernodes";
import { countingNode } from "../helpers/nodes.js";
import { sleep } from "./helpers.js";

describe("map", () => {
  it("maps over one input", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const p = new Pipeline({ nodes: [double] });
    expect(await p.map({ x: [1, 2, 3] }, { mapOver: "x" })).toEqual([{ doubled: 2 }, { doubled: 4 }, { doubled: 6 }]);
  });

  it("accepts mapOver as a one-element array", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const p = new Pipeline({ nodes: [double] });
    expect(await p.map({ x: [1, 2] }, { mapOver: ["x"] })).toEqual([{ doubled: 2 }, { doubled: 4 }]);
  });

  it("returns intermediate outputs per item", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const addOne = node((doubled: number) => doubled + 1, { outputName: "result" });
    const p = new Pipeline({ nodes: [double, addOne] });
    expect(await p.map({ x: [1, 2] }, { mapOver: "x" })).toEqual([
      { doubled: 2, result: 3 },
      { doubled: 4, result: 5 },
    ]);
  });

  it("runs the pipeline once per item", async () => {
    const inc = countingNode((x: number) => x + 1, { outputName: "inc" });
    const p = new Pipeline({ nodes: [inc.node] });
    await p.map({ x: [1, 2, 3, 4] }, { mapOver: "x" });
    expect(inc.calls).toBe(4);
  });

  it("zip mode pairs items by position (default mode)", async () => {
    const pair = node((x: number, y: number) => `${x}-${y}`, { outputName: "pair" });
    const p = new Pipeline({ nodes: [pair] });
    const expected = [{ pair: "1-10" }, { pair: "2-20" }, { pair: "3-30" }];
    expect(await p.map({ x: [1, 2, 3], y: [10, 20, 30] }, { mapOver: ["x", "y"], mapMode: "zip" })).toEqual(expected);
    expect(await p.map({ x: [1, 2, 3], y: [10, 20, 30] }, { mapOver: ["x", "y"] })).toEqual(expected);
  });

  it("product mode iterates all combinations, first list outermost", async () => {
    const pair = node((x: number, y: number) => [x, y, x * y] as const, { outputName: ["px", "py", "prod"] });
    const p = new Pipeline({ nodes: [pair] });
    const r = await p.map({ x: [2, 3], y: [10, 100] }, { mapOver: ["x", "y"], mapMode: "product" });
    expect(r).toEqual([
      { px: 2, py: 10, prod: 20 },
      { px: 2, py: 100, prod: 200 },
      { px: 3, py: 10, prod: 30 },
      { px: 3, py: 100, prod: 300 },
    ]);
  });

  it("product mode of three lists", async () => {
    const cat = node((a: string, b: string, c: string) => a + b + c, { outputName: "s" });
    const p = new Pipeline({ nodes: [cat] });
    const r = await p.map({ a: ["a", "A"], b: ["b"], c: ["c", "C"] }, { mapOver: ["a", "b", "c"], mapMode: "product" });
    expect(r.map((o) => o.s)).toEqual(["abc", "abC", "Abc", "AbC"]);
  });

  it("product with unequal lengths is fine", async () => {
    const pair = node((x: number, y: number) => x + y, { outputName: "sum" });
    const p = new Pipeline({ nodes: [pair] });
    const r = await p.map({ x: [1, 2, 3], y: [10, 20] }, { mapOver: ["x", "y"], mapMode: "product" });
    expect(r.map((o) => o.sum)).toEqual([11, 21, 12, 22, 13, 23]);
  });

  it("inputs not in mapOver are passed whole to every item", async () => {
    const seen: unknown[] = [];
    const use = node(
      (x: number, offset: number, weights: number[]) => {
        seen.push(weights);
        return x + offset + weights.length;
      },
      { outputName: "v" },
    );
    const p = new Pipeline({ nodes: [use] });
    const weights = [7, 8, 9];
    const r = await p.map({ x: [1, 2], offset: 100, weights }, { mapOver: "x" });
    expect(r).toEqual([{ v: 104 }, { v: 105 }]);
    expect(seen).toEqual([weights, weights]);
  });

  it("keeps input order even when later items finish first", async () => {
    const slow = node(
      async (x: number) => {
        await sleep((4 - x) * 5);
        return x * 10;
      },
      { outputName: "v" },
    );
    const p = new Pipeline({ nodes: [slow] });
    expect(await p.map({ x: [1, 2, 3] }, { mapOver: "x" })).toEqual([{ v: 10 }, { v: 20 }, { v: 30 }]);
  });

  it("inputs may be omitted when bound inputs cover them", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const p = new Pipeline({ nodes: [double] }).bind({ x: [1, 2, 3] });
    expect(await p.map(undefined, { mapOver: "x" })).toEqual([{ doubled: 2 }, { doubled: 4 }, { doubled: 6 }]);
    expect(await p.map({}, { mapOver: "x" })).toEqual([{ doubled: 2 }, { doubled: 4 }, { doubled: 6 }]);
  });

  it("bound fixed inputs go to every item; a given input overrides a bound one", async () => {
    const add = node((x: number, offset: number) => x + offset, { outputName: "sum" });
    const p = new Pipeline({ nodes: [add] }).bind({ offset: 100, x: [9, 9] });
    expect(await p.map({ x: [1, 2] }, { mapOver: "x" })).toEqual([{ sum: 101 }, { sum: 102 }]);
    expect(await p.map({ offset: 1 }, { mapOver: "x" })).toEqual([{ sum: 10 }, { sum: 10 }]);
  });

  it("outputName selects outputs per item and runs only what is needed", async () => {
    const a = node((x: number) => x + 1, { outputName: "a" });
    const b = countingNode((a: number) => a * 2, { outputName: "b" });
    const p = new Pipeline({ nodes: [a, b.node] });
    expect(await p.map({ x: [1, 2] }, { mapOver: "x", outputName: "a" })).toEqual([{ a: 2 }, { a: 3 }]);
    expect(b.calls).toBe(0);
    expect(await p.map({ x: [1, 2] }, { mapOver: "x", outputName: ["b"] })).toEqual([{ b: 4 }, { b: 6 }]);
  });

  it("only inputs that the selected outputs need are required in map", async () => {
    const a = node((x: number) => x + 1, { outputName: "a" });
    const c = node((y: number) => y + 1, { outputName: "c" });
    const p = new Pipeline({ nodes: [a, c] });
    expect(await p.map({ x: [1, 2] }, { mapOver: "x", outputName: "a" })).toEqual([{ a: 2 }, { a: 3 }]);
  });

  it("map items can be objects", async () => {
    const getName = node((user: { name: string }) => user.name.toUpperCase(), { outputName: "upper" });
    const p = new Pipeline({ nodes: [getName] });
    expect(await p.map({ user: [{ name: "ann" }, { name: "bo" }] }, { mapOver: "user" })).toEqual([
      { upper: "ANN" },
      { upper: "BO" },
    ]);
  });

  it("a map over an item value that is itself an array passes the inner array", async () => {
    const len = node((row: number[]) => row.length, { outputName: "len" });
    const p = new Pipeline({ nodes: [len] });
    expect(await p.map({ row: [[1], [1, 2], []] }, { mapOver: "row" })).toEqual([{ len: 1 }, { len: 2 }, { len: 0 }]);
  });
});

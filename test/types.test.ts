// Type-level behaviour: checked by `tsc --noEmit` (part of `npm test`); the runtime asserts keep vitest honest.
import { describe, expect, expectTypeOf, it } from "vitest";
import { node, Pipeline, SequentialEngine } from "hypernodes";

const doubleIt = node((x: number) => x * 2, { outputName: "doubled" });
const stats = node((data: number[]) => [data.length, Math.max(...data)] as const, { outputName: ["count", "max"] });
const label = node(async (doubled: number) => `n=${doubled}`, { outputName: "label" });
const sum = node(({ a, b }: { a: number; b: number }) => a + b, { outputName: "sum" });

describe("types", () => {
  it("node keeps output names and value types", async () => {
    const p = new Pipeline({ nodes: [doubleIt, label, stats] });
    const out = await p.run({ x: 2, data: [1, 5] });
    expectTypeOf(out.doubled).toEqualTypeOf<number>();
    expectTypeOf(out.label).toEqualTypeOf<string>();
    expectTypeOf(out.count).toEqualTypeOf<number>();
    expect(out).toEqual({ doubled: 4, label: "n=4", count: 2, max: 5 });
  });

  it("map returns an array of the outputs record; outputName narrows it", async () => {
    const p = new Pipeline({ nodes: [doubleIt, label] });
    const rows = await p.map({ x: [1, 2] }, { mapOver: "x" });
    expectTypeOf(rows[0]!.label).toEqualTypeOf<string>();
    const only = await p.run({ x: 1 }, { outputName: "doubled" });
    expectTypeOf(only).toEqualTypeOf<{ doubled: number }>();
    expect(only).toEqual({ doubled: 2 });
  });

  it("inputs of destructured parameters are type-checked", async () => {
    const p = new Pipeline({ nodes: [sum] });
    expect(await p.run({ a: 1, b: 2 })).toEqual({ sum: 3 });
    // @ts-expect-error a is a number
    await p.run({ a: "1", b: 2 }).catch(() => undefined);
  });

  it("a single parameter of a built-in object type (typed array, Map, Date) is one input, not fields", async () => {
    const embed = node((count: number) => new Float32Array(count), { outputName: "embedding" });
    const norm = node((embedding: Float32Array) => embedding.length, { outputName: "norm" });
    const byKey = node((table: Map<string, number>) => table.size, { outputName: "size" });
    const p = new Pipeline({ nodes: [embed, norm, byKey] });
    const rows = await p.map({ count: [2, 3], table: new Map([["a", 1]]) }, { mapOver: "count" });
    expect(rows.map((r) => [r.norm, r.size])).toEqual([[2, 1], [3, 1]]);
  });

  it("nested pipeline outputs follow outputMapping and mapOver", async () => {
    const inner = new Pipeline({ nodes: [doubleIt, label] });
    const batch = inner.asNode({ outputMapping: { label: "labels" }, mapOver: "x" });
    const outer = new Pipeline({ nodes: [batch] });
    const out = await outer.run({ x: [1, 2] });
    expectTypeOf(out.labels).toEqualTypeOf<string[]>();
    expect(out).toEqual({ labels: ["n=2", "n=4"] });
  });

  it("a batch function takes each parameter as an array: declaring one as a single value does not compile", async () => {
    const scaled = node((x: number, factor: number) => x * factor, {
      outputName: "y",
      // Unannotated columns are typed from the single function: xs and factors are number[].
      batch: (xs, factors) => xs.map((x, i) => x * factors[i]!),
    });
    node((x: number, factor: number) => x * factor, {
      outputName: "y",
      // @ts-expect-error factor arrives as an array of the items' factors, not one number (x * array is NaN)
      batch: (xs: number[], factor: number) => xs.map((x) => x * factor),
    });
    node((x: number, factor: number = 2) => x * factor, {
      outputName: "y",
      // @ts-expect-error an optional input left out arrives as undefined entries: its column is (number | undefined)[]
      batch: (xs: number[], factors: number[]) => xs.map((x, i) => x * factors[i]!),
    });
    // Rest parameters with explicit inputs: one column per input.
    node((...xs: number[]) => xs.reduce((a, b) => a + b, 0), { inputs: ["a", "b"] as const, outputName: "t", batch: (as: number[], bs: number[]) => as.map((a, i) => a + bs[i]!) });
    // @ts-expect-error one output per item: numbers, not strings
    node((x: number) => x, { outputName: "y", batch: (xs: number[]) => xs.map(String) });
    // A destructured parameter's batch gets one object of arrays; an undestructured one, an array of objects.
    const summed = node(({ a, b }: { a: number; b: number }) => a + b, { outputName: "s", batch: ({ a, b }) => a.map((x, i) => x + b[i]!) });
    const lengths = node((doc: { text: string }) => doc.text.length, { outputName: "n", batch: (docs) => docs.map((d) => d.text.length) });
    const p = new Pipeline({ nodes: [scaled, summed, lengths] });
    const rows = await p.map({ x: [1, 2], factor: 3, a: [1, 2], b: 10, doc: { text: "abc" } }, { mapOver: ["x", "a"], engine: new SequentialEngine({ batch: true }) });
    expect(rows).toEqual([{ y: 3, s: 11, n: 3 }, { y: 6, s: 12, n: 3 }]);
  });
});

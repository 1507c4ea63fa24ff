import { describe, expect, it } from "vitest";
import { node, Pipeline } from "hypernodes";

const mk = () => {
  const add = node((x: number, y: number) => x + y, { outputName: "sum" });
  return new Pipeline({ nodes: [add] });
};

describe("bind / unbind", () => {
  it("bind returns the pipeline and supplies inputs", async () => {
    const p = mk();
    expect(p.bind({ x: 1 })).toBe(p);
    expect(p.boundInputs).toEqual({ x: 1 });
    expect(await p.run({ y: 2 })).toEqual({ sum: 3 });
  });

  it("a pipeline with everything bound runs without inputs", async () => {
    const p = mk().bind({ x: 1, y: 2 });
    expect(p.unfulfilledArgs).toEqual([]);
    expect(await p.run()).toEqual({ sum: 3 });
    expect(await p.run({})).toEqual({ sum: 3 });
  });

  it("later binds merge and override keys", () => {
    const p = mk().bind({ x: 1 }).bind({ y: 2 });
    expect(p.boundInputs).toEqual({ x: 1, y: 2 });
    p.bind({ x: 10 });
    expect(p.boundInputs).toEqual({ x: 10, y: 2 });
  });

  it("a value given to run overrides a bound one, without changing the binding", async () => {
    const p = mk().bind({ x: 1, y: 2 });
    expect(await p.run({ x: 100 })).toEqual({ sum: 102 });
    expect(p.boundInputs).toEqual({ x: 1, y: 2 });
    expect(await p.run()).toEqual({ sum: 3 });
  });

  it("boundInputs is a copy", async () => {
    const p = mk().bind({ x: 1, y: 2 });
    const copy = p.boundInputs as Record<string, unknown>;
    copy.x = 500;
    delete copy.y;
    expect(p.boundInputs).toEqual({ x: 1, y: 2 });
    expect(await p.run()).toEqual({ sum: 3 });
  });

  it("unbind(key) removes that key and returns the pipeline", async () => {
    const p = mk().bind({ x: 1, y: 2 });
    expect(p.unbind("x")).toBe(p);
    expect(p.boundInputs).toEqual({ y: 2 });
    expect(p.unfulfilledArgs).toEqual(["x"]);
    expect(await p.run({ x: 5 })).toEqual({ sum: 7 });
  });

  it("unbind with several keys, and with none removes all", () => {
    const p = mk().bind({ x: 1, y: 2 });
    p.unbind("x", "y");
    expect(p.boundInputs).toEqual({});
    p.bind({ x: 1, y: 2 });
    expect(p.unbind()).toBe(p);
    expect(p.boundInputs).toEqual({});
    expect(p.unfulfilledArgs.slice().sort()).toEqual(["x", "y"]);
  });

  it("unfulfilledArgs lists root inputs still needed; rootArgs keeps all root inputs", () => {
    const a = node((x: number, factor = 2) => x * factor, { outputName: "a" });
    const b = node((a: number, y: number) => a + y, { outputName: "b" });
    const p = new Pipeline({ nodes: [a, b] });
    expect(p.unfulfilledArgs.slice().sort()).toEqual(["x", "y"]);
    p.bind({ x: 1 });
    expect(p.unfulfilledArgs).toEqual(["y"]);
    expect(p.rootArgs).toContain("x");
    expect(p.rootArgs).toContain("y");
    expect(p.rootArgs).not.toContain("a");
    p.bind({ y: 1 });
    expect(p.unfulfilledArgs).toEqual([]);
  });

  it("bound values may be falsy", async () => {
    const p = mk().bind({ x: 0, y: 0 });
    expect(await p.run()).toEqual({ sum: 0 });
  });
});

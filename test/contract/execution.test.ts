import { describe, expect, it } from "vitest";
import { node, Pipeline, SequentialEngine, type Engine } from "hypernodes";
import { callCounts, countingNode } from "../helpers/nodes.js";
import { sleep } from "./helpers.js";

function diamond() {
  const left = countingNode((x: number) => x + 1, { outputName: "left" });
  const right = countingNode((x: number) => x * 2, { outputName: "right" });
  const bottom = countingNode((left: number, right: number) => left + right, { outputName: "bottom" });
  return { counts: () => callCounts({ left, right, bottom }), left: left.node, right: right.node, bottom: bottom.node };
}

describe("run: basic execution", () => {
  it("runs a single node", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const p = new Pipeline({ nodes: [double] });
    expect(await p.run({ x: 5 })).toEqual({ doubled: 10 });
  });

  it("chains nodes and returns intermediate outputs", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const addOne = node((doubled: number) => doubled + 1, { outputName: "result" });
    const p = new Pipeline({ nodes: [double, addOne] });
    expect(await p.run({ x: 5 })).toEqual({ doubled: 10, result: 11 });
  });

  it("node list order does not matter", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const addOne = node((doubled: number) => doubled + 1, { outputName: "result" });
    const p = new Pipeline({ nodes: [addOne, double] });
    expect(await p.run({ x: 5 })).toEqual({ doubled: 10, result: 11 });
  });

  it("runs a diamond, each node once", async () => {
    const { counts, left, right, bottom } = diamond();
    const p = new Pipeline({ nodes: [bottom, left, right] });
    expect(await p.run({ x: 3 })).toEqual({ left: 4, right: 6, bottom: 10 });
    expect(counts()).toEqual({ left: 1, right: 1, bottom: 1 });
  });

  it("a node can use a root input and an upstream output together", async () => {
    const a = node((x: number) => x + 1, { outputName: "a" });
    const b = node((a: number, y: number) => a * y, { outputName: "b" });
    const p = new Pipeline({ nodes: [a, b] });
    expect(await p.run({ x: 1, y: 10 })).toEqual({ a: 2, b: 20 });
  });

  it("passes values of any type through unchanged", async () => {
    const mk = node((seed: number) => ({ list: [seed, seed + 1], nested: { s: "hi" } }), { outputName: "obj" });
    const use = node((obj: { list: number[]; nested: { s: string } }) => obj.list.length + obj.nested.s.length, {
      outputName: "n",
    });
    const p = new Pipeline({ nodes: [mk, use] });
    expect(await p.run({ seed: 1 })).toEqual({ obj: { list: [1, 2], nested: { s: "hi" } }, n: 4 });
  });

  it("runs a pipeline with no inputs", async () => {
    const constant = node(function fortyTwo() {
      return 42;
    });
    const p = new Pipeline({ nodes: [constant] });
    expect(await p.run()).toEqual({ fortyTwo: 42 });
    expect(await p.run({})).toEqual({ fortyTwo: 42 });
  });

  it("a node output may feed several consumers and be a falsy value", async () => {
    const zero = node((x: number) => x - x, { outputName: "zero" });
    const c1 = node((zero: number) => zero + 1, { outputName: "c1" });
    const c2 = node((zero: number) => zero === 0, { outputName: "c2" });
    const p = new Pipeline({ nodes: [zero, c1, c2] });
    expect(await p.run({ x: 7 })).toEqual({ zero: 0, c1: 1, c2: true });
  });
});

describe("run: optional inputs with defaults", () => {
  it("uses the default when no input supplies it", async () => {
    const scaled = node((x: number, factor = 3) => x * factor, { outputName: "scaled" });
    const p = new Pipeline({ nodes: [scaled] });
    expect(p.unfulfilledArgs).toEqual(["x"]);
    expect(await p.run({ x: 2 })).toEqual({ scaled: 6 });
  });

  it("an input overrides the default", async () => {
    const scaled = node((x: number, factor = 3) => x * factor, { outputName: "scaled" });
    const p = new Pipeline({ nodes: [scaled] });
    expect(await p.run({ x: 2, factor: 10 })).toEqual({ scaled: 20 });
  });

  it("an upstream node's output overrides the default", async () => {
    const mkFactor = node((k: number) => k + 1, { outputName: "factor" });
    const scaled = node((x: number, factor = 3) => x * factor, { outputName: "scaled" });
    const p = new Pipeline({ nodes: [mkFactor, scaled] });
    expect(await p.run({ x: 2, k: 4 })).toEqual({ factor: 5, scaled: 10 });
  });

  it("a bound value overrides the default", async () => {
    const scaled = node((x: number, factor = 3) => x * factor, { outputName: "scaled" });
    const p = new Pipeline({ nodes: [scaled] }).bind({ factor: 4 });
    expect(await p.run({ x: 2 })).toEqual({ scaled: 8 });
  });
});

describe("run: selective outputs", () => {
  it("outputName string returns only that output and runs only what it needs", async () => {
    const { counts, left, right, bottom } = diamond();
    const p = new Pipeline({ nodes: [left, right, bottom] });
    const r = await p.run({ x: 3 }, { outputName: "left" });
    expect(r).toEqual({ left: 4 });
    expect(Object.keys(r)).toEqual(["left"]);
    expect(counts()).toEqual({ left: 1, right: 0, bottom: 0 });
  });

  it("outputName array returns exactly those outputs", async () => {
    const { counts, left, right, bottom } = diamond();
    const p = new Pipeline({ nodes: [left, right, bottom] });
    const r = await p.run({ x: 3 }, { outputName: ["left", "right"] });
    expect(r).toEqual({ left: 4, right: 6 });
    expect(Object.keys(r).sort()).toEqual(["left", "right"]);
    expect(counts()).toEqual({ left: 1, right: 1, bottom: 0 });
  });

  it("requesting a downstream output runs its ancestors but returns only it", async () => {
    const { counts, left, right, bottom } = diamond();
    const p = new Pipeline({ nodes: [left, right, bottom] });
    const r = await p.run({ x: 3 }, { outputName: "bottom" });
    expect(r).toEqual({ bottom: 10 });
    expect(counts()).toEqual({ left: 1, right: 1, bottom: 1 });
  });

  it("one output of a multi-output node can be requested", async () => {
    const stats = countingNode((data: number[]) => [Math.min(...data), Math.max(...data)] as const, { outputName: ["lo", "hi"] });
    const p = new Pipeline({ nodes: [stats.node] });
    const r = await p.run({ data: [4, 1, 9] }, { outputName: "hi" });
    expect(r).toEqual({ hi: 9 });
    expect(stats.calls).toBe(1);
  });

  it("independent branches: other branches do not run", async () => {
    const a = countingNode((x: number) => x + 1, { outputName: "a" });
    const b = countingNode((a: number) => a + 1, { outputName: "b" });
    const c = countingNode((y: number) => y + 1, { outputName: "c" });
    const p = new Pipeline({ nodes: [a.node, b.node, c.node] });
    expect(await p.run({ x: 1, y: 1 }, { outputName: "b" })).toEqual({ b: 3 });
    expect(callCounts({ a, b, c })).toEqual({ a: 1, b: 1, c: 0 });
  });
});

describe("run: selective inputs", () => {
  it("only the inputs that the selected nodes need are required", async () => {
    const a = node((x: number) => x + 1, { outputName: "a" });
    const c = countingNode((y: number) => y + 1, { outputName: "c" });
    const p = new Pipeline({ nodes: [a, c.node] });
    expect(await p.run({ x: 1 }, { outputName: "a" })).toEqual({ a: 2 });
    expect(c.calls).toBe(0);
  });

  it("selective inputs work through a chain", async () => {
    const a = node((x: number) => x + 1, { outputName: "a" });
    const b = node((a: number, z: number) => a * z, { outputName: "b" });
    const c = node((b: number, w: number) => b - w, { outputName: "c" });
    const p = new Pipeline({ nodes: [a, b, c] });
    expect(await p.run({ x: 1, z: 5 }, { outputName: "b" })).toEqual({ b: 10 });
  });

  it("an input no node reads is refused before anything runs, naming it and the closest input; extraInputs: 'ignore' allows it", async () => {
    let calls = 0;
    const scaled = node((x: number, scale = 2) => (calls++, x * scale), { outputName: "scaled" });
    const p = new Pipeline({ nodes: [scaled] });
    await expect(p.run({ x: 1, scael: 10 })).rejects.toThrow(
      `run: unknown input 'scael' (did you mean 'scale'?): no node of pipeline 'pipeline' reads it (its inputs: 'x', 'scale'); pass { extraInputs: "ignore" } to allow it`,
    );
    await expect(p.map({ x: [1], unused: 99 }, { mapOver: "x" })).rejects.toThrow("map: unknown input 'unused': no node");
    expect(calls).toBe(0);
    expect(await p.run({ x: 1, unused: 99 }, { extraInputs: "ignore" })).toEqual({ scaled: 2 });
    expect(() => p.bind({ scael: 3 })).toThrow("bind: unknown input 'scael' (did you mean 'scale'?)");
  });
});

describe("run: async nodes", () => {
  it("awaits async nodes", async () => {
    const slow = node(
      async (x: number) => {
        await sleep(10);
        return x * 3;
      },
      { outputName: "tripled" },
    );
    const after = node((tripled: number) => tripled + 1, { outputName: "after" });
    const p = new Pipeline({ nodes: [slow, after] });
    expect(await p.run({ x: 2 })).toEqual({ tripled: 6, after: 7 });
  });

  it("awaits a non-async function that returns a Promise", async () => {
    const promising = node((x: number) => new Promise<number>((r) => setTimeout(() => r(x + 100), 5)), {
      outputName: "p",
    });
    const after = node((p: number) => p * 2, { outputName: "after" });
    const pl = new Pipeline({ nodes: [promising, after] });
    const r = await pl.run({ x: 1 });
    expect(r).toEqual({ p: 101, after: 202 });
  });

  it("mixes sync and async nodes in a diamond", async () => {
    const a = node(
      async (x: number) => {
        await sleep(15);
        return x + 1;
      },
      { outputName: "a" },
    );
    const b = node((x: number) => x + 2, { outputName: "b" });
    const c = node(
      async (a: number, b: number) => {
        await sleep(1);
        return a * b;
      },
      { outputName: "c" },
    );
    const p = new Pipeline({ nodes: [a, b, c] });
    expect(await p.run({ x: 1 })).toEqual({ a: 2, b: 3, c: 6 });
  });
});

describe("run and map with nothing around the nodes (no cache, callbacks, signal or timeout)", () => {
  // Such calls take a shorter path, calling each node function directly: it must behave the same.
  const nodes = () => [
    node(() => 10, { outputName: "ten" }),
    node((ten: number, x: number) => [ten + x, ten - x] as const, { outputName: ["plus", "minus"] }),
    node(async (plus: number) => plus * 2, { outputName: "doubled" }),
    node((plus: number, minus: number, doubled: number, scale = 3) => (plus + minus + doubled) * scale, { outputName: "total" }),
    node(({ total, x }: { total: number; x: number }) => total / x, { outputName: "ratio" }),
  ];

  it("calls nodes of 0 to 4 inputs, multi-output, async, defaulted and object-style ones", async () => {
    // Typed loosely: this test is about execution, not the inputs' types.
    const p: Pipeline = new Pipeline({ nodes: nodes() });
    expect(await p.run({ x: 2 })).toEqual({ ten: 10, plus: 12, minus: 8, doubled: 24, total: 132, ratio: 66 });
    expect(await p.run({ x: 2, scale: 1 }, { outputName: "total" })).toEqual({ total: 44 });
    expect(await p.map({ x: [1, 2] }, { mapOver: "x", outputName: "total" })).toEqual([{ total: 126 }, { total: 132 }]);
  });

  it("a failure names its node and map item, and a wrong output shape is refused", async () => {
    const failing = node((x: number) => {
      if (x === 3) throw new Error("three");
      return x;
    }, { outputName: "y", name: "picky" });
    const p = new Pipeline({ nodes: [failing] });
    await expect(p.map({ x: [1, 2, 3, 4] }, { mapOver: "x" })).rejects.toThrow(/picky.*item 2|item 2.*picky/s);
    const pair = node((x: number) => x, { outputName: ["a", "b"], name: "pair" });
    await expect(new Pipeline({ nodes: [pair] }).run({ x: 1 })).rejects.toThrow(/pair.*2 outputs/s);
  });
});

describe("engines", () => {
  function recordingEngine() {
    const seq = new SequentialEngine();
    const calls: string[] = [];
    const engine = {
      run(pipeline: unknown, inputs: unknown, options: unknown) {
        calls.push("run");
        return (seq.run as (...a: unknown[]) => unknown)(pipeline, inputs, options);
      },
      map(pipeline: unknown, inputs: unknown, options: unknown) {
        calls.push("map");
        return (seq.map as (...a: unknown[]) => unknown)(pipeline, inputs, options);
      },
    } as unknown as Engine;
    return { engine, calls };
  }

  it("SequentialEngine can be given explicitly", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const p = new Pipeline({ nodes: [double], engine: new SequentialEngine() });
    expect(await p.run({ x: 4 })).toEqual({ doubled: 8 });
    expect(await p.map({ x: [1, 2] }, { mapOver: "x" })).toEqual([{ doubled: 2 }, { doubled: 4 }]);
  });

  it("a pipeline-level engine is used for run and map", async () => {
    const { engine, calls } = recordingEngine();
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const p = new Pipeline({ nodes: [double], engine });
    expect(await p.run({ x: 4 })).toEqual({ doubled: 8 });
    expect(calls).toEqual(["run"]);
    expect(await p.map({ x: [1, 2] }, { mapOver: "x" })).toEqual([{ doubled: 2 }, { doubled: 4 }]);
    expect(calls).toEqual(["run", "map"]);
  });

  it("a per-call engine overrides the pipeline's engine for that call only", async () => {
    const pipelineLevel = recordingEngine();
    const perCall = recordingEngine();
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const p = new Pipeline({ nodes: [double], engine: pipelineLevel.engine });
    expect(await p.run({ x: 4 }, { engine: perCall.engine })).toEqual({ doubled: 8 });
    expect(perCall.calls).toEqual(["run"]);
    expect(pipelineLevel.calls).toEqual([]);
    expect(await p.map({ x: [3] }, { mapOver: "x", engine: perCall.engine })).toEqual([{ doubled: 6 }]);
    expect(perCall.calls).toEqual(["run", "map"]);
    expect(pipelineLevel.calls).toEqual([]);
    await p.run({ x: 1 });
    expect(pipelineLevel.calls).toEqual(["run"]);
  });

  it("a per-call engine works without a pipeline-level engine", async () => {
    const { engine, calls } = recordingEngine();
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const p = new Pipeline({ nodes: [double] });
    expect(await p.run({ x: 4 }, { engine, outputName: "doubled" })).toEqual({ doubled: 8 });
    expect(calls).toEqual(["run"]);
  });
});

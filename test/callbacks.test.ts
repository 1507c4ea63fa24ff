import { describe, expect, it } from "vitest";
import { CallbackError, MemoryCache, node, Pipeline, PipelineCallback, type CallbackContext } from "hypernodes";
import { countingNode, throwingNode } from "./helpers/nodes.js";
import { Recorder } from "./helpers/recorder.js";

const double = node((x: number) => x * 2, { outputName: "doubled", name: "double" });
const addOne = node((doubled: number) => doubled + 1, { outputName: "result", name: "addOne" });

describe("callback events", () => {
  it("fire in order for run, then as cache hits on a re-run", async () => {
    const rec = new Recorder();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [rec], cache: new MemoryCache(), name: "calc" });
    await p.run({ x: 1 });
    await p.run({ x: 1 });
    expect(rec.events).toEqual([
      "pipelineStart calc",
      "nodeStart double",
      "nodeEnd double",
      "nodeStart addOne",
      "nodeEnd addOne",
      "pipelineEnd calc",
      "pipelineStart calc",
      "nodeCached double",
      "nodeCached addOne",
      "pipelineEnd calc",
    ]);
  });

  it("fire per item in map, and mark fully cached items", async () => {
    const rec = new Recorder();
    const p = new Pipeline({ nodes: [double], callbacks: [rec], cache: new MemoryCache(), name: "m" });
    await p.map({ x: [1] }, { mapOver: "x" });
    await p.map({ x: [1, 2] }, { mapOver: "x" });
    expect(rec.events).toEqual([
      "pipelineStart m",
      "mapStart 1",
      "itemStart 0",
      "nodeStart double",
      "nodeEnd double",
      "itemEnd 0",
      "mapEnd",
      "pipelineEnd m",
      "pipelineStart m",
      "mapStart 2",
      "itemStart 0",
      "nodeCached double",
      "itemCached 0",
      "itemEnd 0",
      "itemStart 1",
      "nodeStart double",
      "nodeEnd double",
      "itemEnd 1",
      "mapEnd",
      "pipelineEnd m",
    ]);
  });

  it("nest one level deeper inside nested pipelines, sharing the context data", async () => {
    const rec = new Recorder();
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const seen: unknown[] = [];
    class Sharer extends PipelineCallback {
      onPipelineStart(_id: string, _i: Record<string, unknown>, ctx: CallbackContext) {
        if (ctx.depth === 0) ctx.set("runId", 42);
      }
      onNodeEnd(_id: string, _o: Record<string, unknown>, _ms: number, ctx: CallbackContext) {
        seen.push([ctx.get("runId"), ctx.depth, [...ctx.hierarchyPath]]);
        // A fallback for a key no callback set; a value set (even undefined) wins over it.
        expect(ctx.get("missing", 7)).toBe(7);
        expect(ctx.get("runId", 0)).toBe(42);
        ctx.set("unset", undefined);
        expect(ctx.get("unset", 1)).toBeUndefined();
      }
    }
    const outer = new Pipeline({
      nodes: [inner.asNode({ mapOver: "x", name: "batch" }), node((doubled: number[]) => doubled.length, { outputName: "count", name: "count" })],
      callbacks: [rec, new Sharer()],
      name: "outer",
    });
    expect(await outer.run({ x: [1, 2] })).toEqual({ doubled: [2, 4], count: 2 });
    expect(rec.events).toEqual([
      "pipelineStart outer",
      "nestedStart outer>batch",
      "  pipelineStart batch",
      "  mapStart 2",
      "  itemStart 0",
      "  nodeStart double",
      "  nodeEnd double",
      "  itemEnd 0",
      "  itemStart 1",
      "  nodeStart double",
      "  nodeEnd double",
      "  itemEnd 1",
      "  mapEnd",
      "  pipelineEnd batch",
      "nestedEnd outer>batch",
      "nodeStart count",
      "nodeEnd count",
      "pipelineEnd outer",
    ]);
    expect(seen).toEqual([
      [42, 1, ["outer", "batch"]],
      [42, 1, ["outer", "batch"]],
      [42, 0, ["outer"]],
    ]);
  });

  it("report a failure at the failing node and at each enclosing nested node, with the original error", async () => {
    const rec = new Recorder();
    const boom = throwingNode(new Error("bad x"), (x) => x === 2, { outputName: "y", name: "boom" });
    const outer = new Pipeline({
      nodes: [new Pipeline({ nodes: [boom], name: "inner" }).asNode({ mapOver: "x" })],
      callbacks: [rec],
      name: "outer",
    });
    await expect(outer.run({ x: [1, 2] })).rejects.toThrow(/bad x/);
    expect(rec.events.filter((e) => e.trim().startsWith("error"))).toEqual(["  error boom: bad x", "error inner: bad x"]);
  });

  it("awaits async callbacks before going on", async () => {
    const order: string[] = [];
    class Slow extends PipelineCallback {
      async onNodeStart(id: string) {
        await new Promise((r) => setTimeout(r, 5));
        order.push(`start ${id}`);
      }
    }
    const traced = node(
      (x: number) => {
        order.push("run");
        return x;
      },
      { outputName: "y", name: "traced" },
    );
    await new Pipeline({ nodes: [traced], callbacks: [new Slow()] }).run({ x: 1 });
    expect(order).toEqual(["start traced", "run"]);
  });

  it("a throwing callback aborts the run with a CallbackError, leaving the cache valid", async () => {
    const counted = countingNode((x: number) => x + 1, { outputName: "y", name: "counted" });
    class Broken extends PipelineCallback {
      onNodeEnd() {
        throw new Error("logger exploded");
      }
    }
    const cache = new MemoryCache();
    const failing = new Pipeline({ nodes: [counted.node], callbacks: [new Broken()], cache });
    const error = await failing.run({ x: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallbackError);
    expect((error as Error).message).toMatch(/Broken\.onNodeEnd threw: logger exploded/);
    // The node's result was stored before the failing event: a healthy pipeline reuses it.
    expect(await new Pipeline({ nodes: [counted.node], cache }).run({ x: 1 })).toEqual({ y: 2 });
    expect(counted.calls).toBe(1);
  });
});

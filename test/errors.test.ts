import { describe, expect, it } from "vitest";
import {
  CycleError,
  DuplicateOutputError,
  MapInputError,
  MappingError,
  MissingInputError,
  node,
  NodeExecutionError,
  Pipeline,
  UnknownOutputError,
} from "hypernodes";
import { countingNode, throwingNode } from "./helpers/nodes.js";

describe("errors detected before any node runs", () => {
  const a = countingNode((x: number) => x + 1, { outputName: "a", name: "a", cache: false });
  const b = countingNode((a: number, y: number) => a + y, { outputName: "b", name: "b", cache: false });
  const p = new Pipeline({ nodes: [a.node, b.node] });

  it("a missing input names the missing inputs", async () => {
    const error = await p.run({ x: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(MissingInputError);
    expect(error.message).toMatch(/'y'/);
    expect(error.missing).toEqual(["y"]);
    await expect(p.run({})).rejects.toThrow(/'x', 'y'/);
    expect(a.calls + b.calls).toBe(0);
  });

  it("an unknown outputName lists the available ones", async () => {
    const error = await p.run({ x: 1, y: 2 }, { outputName: "c" as never }).catch((e) => e);
    expect(error).toBeInstanceOf(UnknownOutputError);
    expect(error.message).toMatch(/'c'.*available outputs: 'a', 'b'/);
    expect(a.calls + b.calls).toBe(0);
  });

  it("zip lists of unequal lengths give their lengths", async () => {
    const error = await p.map({ x: [1, 2, 3], y: [1, 2] }, { mapOver: ["x", "y"] }).catch((e) => e);
    expect(error).toBeInstanceOf(MapInputError);
    expect(error.message).toMatch(/'x' \(3\), 'y' \(2\)/);
    expect(a.calls + b.calls).toBe(0);
  });

  it("a mapOver input that is not an array says so", async () => {
    await expect(p.map({ x: 5, y: 1 }, { mapOver: "x" })).rejects.toThrow(/mapOver input 'x' must be an array, got number/);
    await expect(p.map({ y: 1 }, { mapOver: "x" })).rejects.toThrow(/no input 'x'/);
    await expect(p.map({ x: [1], y: 1, z: [1] }, { mapOver: "z" })).rejects.toThrow(/^map: unknown input 'z': no node of pipeline 'pipeline' reads it \(its inputs: 'x', 'y'\); pass \{ extraInputs: "ignore" \} to allow it$/);
    await expect(p.map({ x: [1], y: 1 }, { mapOver: "x", mapMode: "cross" as never })).rejects.toThrow(/zip.*product/);
    expect(a.calls + b.calls).toBe(0);
  });
});

describe("errors at construction", () => {
  it("two nodes producing the same output", () => {
    const one = node((x: number) => x, { outputName: "y", name: "one" });
    const two = node((x: number) => -x, { outputName: "y", name: "two" });
    expect(() => new Pipeline({ nodes: [one, two] })).toThrow(DuplicateOutputError);
    expect(() => new Pipeline({ nodes: [one, two] })).toThrow("Output 'y' is produced by two nodes: 'one' and 'two'");
  });

  it("a cycle names the nodes in it", () => {
    const f = node((c: number) => c, { outputName: "a", name: "f" });
    const g = node((a: number) => a, { outputName: "b", name: "g" });
    const h = node((b: number) => b, { outputName: "c", name: "h" });
    const entry = node((x: number) => x, { outputName: "x0", name: "entry" });
    const error = (() => {
      try {
        new Pipeline({ nodes: [entry, f, g, h] });
      } catch (e) {
        return e as CycleError;
      }
    })();
    expect(error).toBeInstanceOf(CycleError);
    expect(error!.cycle.slice(0, -1).sort()).toEqual(["f", "g", "h"]);
    expect(error!.message).toMatch(/cycle: (f|g|h) -> (f|g|h) -> (f|g|h) -> (f|g|h)/);
    const self = node((a: number) => a + 1, { outputName: "a", name: "self" });
    expect(() => new Pipeline({ nodes: [self] })).toThrow("cycle: self -> self");
  });

  it("a plain function instead of a node", () => {
    expect(() => new Pipeline({ nodes: [function clean(x: number) { return x; }] as never })).toThrow(/plain function 'clean'.*node\(fn\)/);
  });

  it("mapping names that do not exist in the inner pipeline", () => {
    const inner = new Pipeline({ nodes: [node((passage: string) => passage.trim(), { outputName: "cleaned" })] });
    expect(() => inner.asNode({ inputMapping: { docs: "passages" } })).toThrow(MappingError);
    expect(() => inner.asNode({ inputMapping: { docs: "passages" } })).toThrow(/no input 'passages' \(its inputs: 'passage'\)/);
    expect(() => inner.asNode({ outputMapping: { clean: "out" } })).toThrow(/no output 'clean' \(its outputs: 'cleaned'\)/);
    expect(() => inner.asNode({ inputMapping: { docs: "passage" }, mapOver: "passage" })).toThrow(/mapOver names 'passage'.*'docs'/);
  });
});

describe("a node that throws", () => {
  const original = new RangeError("x too big");
  const risky = throwingNode(original, (x) => x > 2, { outputName: "y", name: "risky" });

  it("rejects with the node's name and the original message, cause = original", async () => {
    const error = await new Pipeline({ nodes: [risky] }).run({ x: 3 }).catch((e) => e);
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect(error.message).toBe("Node 'risky' failed: x too big");
    expect(error.cause).toBe(original);
    expect(error.nodeName).toBe("risky");
    expect(error.itemIndex).toBeUndefined();
  });

  it("in a map carries the item index", async () => {
    const error = await new Pipeline({ nodes: [risky] }).map({ x: [1, 2, 3, 4] }, { mapOver: "x" }).catch((e) => e);
    expect(error.itemIndex).toBe(2);
    expect(error.message).toBe("Node 'risky' failed at map item 2: x too big");
    expect(error.cause).toBe(original);
  });

  it("in nested pipelines carries the nested path and every map level's item", async () => {
    const inner = new Pipeline({ nodes: [risky], name: "inner" });
    const outer = new Pipeline({ nodes: [inner.asNode({ mapOver: "x", name: "batch" })] });
    const error = await outer.map({ x: [[1], [1, 2, 3]] }, { mapOver: "x" }).catch((e) => e);
    expect(error.path).toEqual(["batch", "risky"]);
    expect(error.itemIndex).toBe(1);
    expect(error.itemPath).toEqual([1, 2]);
    expect(error.message).toBe("Node 'risky' (in batch > risky) failed at map item 1 > 2: x too big");
    expect(error.cause).toBe(original);
  });

  it("async rejections are wrapped the same way", async () => {
    const later = node(async (x: number) => Promise.reject(new Error(`no ${x}`)), { outputName: "y", name: "later" });
    const error = await new Pipeline({ nodes: [later] }).run({ x: 1 }).catch((e) => e);
    expect(error.message).toBe("Node 'later' failed: no 1");
  });

  it("a multi-output node returning the wrong shape names the node", async () => {
    const stats = node((x: number) => x, { outputName: ["mean", "std"], name: "stats" });
    await expect(new Pipeline({ nodes: [stats] }).run({ x: 1 })).rejects.toThrow(
      "Node 'stats' failed: it declares 2 outputs (mean, std) but returned number",
    );
  });
});

describe("nested pipeline construction", () => {
  it("two inner outputs mapped to one outer name", () => {
    const two = node((x: number) => [x, -x], { outputName: ["a", "b"], name: "two" });
    expect(() => new Pipeline({ nodes: [two] }).asNode({ outputMapping: { a: "v", b: "v" } })).toThrow(/two inner outputs to 'v'/);
  });

  it("caching a nested pipeline as a whole is off by default when an inner node is cache: false", () => {
    const clock = node(() => Date.now(), { outputName: "t", name: "clock", cache: false });
    const plain = node((x: number) => x, { outputName: "y", name: "plain" });
    expect(new Pipeline({ nodes: [clock] }).asNode().cache).toBe(false);
    expect(new Pipeline({ nodes: [plain] }).asNode().cache).toBe(true);
    expect(new Pipeline({ nodes: [clock] }).asNode({ cache: true }).cache).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { MemoryCache, node, Pipeline, PipelineNode } from "hypernodes";
import { callCounts, countingNode } from "../helpers/nodes.js";
import { Rec } from "./helpers.js";

function docPipeline() {
  const clean = countingNode((passage: string) => passage.trim().toLowerCase(), { outputName: "cleaned", name: "clean" });
  const summarize = countingNode((cleaned: string) => cleaned.slice(0, 5), { outputName: "summary", name: "summarize" });
  const expensive = countingNode((passage: string) => passage.length, { outputName: "length", name: "expensive" });
  const inner = new Pipeline({ nodes: [clean.node, summarize.node, expensive.node], name: "docs" });
  return { counts: () => callCounts({ clean, summarize, expensive }), inner };
}

describe("asNode: basics", () => {
  it("a nested pipeline without mappings exposes its outputs under their names", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const addOne = node((doubled: number) => doubled + 1, { outputName: "result" });
    const outer = new Pipeline({ nodes: [inner.asNode(), addOne] });
    const r = await outer.run({ x: 5 });
    expect(r.result).toBe(11);
    expect((r as Record<string, unknown>).doubled).toBe(10);
    expect(outer.rootArgs).toEqual(["x"]);
  });

  it("returns a PipelineNode with the documented fields", () => {
    const { inner } = docPipeline();
    const pn = inner.asNode({
      inputMapping: { documents: "passage" },
      outputMapping: { summary: "summaries" },
      mapOver: "documents",
      mapMode: "zip",
      name: "summarizer",
      cache: false,
    });
    expect(pn).toBeInstanceOf(PipelineNode);
    expect(pn.pipeline).toBe(inner);
    expect(pn.name).toBe("summarizer");
    expect(pn.inputMapping).toEqual({ documents: "passage" });
    expect(pn.outputMapping).toEqual({ summary: "summaries" });
    expect(pn.mapOver).toEqual(["documents"]);
    expect(pn.mapMode).toBe("zip");
    expect(pn.cache).toBe(false);
    expect(pn.rootArgs).toEqual(["documents"]);
    expect([pn.outputName].flat()).toEqual(["summaries"]);
    expect(pn.codeHash).toMatch(/^[0-9a-f]+$/);
    expect(pn.unfulfilledArgs).toEqual(["documents"]);
  });

  it("name defaults to the inner pipeline's name", () => {
    const { inner } = docPipeline();
    expect(inner.asNode().name).toBe("docs");
  });

  it("mapOver is undefined without mapping, cache defaults to true", () => {
    const { inner } = docPipeline();
    const pn = inner.asNode();
    expect(pn.mapOver).toBeUndefined();
    expect(pn.cache).toBe(true);
  });

  it("inputMapping renames outer inputs to inner inputs", async () => {
    const { inner } = docPipeline();
    const pn = inner.asNode({ inputMapping: { document: "passage" } });
    expect(pn.rootArgs).toEqual(["document"]);
    const outer = new Pipeline({ nodes: [pn] });
    expect(outer.rootArgs).toEqual(["document"]);
    const r = (await outer.run({ document: "  Hello World " })) as Record<string, unknown>;
    expect(r.cleaned).toBe("hello world");
    expect(r.summary).toBe("hello");
  });

  it("outputMapping exposes only mapped outputs, under outer names", async () => {
    const { inner } = docPipeline();
    const pn = inner.asNode({ inputMapping: { document: "passage" }, outputMapping: { summary: "short" } });
    const outer = new Pipeline({ nodes: [pn] });
    expect(outer.graph.availableOutputNames).toEqual(["short"]);
    const r = await outer.run({ document: " ABCDEFG " });
    expect(r).toEqual({ short: "abcde" });
  });

  it("inner nodes no exposed output needs do not run", async () => {
    const { inner, counts } = docPipeline();
    const pn = inner.asNode({ inputMapping: { document: "passage" }, outputMapping: { summary: "short" } });
    const outer = new Pipeline({ nodes: [pn] });
    await outer.run({ document: "Text" });
    expect(counts()).toEqual({ clean: 1, summarize: 1, expensive: 0 });
  });

  it("requesting one mapped output of a nested pipeline returns only it", async () => {
    // API.md: "inner nodes that no exposed or requested output needs do not run". Here `short` is
    // exposed, so whether clean/summarize run when only `len` is requested is ambiguous: not asserted.
    const { inner, counts } = docPipeline();
    const pn = inner.asNode({
      inputMapping: { document: "passage" },
      outputMapping: { summary: "short", length: "len" },
    });
    const outer = new Pipeline({ nodes: [pn] });
    expect(await outer.run({ document: "abc" }, { outputName: "len" })).toEqual({ len: 3 });
    expect(counts().expensive).toBe(1);
  });

  it("an outer node consumes a mapped output", async () => {
    const { inner } = docPipeline();
    const pn = inner.asNode({ inputMapping: { document: "passage" }, outputMapping: { summary: "short" } });
    const report = node((short: string) => `[${short}]`, { outputName: "report" });
    const outer = new Pipeline({ nodes: [report, pn] });
    expect(await outer.run({ document: "Hello there" })).toEqual({ short: "hello", report: "[hello]" });
  });

  it("an upstream outer node feeds the nested pipeline", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const pre = node((seed: number) => seed + 1, { outputName: "pre" });
    const pn = inner.asNode({ inputMapping: { pre: "x" }, outputMapping: { doubled: "out" } });
    const outer = new Pipeline({ nodes: [pre, pn] });
    expect(outer.rootArgs).toEqual(["seed"]);
    expect(await outer.run({ seed: 1 })).toEqual({ pre: 2, out: 4 });
  });

  it("the inner pipeline's bound inputs count as satisfied", async () => {
    const scale = node((x: number, factor: number) => x * factor, { outputName: "scaled" });
    const inner = new Pipeline({ nodes: [scale], name: "scaler" }).bind({ factor: 3 });
    const pn = inner.asNode();
    expect(pn.boundInputs).toEqual({ factor: 3 });
    expect(pn.unfulfilledArgs).toEqual(["x"]);
    const outer = new Pipeline({ nodes: [pn] });
    expect(outer.unfulfilledArgs).toEqual(["x"]);
    expect(await outer.run({ x: 2 })).toEqual({ scaled: 6 });
  });

  it("an unnamed pipeline can still be nested", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const pn = new Pipeline({ nodes: [double] }).asNode({ outputMapping: { doubled: "d" } });
    expect(typeof pn.name).toBe("string");
    const outer = new Pipeline({ nodes: [pn] });
    expect(await outer.run({ x: 1 })).toEqual({ d: 2 });
  });

  it("two instances of the same inner pipeline can coexist with different mappings", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const first = inner.asNode({ name: "first", inputMapping: { a: "x" }, outputMapping: { doubled: "a2" } });
    const second = inner.asNode({ name: "second", inputMapping: { a2: "x" }, outputMapping: { doubled: "a4" } });
    const outer = new Pipeline({ nodes: [first, second] });
    expect(await outer.run({ a: 3 })).toEqual({ a2: 6, a4: 12 });
  });
});

describe("asNode: mapOver", () => {
  it("maps an outer list item by item and returns lists", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const single = new Pipeline({ nodes: [double], name: "single" });
    const batch = single.asNode({ mapOver: "items", inputMapping: { items: "x" }, outputMapping: { doubled: "results" } });
    const outer = new Pipeline({ nodes: [batch] });
    expect(await outer.run({ items: [1, 2, 3] })).toEqual({ results: [2, 4, 6] });
  });

  it("the documents example", async () => {
    const { inner, counts } = docPipeline();
    const batch = inner.asNode({
      mapOver: "documents",
      inputMapping: { documents: "passage" },
      outputMapping: { summary: "summaries" },
    });
    const countNode = node((summaries: string[]) => summaries.length, { outputName: "count" });
    const outer = new Pipeline({ nodes: [batch, countNode] });
    expect(await outer.run({ documents: ["  Doc One  ", "  Doc Two  "] })).toEqual({
      summaries: ["doc o", "doc t"],
      count: 2,
    });
    expect(counts()).toEqual({ clean: 2, summarize: 2, expensive: 0 });
  });

  it("zip over two lists", async () => {
    const fill = node((text: string, template: string) => template.replace("{}", text), { outputName: "filled" });
    const inner = new Pipeline({ nodes: [fill], name: "filler" });
    const pn = inner.asNode({
      mapOver: ["docs", "templates"],
      mapMode: "zip",
      inputMapping: { docs: "text", templates: "template" },
      outputMapping: { filled: "filledAll" },
    });
    expect(pn.mapOver).toEqual(["docs", "templates"]);
    const outer = new Pipeline({ nodes: [pn] });
    expect(await outer.run({ docs: ["a", "b"], templates: ["<{}>", "[{}]"] })).toEqual({ filledAll: ["<a>", "[b]"] });
  });

  it("product over two lists", async () => {
    const mul = node((x: number, y: number) => x * y, { outputName: "prod" });
    const inner = new Pipeline({ nodes: [mul], name: "mul" });
    const pn = inner.asNode({
      mapOver: ["xs", "ys"],
      mapMode: "product",
      inputMapping: { xs: "x", ys: "y" },
      outputMapping: { prod: "prods" },
    });
    expect(pn.mapMode).toBe("product");
    const outer = new Pipeline({ nodes: [pn] });
    expect(await outer.run({ xs: [2, 3], ys: [10, 100] })).toEqual({ prods: [20, 200, 30, 300] });
  });

  it("outer inputs not in mapOver are passed whole to every item", async () => {
    const join = node((passage: string, suffix: string) => passage + suffix, { outputName: "joined" });
    const inner = new Pipeline({ nodes: [join], name: "joiner" });
    const pn = inner.asNode({
      mapOver: "documents",
      inputMapping: { documents: "passage" },
      outputMapping: { joined: "joinedAll" },
    });
    expect(pn.rootArgs.slice().sort()).toEqual(["documents", "suffix"]);
    const outer = new Pipeline({ nodes: [pn] });
    expect(await outer.run({ documents: ["a", "b"], suffix: "!" })).toEqual({ joinedAll: ["a!", "b!"] });
  });

  it("mapOver without outputMapping returns every inner output as a list", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const plus = node((doubled: number) => doubled + 1, { outputName: "plus" });
    const inner = new Pipeline({ nodes: [double, plus], name: "inner" });
    const pn = inner.asNode({ mapOver: "x" });
    const outer = new Pipeline({ nodes: [pn] });
    expect(await outer.run({ x: [1, 2] })).toEqual({ doubled: [2, 4], plus: [3, 5] });
  });

  it("an outer map over a nested mapOver pipeline", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const pn = inner.asNode({ mapOver: "xs", inputMapping: { xs: "x" }, outputMapping: { doubled: "ds" } });
    const outer = new Pipeline({ nodes: [pn] });
    expect(await outer.map({ xs: [[1, 2], [3]] }, { mapOver: "xs" })).toEqual([{ ds: [2, 4] }, { ds: [6] }]);
  });
});

describe("asNode: outer cache, callbacks, three levels", () => {
  it("the outer cache applies to inner nodes", async () => {
    const { inner, counts } = docPipeline();
    const pn = inner.asNode({
      inputMapping: { document: "passage" },
      outputMapping: { summary: "short" },
      cache: false,
    });
    const outer = new Pipeline({ nodes: [pn], cache: new MemoryCache() });
    expect(await outer.run({ document: "Hello world" })).toEqual({ short: "hello" });
    expect(await outer.run({ document: "Hello world" })).toEqual({ short: "hello" });
    expect(counts().clean).toBe(1);
    expect(counts().summarize).toBe(1);
  });

  it("with the outer cache, a cached nested node skips the inner pipeline", async () => {
    const { inner, counts } = docPipeline();
    const pn = inner.asNode({ inputMapping: { document: "passage" }, outputMapping: { summary: "short" } });
    const outer = new Pipeline({ nodes: [pn], cache: new MemoryCache() });
    await outer.run({ document: "Hello world" });
    expect(await outer.run({ document: "Hello world" })).toEqual({ short: "hello" });
    expect(counts()).toEqual({ clean: 1, summarize: 1, expensive: 0 });
    await outer.run({ document: "Other" });
    expect(counts().clean).toBe(2);
  });

  it("the outer cache caches nested mapOver items one by one", async () => {
    const double = countingNode((x: number) => x * 2, { outputName: "doubled" });
    const inner = new Pipeline({ nodes: [double.node], name: "inner" });
    const pn = inner.asNode({ mapOver: "xs", inputMapping: { xs: "x" }, outputMapping: { doubled: "ds" } });
    const outer = new Pipeline({ nodes: [pn], cache: new MemoryCache() });
    expect(await outer.run({ xs: [1, 2, 3] })).toEqual({ ds: [2, 4, 6] });
    expect(double.calls).toBe(3);
    expect(await outer.run({ xs: [1, 2, 4] })).toEqual({ ds: [2, 4, 8] });
    expect(double.calls).toBe(4);
  });

  it("outer callbacks see inner node events at depth 1, between nested start and end", async () => {
    const rec = new Rec();
    const { inner } = docPipeline();
    const pn = inner.asNode({
      name: "summarizer",
      inputMapping: { document: "passage" },
      outputMapping: { summary: "short" },
    });
    const report = node((short: string) => short.toUpperCase(), { outputName: "report", name: "report" });
    const outer = new Pipeline({ nodes: [pn, report], callbacks: [rec], name: "outer" });
    await outer.run({ document: "Hello world" });

    const starts = rec.of("onNodeStart").map((e) => [e.args[0], e.depth]);
    expect(starts).toContainEqual(["clean", 1]);
    expect(starts).toContainEqual(["summarize", 1]);
    expect(starts).toContainEqual(["report", 0]);
    expect(starts.map((s) => s[0])).not.toContain("expensive");

    const names = rec.compact();
    const nStart = names.findIndex((n) => n.startsWith("onNestedPipelineStart"));
    const nEnd = names.findIndex((n) => n.startsWith("onNestedPipelineEnd"));
    expect(nStart).toBeGreaterThanOrEqual(0);
    expect(nEnd).toBeGreaterThan(nStart);
    const cleanIdx = names.indexOf("onNodeStart:clean");
    const sumEnd = names.indexOf("onNodeEnd:summarize");
    expect(cleanIdx).toBeGreaterThan(nStart);
    expect(sumEnd).toBeLessThan(nEnd);
    expect(names.indexOf("onNodeStart:report")).toBeGreaterThan(nEnd);
    expect(names[0]).toBe("onPipelineStart");
    expect(names[names.length - 1]).toBe("onPipelineEnd");
    expect(rec.events[0].depth).toBe(0);
    expect(rec.events[rec.events.length - 1].depth).toBe(0);

    const end = rec.of("onNestedPipelineEnd")[0];
    expect(typeof end.args[2]).toBe("number");
    expect(end.args[2] as number).toBeGreaterThanOrEqual(0);
    expect(rec.of("onNestedPipelineStart")).toHaveLength(1);
    expect(rec.of("onNestedPipelineEnd")).toHaveLength(1);
  });

  it("hierarchyPath differs inside a nested pipeline", async () => {
    const rec = new Rec();
    const double = node((x: number) => x * 2, { outputName: "doubled", name: "double" });
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const inc = node((doubled: number) => doubled + 1, { outputName: "inc", name: "inc" });
    const outer = new Pipeline({ nodes: [inner.asNode({ name: "nested" }), inc], callbacks: [rec], name: "outer" });
    await outer.run({ x: 1 });
    const top = rec.of("onNodeStart").find((e) => e.args[0] === "inc")!;
    const deep = rec.of("onNodeStart").find((e) => e.args[0] === "double")!;
    expect(top.path).toBeDefined();
    expect(deep.path).toBeDefined();
    expect(JSON.stringify(deep.path)).not.toBe(JSON.stringify(top.path));
    if (Array.isArray(top.path) && Array.isArray(deep.path)) {
      expect(deep.path.length).toBe(top.path.length + 1);
    }
  });

  it("three levels of nesting", async () => {
    const rec = new Rec();
    const double = countingNode((x: number) => x * 2, { outputName: "doubled", name: "double" });
    const unused = countingNode((x: number) => -x, { outputName: "negated", name: "unused" });
    const innermost = new Pipeline({ nodes: [double.node, unused.node], name: "innermost" });
    const addOne = countingNode((d: number) => d + 1, { outputName: "plusOne", name: "addOne" });
    const middle = new Pipeline({
      nodes: [innermost.asNode({ outputMapping: { doubled: "d" } }), addOne.node],
      name: "middle",
    });
    const square = countingNode((y: number) => y * y, { outputName: "squared", name: "square" });
    const outer = new Pipeline({
      nodes: [middle.asNode({ inputMapping: { value: "x" }, outputMapping: { plusOne: "y" } }), square.node],
      callbacks: [rec],
      name: "outer",
    });
    expect(outer.rootArgs).toEqual(["value"]);
    expect(await outer.run({ value: 3 })).toEqual({ y: 7, squared: 49 });
    expect(callCounts({ double, addOne, square, unused })).toEqual({ double: 1, addOne: 1, square: 1, unused: 0 });
    const depthOf = (name: string) => rec.of("onNodeStart").find((e) => e.args[0] === name)?.depth;
    expect(depthOf("double")).toBe(2);
    expect(depthOf("addOne")).toBe(1);
    expect(depthOf("square")).toBe(0);
    expect(rec.of("onNestedPipelineStart")).toHaveLength(2);
    expect(rec.of("onNestedPipelineEnd")).toHaveLength(2);
  });

  it("three levels with mapOver at the middle", async () => {
    const double = node((x: number) => x * 2, { outputName: "doubled" });
    const innermost = new Pipeline({ nodes: [double], name: "innermost" });
    const addOne = node((doubled: number) => doubled + 1, { outputName: "plusOne" });
    const middle = new Pipeline({ nodes: [innermost.asNode(), addOne], name: "middle" });
    const total = node((ys: number[]) => ys.reduce((a, b) => a + b, 0), { outputName: "total" });
    const outer = new Pipeline({
      nodes: [middle.asNode({ mapOver: "xs", inputMapping: { xs: "x" }, outputMapping: { plusOne: "ys" } }), total],
    });
    expect(await outer.run({ xs: [1, 2, 3] })).toEqual({ ys: [3, 5, 7], total: 15 });
  });
});

import { describe, expect, it } from "vitest";
import { SpanStatusCode } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { CallbackContext, MemoryCache, node, Pipeline, TELEMETRY_MIME_TYPE } from "hypernodes";
import { TelemetryCallback } from "../src/observe/telemetry.js";

const double = node((x: number) => x * 2, { outputName: "doubled", name: "double" });
const addOne = node((doubled: number) => doubled + 1, { outputName: "result", name: "addOne" });

/** A telemetry callback on an in-memory exporter, counting started spans to prove none stays open. */
function setup() {
  const exporter = new InMemorySpanExporter();
  const open = { count: 0 };
  const counter: SpanProcessor = {
    onStart: () => void open.count++,
    onEnd: () => void open.count--,
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), counter] });
  const telemetry = new TelemetryCallback({ tracer: provider.getTracer("test") });
  return { telemetry, open, spans: () => exporter.getFinishedSpans() };
}

/** Span names indented under their parents; siblings in the order they ended. */
function tree(spans: readonly ReadableSpan[]): string[] {
  const lines: string[] = [];
  const walk = (parent: string | undefined, indent: string) => {
    for (const span of spans) {
      if (span.parentSpanContext?.spanId !== parent) continue;
      lines.push(indent + span.name);
      walk(span.spanContext().spanId, `${indent}  `);
    }
  };
  walk(undefined, "");
  expect(lines).toHaveLength(spans.length); // every span reachable from a root
  return lines;
}

const named = (spans: readonly ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

describe("TelemetryCallback spans", () => {
  it("a run: one pipeline span with a span per node", async () => {
    const { telemetry, spans } = setup();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [telemetry], name: "calc" });
    await p.run({ x: 1 });
    expect(tree(spans())).toEqual(["pipeline calc", "  node double", "  node addOne"]);
    const [doubleSpan] = named(spans(), "node double");
    expect(doubleSpan!.attributes).toMatchObject({ "hypernodes.node": "double", "hypernodes.cache_hit": false, "hypernodes.depth": 0 });
    expect(doubleSpan!.attributes["hypernodes.duration_ms"]).toBeTypeOf("number");
  });

  it("a cached re-run: zero-length node spans marked as hits, with their signature", async () => {
    const { telemetry, spans } = setup();
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [telemetry], cache: new MemoryCache(), name: "calc" });
    await p.run({ x: 1 });
    await p.run({ x: 1 });
    expect(tree(spans())).toEqual(["pipeline calc", "  node double", "  node addOne", "pipeline calc", "  node double", "  node addOne"]);
    const hits = spans().slice(3, 5);
    for (const span of hits) {
      expect(span.attributes["hypernodes.cache_hit"]).toBe(true);
      expect(span.attributes["hypernodes.signature"]).toMatch(/\w{16,}/);
      expect(span.duration).toEqual([0, 0]);
    }
  });

  it("a map: a map span with one item span per item, nodes under their item", async () => {
    const { telemetry, spans } = setup();
    const p = new Pipeline({ nodes: [double], callbacks: [telemetry], name: "m" });
    await p.map({ x: [1, 2, 3] }, { mapOver: "x" });
    expect(tree(spans())).toEqual([
      "pipeline m",
      "  map m",
      "    item 0",
      "      node double",
      "    item 1",
      "      node double",
      "    item 2",
      "      node double",
    ]);
    expect(named(spans(), "map m")[0]!.attributes["hypernodes.total_items"]).toBe(3);
    expect(named(spans(), "item 2")[0]!.attributes["hypernodes.item_index"]).toBe(2);
  });

  it("a nested pipeline mapped over inside a run: its map, items and nodes under the nested span", async () => {
    const { telemetry, spans } = setup();
    const inner = new Pipeline({ nodes: [double], name: "inner" });
    const count = node((doubled: number[]) => doubled.length, { outputName: "count", name: "count" });
    const outer = new Pipeline({ nodes: [inner.asNode({ mapOver: "x", name: "batch" }), count], callbacks: [telemetry], name: "outer" });
    await outer.run({ x: [1, 2] });
    expect(tree(spans())).toEqual([
      "pipeline outer",
      "  nested batch",
      "    map batch",
      "      item 0",
      "        node double",
      "      item 1",
      "        node double",
      "  node count",
    ]);
    expect(named(spans(), "node double")[0]!.attributes["hypernodes.depth"]).toBe(1);
    expect(named(spans(), "nested batch")[0]!.attributes["hypernodes.depth"]).toBe(0);
  });

  it("a failing node: the error recorded at the node and each nested level, every span ended", async () => {
    const { telemetry, spans, open } = setup();
    const boom = node(
      (doubled: number) => {
        if (doubled > 2) throw new Error("too big");
        return doubled;
      },
      { outputName: "checked", name: "boom" },
    );
    const inner = new Pipeline({ nodes: [double, boom], name: "inner" });
    const outer = new Pipeline({ nodes: [inner.asNode({ mapOver: "x", name: "batch" })], callbacks: [telemetry], name: "outer" });
    await expect(outer.run({ x: [1, 2, 3] })).rejects.toThrow("too big");
    expect(open.count).toBe(0);
    expect(tree(spans())).toEqual([
      "pipeline outer",
      "  nested batch",
      "    map batch",
      "      item 0",
      "        node double",
      "        node boom",
      "      item 1",
      "        node double",
      "        node boom",
    ]);
    const errored = spans().filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(errored.map((s) => s.name)).toEqual(["node boom", "item 1", "map batch", "nested batch", "pipeline outer"]);
    expect(errored[0]!.status.message).toBe("too big");
    const exceptions = (name: string) => named(spans(), name).flatMap((s) => s.events.filter((e) => e.name === "exception"));
    expect(exceptions("node boom")).toHaveLength(1);
    expect(exceptions("node boom")[0]!.attributes!["exception.message"]).toBe("too big");
    expect(exceptions("nested batch")).toHaveLength(1);
  });

  it("a failing top-level map ends its item, map and pipeline spans", async () => {
    const { telemetry, spans, open } = setup();
    const fails = node(
      (x: number) => {
        throw new Error(`no ${x}`);
      },
      { outputName: "y", name: "fails" },
    );
    const p = new Pipeline({ nodes: [fails], callbacks: [telemetry], name: "m" });
    await expect(p.map({ x: [1, 2] }, { mapOver: "x" })).rejects.toThrow("no 1");
    expect(open.count).toBe(0);
    expect(tree(spans())).toEqual(["pipeline m", "  map m", "    item 0", "      node fails"]);
    expect(spans().every((s) => s.status.code === SpanStatusCode.ERROR)).toBe(true);
    expect(telemetry.summary()).toMatch(/^map 'm' \(2 items\): [\d.]+ ms wall \(failed\)/);
  });

  it("interleaved items (a concurrent engine): nodes go under the map span while several items are open", () => {
    const { telemetry, spans, open } = setup();
    const ctx = new CallbackContext("c");
    telemetry.onPipelineStart("c", {}, ctx);
    telemetry.onMapStart(2, ctx);
    telemetry.onMapItemStart(0, ctx);
    telemetry.onMapItemStart(1, ctx);
    telemetry.onNodeStart("double", {}, ctx);
    telemetry.onNodeStart("double", {}, ctx);
    telemetry.onNodeEnd("double", {}, 1, ctx);
    telemetry.onMapItemEnd(0, 1, ctx);
    telemetry.onNodeStart("addOne", {}, ctx); // only item 1 is open now
    telemetry.onNodeEnd("addOne", {}, 1, ctx);
    telemetry.onNodeEnd("double", {}, 1, ctx);
    telemetry.onMapItemEnd(1, 1, ctx);
    telemetry.onMapEnd(2, ctx);
    telemetry.onPipelineEnd("c", [], 2, ctx);
    expect(open.count).toBe(0);
    expect(tree(spans())).toEqual(["pipeline c", "  map c", "    node double", "    item 0", "    node double", "    item 1", "      node addOne"]);
  });
});

describe("TelemetryCallback summary", () => {
  it("lists each node with its count, hits, times and a bar, longest total first", async () => {
    const { telemetry } = setup();
    expect(telemetry.summary()).toBe("TelemetryCallback: no call recorded yet");
    const slow = node(
      (doubled: number) => {
        const until = performance.now() + 5;
        while (performance.now() < until);
        return doubled + 1;
      },
      { outputName: "result", name: "slow" },
    );
    const p = new Pipeline({ nodes: [double, slow], callbacks: [telemetry], cache: new MemoryCache(), name: "calc" });
    await p.map({ x: [1, 2] }, { mapOver: "x" });
    await p.map({ x: [1, 2, 3] }, { mapOver: "x" });
    const lines = telemetry.summary().split("\n");
    expect(lines[0]).toMatch(/^map 'calc' \(3 items\): [\d.]+ ms wall$/);
    expect(lines[1]).toMatch(/^node\s+count\s+cache hits\s+total ms\s+mean ms$/);
    expect(lines[2]).toMatch(/^slow\s+1\s+2\s+[\d.]+\s+[\d.]+\s+█{24}$/);
    expect(lines[3]).toMatch(/^double\s+1\s+2\s+[\d.]+\s+[\d.]+\s+█{0,3}$/);
    expect(lines).toHaveLength(4);
  });

  it("is a notebook MIME bundle: the timeline, and HTML and text waterfalls with the totals below", async () => {
    const { telemetry } = setup();
    expect(telemetry.summaryMimeBundle()).toEqual({ "text/plain": "TelemetryCallback: no call recorded yet", "text/html": "<p>TelemetryCallback: no call recorded yet</p>" });
    const p = new Pipeline({ nodes: [double, addOne], callbacks: [telemetry], name: "calc" });
    await p.run({ x: 1 });
    const bundle = telemetry.summaryMimeBundle();
    expect(bundle[TELEMETRY_MIME_TYPE]).toEqual(telemetry.timeline());
    const [header, ...table] = telemetry.summary().split("\n");
    const text = bundle["text/plain"].split("\n");
    expect(text[0]).toBe(header);
    expect(text.slice(-table.length)).toEqual(table);
    expect(text.slice(3, 6).map((line) => line.trim().split(" ")[0])).toEqual(["pipeline", "double", "addOne"]);
    expect(bundle["text/html"]).toMatch(/^<div .*>double<\/td>.*<table .*<td[^>]*>double<\/td>.*<div style="background:[^"]*width:[\d.]+%"><\/div>.*<\/table><\/div>$/s);
    const viaSymbol = (telemetry as unknown as Record<symbol, () => unknown>)[Symbol.for("jupyter.mimebundle")]!();
    expect(viaSymbol).toEqual(bundle);
  });
});

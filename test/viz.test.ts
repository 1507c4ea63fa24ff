import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { pathToFileURL } from "node:url";
import { inflateSync } from "node:zlib";
import { Graphviz } from "@hpcc-js/wasm-graphviz";
import { afterAll, describe, expect, it } from "vitest";
import { CallbackError, HyperNodesError, MemoryCache, node, Pipeline } from "hypernodes";
import { DagStatusCallback } from "../src/observe/dag-status.js";
import { DAG_MIME_TYPE, JUPYTER_MIMEBUNDLE, renderSvg, visualize, type Visualization } from "../src/viz/viz.js";
import { resolveOptions, type NodeStatus, type VizModel, type VizOptions } from "../src/viz/viz-model.js";
import { expandedToDepth, viewModel } from "../src/viz/viz-view.js";
import { legendEntries, modelToDot, type LegendEntry } from "../src/viz/viz-dot.js";

const ARTIFACTS = new URL("../test-artifacts/viz/", import.meta.url);
mkdirSync(ARTIFACTS, { recursive: true });

/**
 * Node, edge and cluster statements of our DOT (one statement per line). Top to bottom, a cluster's
 * title is a node placed by invisible edges: those are layout, counted apart (`titles`).
 */
function parseDot(dot: string) {
  const nodes: string[] = [];
  const edges: string[] = [];
  const clusters: string[] = [];
  const titles: string[] = [];
  for (const line of dot.split("\n")) {
    let m: RegExpExecArray | null;
    if ((m = /^\s*subgraph "([^"]+)" \{$/.exec(line))) clusters.push(m[1]!);
    else if (line.includes("[style=invis]")) continue;
    else if ((m = /^\s*"([^"]+)" -> "([^"]+)"/.exec(line))) edges.push(`${m[1]} -> ${m[2]}`);
    else if ((m = /^\s*"([^"]+__title)" \[/.exec(line))) titles.push(m[1]!);
    else if ((m = /^\s*"([^"]+)" \[/.exec(line))) nodes.push(m[1]!);
  }
  return { nodes, edges, clusters, titles };
}

/** The text Graphviz drew, entities decoded. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!
      .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
      .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/&nbsp;/g, "\u00a0")
      .replace(/&amp;/g, "&"),
  );
}

const sorted = (xs: string[]) => [...xs].sort();

/** The text of an edge's label in the DOT, if it has one. */
function edgeLabel(dot: string, from: string, to: string): string | undefined {
  const line = dot.split("\n").find((l) => l.trimStart().startsWith(`"${from}" -> "${to}"`));
  return line?.match(/<TD>(.*)<\/TD>/)?.[1];
}

interface Expected {
  nodes: string[];
  edges: string[];
  clusters?: string[];
}

/**
 * Asserts the drawn graph is exactly the expected one: each node, edge and cluster once, no ghost
 * node, no edge to nothing, no disconnected node, no raw ids; the text is stable; Graphviz renders
 * it with the same counts. Writes the DOT and SVG to test-artifacts/viz/.
 */
async function check(name: string, make: () => Visualization, expected: Expected) {
  const viz = make();
  const dot = viz.toDot();
  const { nodes, edges, clusters, titles } = parseDot(dot);
  expect(sorted(nodes)).toEqual(sorted(expected.nodes));
  // Top to bottom, every cluster has its title node.
  expect(sorted(titles)).toEqual(viz.options.orient === "TB" ? sorted(clusters.map((c) => `${c}__title`)) : []);
  expect(sorted(edges)).toEqual(sorted(expected.edges));
  expect(sorted(clusters)).toEqual(sorted(expected.clusters ?? []));
  expect(new Set(edges).size).toBe(edges.length);
  const connected = new Set(edges.flatMap((e) => e.split(" -> ")));
  for (const id of connected) expect(nodes).toContain(id);
  for (const id of nodes) expect(connected, `${id} is disconnected`).toContain(id);
  for (const id of [...nodes, ...clusters]) {
    expect(id).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    expect(id).not.toMatch(/0x[0-9a-f]|[0-9a-f]{8,}|\d{4,}/i);
  }
  expect(sorted(viz.model.nodes.filter((n) => !n.expanded).map((n) => n.id))).toEqual(sorted(nodes));
  expect(make().toDot()).toBe(dot);

  const svg = await viz.toSvg();
  writeFileSync(new URL(`${name}.dot`, ARTIFACTS), dot);
  writeFileSync(new URL(`${name}.svg`, ARTIFACTS), svg);
  expect(svg.match(/class="node"/g)?.length ?? 0).toBe(nodes.length + titles.length);
  expect(svg.match(/class="edge"/g)?.length ?? 0).toBe(edges.length);
  expect(svg.match(/class="cluster"/g)?.length ?? 0).toBe(clusters.length);
  // Every name is drawn as written (a broken HTML label would draw nothing).
  const texts = svgTexts(svg);
  for (const n of viz.model.nodes) {
    for (const line of n.name.split("\n"))
      expect(
        texts.some((t) => t.includes(line)),
        `label of ${n.id}`,
      ).toBe(true);
  }
  return { dot, svg, viz };
}

function diamond(callbacks: DagStatusCallback[] = []) {
  const start = node((x: number) => x + 1, { outputName: "a", name: "start" });
  const left = node((a: number) => a * 2, { outputName: "b", name: "left" });
  const right = node((a: number) => a * 3, { outputName: "c", name: "right" });
  const join = node((b: number, c: number) => b + c, { outputName: "d", name: "join" });
  return new Pipeline({ nodes: [start, left, right, join], name: "diamond", callbacks, cache: new MemoryCache() });
}

/** path -> load -> analyze[ clean(lowercase bound) -> tokenizer[ tokenize -> count ] ] -> report */
function nested() {
  const tokenize = node((text: string) => text.split(" "), { outputName: "tokens", name: "tokenize" });
  const count = node((tokens: string[]) => tokens.length, { outputName: "n_tokens", name: "count" });
  const tokenizer = new Pipeline({ nodes: [tokenize, count], name: "tokenizer" });
  const clean = node((raw: string, lowercase: boolean) => (lowercase ? raw.toLowerCase() : raw), {
    outputName: "text",
    name: "clean",
  });
  const analyze = new Pipeline({ nodes: [clean, tokenizer.asNode()], name: "analyze" }).bind({ lowercase: true });
  const load = node((path: string) => `Text of ${path}`, { outputName: "raw", name: "load" });
  const report = node((n_tokens: number) => `${n_tokens} tokens`, { outputName: "report", name: "report" });
  return new Pipeline({ nodes: [load, analyze.asNode(), report], name: "outer" });
}

/** folder -> listDocs -> summarizer (map over documents, renamed in and out) -> publish */
function mappedDocs(callbacks: DagStatusCallback[] = [], failOn?: string) {
  const cleanDoc = node(
    (passage: string) => {
      if (passage === failOn) throw new Error(`cannot clean ${passage}`);
      return passage.trim().toLowerCase();
    },
    { outputName: "cleaned", name: "clean" },
  );
  const summarize = node((cleaned: string) => cleaned.slice(0, 3), { outputName: "summary", name: "summarize" });
  const docs = new Pipeline({ nodes: [cleanDoc, summarize], name: "docs" });
  const listDocs = node((folder: string[]) => folder, { outputName: "documents", name: "listDocs" });
  const summarizer = docs.asNode({
    name: "summarizer",
    inputMapping: { documents: "passage" },
    outputMapping: { summary: "summaries" },
    mapOver: "documents",
  });
  const publish = node((summaries: string[]) => summaries.join("|"), { outputName: "published", name: "publish" });
  return new Pipeline({ nodes: [listDocs, summarizer, publish], name: "mapped", callbacks, cache: new MemoryCache() });
}

describe("visualize: DOT and SVG of representative pipelines", () => {
  it("a diamond", async () => {
    const { dot } = await check("diamond", () => visualize(diamond()), {
      nodes: ["in_x", "fn_start", "fn_left", "fn_right", "fn_join"],
      edges: ["in_x -> fn_start", "fn_start -> fn_left", "fn_start -> fn_right", "fn_left -> fn_join", "fn_right -> fn_join"],
    });
    expect(dot).not.toContain("label=<<TABLE"); // no mapping, no edge label
  });

  function multiOutput() {
    const stats = node((values: number[]) => [Math.min(...values), Math.max(...values)], {
      outputName: ["lo", "hi"],
      name: "stats",
    });
    const range = node((lo: number, hi: number) => hi - lo, { outputName: "span", name: "range" });
    const scale = node((hi: number) => hi * 2, { outputName: "big", name: "scale" });
    return new Pipeline({ nodes: [stats, range, scale] });
  }

  it("multiple outputs: one edge per consumer, the outputs listed on the node", async () => {
    const { dot } = await check("multi-output", () => visualize(multiOutput()), {
      nodes: ["in_values", "fn_stats", "fn_range", "fn_scale"],
      edges: ["in_values -> fn_stats", "fn_stats -> fn_range", "fn_stats -> fn_scale"],
    });
    expect(dot).toContain("→ lo, hi");
  });

  it("multiple outputs with separateOutputs: each output its own node", async () => {
    await check("multi-output-separate", () => visualize(multiOutput(), { separateOutputs: true, orient: "LR" }), {
      nodes: ["in_values", "fn_stats", "fn_range", "fn_scale", "out_lo", "out_hi", "out_span", "out_big"],
      edges: [
        "in_values -> fn_stats",
        "fn_stats -> out_lo",
        "fn_stats -> out_hi",
        "out_lo -> fn_range",
        "out_hi -> fn_range",
        "out_hi -> fn_scale",
        "fn_range -> out_span",
        "fn_scale -> out_big",
      ],
    });
  });

  it("bound inputs show their value (dashed), optional ones their default (lighter)", async () => {
    const scale = node((x: number, factor: number, offset = 10) => x * factor + offset, { outputName: "scaled", name: "scale" });
    const describeIt = node((scaled: number, config: object) => `${scaled} ${JSON.stringify(config)}`, {
      outputName: "text",
      name: "describe",
    });
    const make = () =>
      visualize(
        new Pipeline({ nodes: [scale, describeIt] }).bind({ factor: 3, config: { mode: "fast", notes: "n".repeat(200) } }),
        { showTypes: true },
      );
    const { dot, viz } = await check("bound-optional", make, {
      nodes: ["in_x", "in_factor", "in_offset", "in_config", "fn_scale", "fn_describe"],
      edges: [
        "in_x -> fn_scale",
        "in_factor -> fn_scale",
        "in_offset -> fn_scale",
        "fn_scale -> fn_describe",
        "in_config -> fn_describe",
      ],
    });
    const byId = Object.fromEntries(viz.model.nodes.map((n) => [n.id, n]));
    expect(byId.in_factor).toMatchObject({ kind: "input", bound: "3", type: "number" });
    expect(byId.in_offset).toMatchObject({ kind: "input", optional: true, default: "10" });
    expect(byId.in_x!.bound).toBeUndefined();
    expect(byId.in_config!.bound!.length).toBeLessThanOrEqual(32);
    expect(byId.in_config!.type).toBe("Object");
    const line = (id: string) => dot.split("\n").find((l) => l.trimStart().startsWith(`"${id}" [`))!;
    expect(line("in_factor")).toContain('style="filled,dashed"');
    expect(line("in_factor")).toContain("factor: number");
    expect(line("in_offset")).toContain("default 10");
    expect(line("in_offset")).not.toContain("dashed");
    expect(line("in_x")).toContain("style=filled");
  });

  it("nested at depth 1: a nested pipeline is one node", async () => {
    await check("nested-depth1", () => visualize(nested(), { depth: 1 }), {
      nodes: ["in_path", "fn_load", "pl_analyze", "fn_report"],
      edges: ["in_path -> fn_load", "fn_load -> pl_analyze", "pl_analyze -> fn_report"],
    });
  });

  it("nested at depth 2: one level expanded into a cluster, with its bound input inside", async () => {
    await check("nested-depth2", () => visualize(nested(), { depth: 2 }), {
      nodes: ["in_path", "fn_load", "in_analyze__lowercase", "fn_analyze__clean", "pl_analyze__tokenizer", "fn_report"],
      edges: [
        "in_path -> fn_load",
        "fn_load -> fn_analyze__clean",
        "in_analyze__lowercase -> fn_analyze__clean",
        "fn_analyze__clean -> pl_analyze__tokenizer",
        "pl_analyze__tokenizer -> fn_report",
      ],
      clusters: ["cluster_analyze"],
    });
  });

  it("nested at depth Infinity: every level expanded", async () => {
    const { svg, viz } = await check("nested-depth-inf", () => visualize(nested(), { depth: Infinity }), {
      nodes: [
        "in_path",
        "fn_load",
        "in_analyze__lowercase",
        "fn_analyze__clean",
        "fn_analyze__tokenizer__tokenize",
        "fn_analyze__tokenizer__count",
        "fn_report",
      ],
      edges: [
        "in_path -> fn_load",
        "fn_load -> fn_analyze__clean",
        "in_analyze__lowercase -> fn_analyze__clean",
        "fn_analyze__clean -> fn_analyze__tokenizer__tokenize",
        "fn_analyze__tokenizer__tokenize -> fn_analyze__tokenizer__count",
        "fn_analyze__tokenizer__count -> fn_report",
      ],
      clusters: ["cluster_analyze", "cluster_analyze__tokenizer"],
    });
    // Top to bottom, a cluster's title is a node, which edges are routed around.
    expect(svg).toMatch(/<title>cluster_analyze__tokenizer__title<\/title>\n(?:<[^\n]*\n)*?<text[^>]*>tokenizer<\/text>/);
    // Left to right, cluster titles are drawn last, over the edges that enter the clusters.
    const lr = await visualize(nested(), { depth: Infinity, orient: "LR" }).toSvg();
    expect(lr).not.toContain("__title");
    expect(lr.lastIndexOf('class="edge"')).toBeLessThan(lr.indexOf(">tokenizer</text>", lr.indexOf('class="cluster"')));
    const count = viz.model.nodes.find((n) => n.id === "fn_analyze__tokenizer__count")!;
    expect(count).toMatchObject({ path: ["analyze", "tokenizer", "count"], parent: "pl_analyze__tokenizer" });
  });

  it("nested with mapOver and renaming mappings, collapsed: labelled edges and the map on the node", async () => {
    const { dot } = await check("nested-mapover-depth1", () => visualize(mappedDocs()), {
      nodes: ["in_folder", "fn_listDocs", "pl_summarizer", "fn_publish"],
      edges: ["in_folder -> fn_listDocs", "fn_listDocs -> pl_summarizer", "pl_summarizer -> fn_publish"],
    });
    expect(edgeLabel(dot, "fn_listDocs", "pl_summarizer")).toBe("documents → passage");
    expect(edgeLabel(dot, "pl_summarizer", "fn_publish")).toBe("summary → summaries");
    expect(dot).toContain("map over documents");
  });

  it("nested with mapOver and renaming mappings, expanded: the renames label the edges across the cluster", async () => {
    const { dot, viz } = await check("nested-mapover-depth2", () => visualize(mappedDocs(), { depth: 2, orient: "LR" }), {
      nodes: ["in_folder", "fn_listDocs", "fn_summarizer__clean", "fn_summarizer__summarize", "fn_publish"],
      edges: [
        "in_folder -> fn_listDocs",
        "fn_listDocs -> fn_summarizer__clean",
        "fn_summarizer__clean -> fn_summarizer__summarize",
        "fn_summarizer__summarize -> fn_publish",
      ],
      clusters: ["cluster_summarizer"],
    });
    expect(edgeLabel(dot, "fn_listDocs", "fn_summarizer__clean")).toBe("documents → passage");
    expect(edgeLabel(dot, "fn_summarizer__summarize", "fn_publish")).toBe("summary → summaries");
    expect(viz.model.nodes.find((n) => n.id === "pl_summarizer")).toMatchObject({
      expanded: true,
      mapOver: ["documents"],
      mapMode: "zip",
    });
  });

  it("odd names (quotes, <>, &, backslashes, newlines, unicode) are escaped, ids sanitized and deduplicated", async () => {
    const weird = 'say "hi" <b>&amp; \\ café ✓\nsecond line';
    const first = node((x: number) => x, { name: weird, outputName: 'out "1" <x>' });
    const second = node((v: unknown) => v, { inputs: ['out "1" <x>'], outputName: "final", name: "数据" });
    const dupA = node((final: unknown) => final, { outputName: "d1", name: "a-b" });
    const dupB = node((final: unknown) => final, { outputName: "d2", name: "a_b" });
    const make = () =>
      visualize(new Pipeline({ nodes: [first, second, dupA, dupB], name: 'odd "pipeline"' }), { separateOutputs: true });
    const { dot } = await check("odd-names", make, {
      nodes: [
        "in_x",
        "fn_say__hi___b__amp____caf____second_line",
        "out_out__1___x_",
        "fn___",
        "out_final",
        "fn_a_b",
        "fn_a_b_2",
        "out_d1",
        "out_d2",
      ],
      edges: [
        "in_x -> fn_say__hi___b__amp____caf____second_line",
        "fn_say__hi___b__amp____caf____second_line -> out_out__1___x_",
        "out_out__1___x_ -> fn___",
        "fn___ -> out_final",
        "out_final -> fn_a_b",
        "out_final -> fn_a_b_2",
        "fn_a_b -> out_d1",
        "fn_a_b_2 -> out_d2",
      ],
    });
    expect(dot).toContain("say &quot;hi&quot; &lt;b&gt;&amp;amp; \\ café ✓<BR/>second line");
    expect(dot.startsWith('digraph "odd__pipeline_" {')).toBe(true);
  });

  it("options: orient sets rankdir, the dark theme its colours, bad values throw", async () => {
    const p = diamond();
    expect(visualize(p, { orient: "LR" }).toDot()).toContain("rankdir=LR");
    const dark = await check("diamond-dark", () => visualize(p, { theme: "dark", orient: "BT" }), {
      nodes: ["in_x", "fn_start", "fn_left", "fn_right", "fn_join"],
      edges: ["in_x -> fn_start", "fn_start -> fn_left", "fn_start -> fn_right", "fn_left -> fn_join", "fn_right -> fn_join"],
    });
    expect(dark.dot).toContain('bgcolor="#111111"');
    expect(visualize(p).toDot()).toContain('bgcolor="#ffffff"');
    expect(visualize(p, { depth: undefined, orient: undefined }).toDot()).toBe(visualize(p).toDot());
    for (const bad of [{ depth: 0 }, { depth: 1.5 }, { orient: "XY" }, { theme: "blue" }] as VizOptions[]) {
      expect(() => visualize(p, bad)).toThrow(/visualize: /);
    }
  });

  it("showTypes shows what is known (async), nothing invented", () => {
    const fetchIt = node(async (url: string) => url.length, { outputName: "size", name: "fetch" });
    const p = new Pipeline({ nodes: [fetchIt] });
    expect(visualize(p, { showTypes: true }).toDot()).toContain("<I>async</I>");
    expect(visualize(p).toDot()).not.toContain("async");
    expect(visualize(p).model.nodes.find((n) => n.id === "fn_fetch")!.async).toBe(true);
  });

  it("a MIME bundle for notebooks: our JSON, SVG and text", async () => {
    const viz = visualize(diamond());
    const bundle = await viz.mimeBundle();
    expect(Object.keys(bundle).sort()).toEqual([DAG_MIME_TYPE, "image/svg+xml", "text/plain"].sort());
    expect(bundle[DAG_MIME_TYPE]).toEqual({
      model: viz.model,
      dot: viz.toDot(),
      status: null,
      full: viz.full,
      expanded: [],
      options: { orient: "TB", separateOutputs: false, showTypes: false, theme: "light", showLegend: false },
    });
    expect(JSON.parse(JSON.stringify(bundle[DAG_MIME_TYPE].model))).toEqual(viz.model);
    expect(bundle["image/svg+xml"]).toContain("<svg");
    expect(bundle["text/plain"]).toBe("DAG of 'diamond': 4 nodes, 1 input");
    expect(JUPYTER_MIMEBUNDLE).toBe(Symbol.for("jupyter.mimebundle"));
    await expect(viz[JUPYTER_MIMEBUNDLE]()).resolves.toEqual(bundle);
  });
});

describe("viewModel: what a reader expands or collapses, redrawn from the full model", () => {
  const ids = (model: VizModel) => ({
    nodes: sorted(model.nodes.map((n) => n.id)),
    edges: sorted(model.edges.map((e) => `${e.from} -> ${e.to}${e.label ? ` [${e.label}]` : ""}`)),
  });

  it("collapsing the full model to a depth gives the same view as visualizing at that depth", () => {
    const full = visualize(nested(), { depth: Infinity }).full;
    for (const depth of [1, 2, 3]) {
      expect(ids(viewModel(full, expandedToDepth(depth))), `depth ${depth}`).toEqual(ids(visualize(nested(), { depth }).model));
    }
    const docs = visualize(mappedDocs(), { depth: 2 });
    expect(ids(viewModel(docs.full, expandedToDepth(1)))).toEqual(ids(visualize(mappedDocs()).model));
  });

  it("expands one inner pipeline and not its parent's siblings; ids stay the same across views", () => {
    const full = visualize(nested()).full;
    const onlyInner = viewModel(full, (p) => p.id === "pl_analyze" || p.id === "pl_analyze__tokenizer");
    expect(onlyInner.nodes.filter((n) => n.expanded).map((n) => n.id)).toEqual(["pl_analyze", "pl_analyze__tokenizer"]);
    // An inner pipeline cannot show while its parent is collapsed.
    const innerOnly = viewModel(full, (p) => p.id === "pl_analyze__tokenizer");
    expect(ids(innerOnly)).toEqual(ids(viewModel(full, expandedToDepth(1))));
    // The DOT names a cluster after its pipeline node.
    expect(modelToDot(onlyInner, resolveOptions())).toContain('subgraph "cluster_analyze__tokenizer"');
  });

  it("a collapsed pipeline keeps the status of its id", () => {
    const viz = visualize(nested(), { depth: 2 });
    viz.status = { state: "running", nodes: { pl_analyze__tokenizer: { state: "running" } } };
    expect(viewModel(viz.full, expandedToDepth(1)).status).toBe(viz.full.status);
    expect(viz.model.status).toBe(viz.full.status);
    expect(viz.toDot()).toMatch(/"pl_analyze__tokenizer" \[[^\n]*penwidth=2.4/);
  });
});

describe("DagStatusCallback: the run-status overlay", () => {
  // Durations vary: tests that compare whole statuses leave them out.
  /** A node's state and counts, without what differs from run to run (duration) or is tested apart (types). */
  const withoutMs = (status: NodeStatus | undefined) => {
    const { ms: _, types: __, ...rest } = status!;
    return rest;
  };

  const statesOf = (status: DagStatusCallback) =>
    Object.fromEntries(Object.entries(status.visualization.model.status!.nodes).map(([id, s]) => [id, s.state]));

  it("follows a run: done, then cached on a re-run, with a final notification", async () => {
    const status = new DagStatusCallback();
    const p = diamond([status]);
    status.track(p);
    expect(status.visualization.model.status!.state).toBe("idle");
    const seen: string[] = [];
    status.onChange((viz) => seen.push(viz.model.status!.state));
    await p.run({ x: 1 });
    expect(statesOf(status)).toEqual({ fn_start: "done", fn_left: "done", fn_right: "done", fn_join: "done" });
    expect(seen.at(-1)).toBe("done");
    expect(status.visualization.toDot()).toContain('fillcolor="#dcfce7"');
    expect(status.visualization.model.status!.nodes.fn_start!.types).toEqual({ a: "number" });
    expect(status.visualization.full.nodes.find((n) => n.id === "fn_join")!.inputs).toEqual(["b", "c"]);
    // Every node shows its outputs; with showTypes, the types its last run returned.
    expect(status.visualization.toDot()).toMatch(/"fn_join" \[[^\n]*→ d</);
    const typed = new DagStatusCallback({ showTypes: true });
    const q = diamond([typed]);
    typed.track(q);
    await q.run({ x: 1 });
    expect(typed.visualization.toDot()).toContain("→ d: number");

    await p.run({ x: 1 });
    expect(statesOf(status)).toEqual({ fn_start: "cached", fn_left: "cached", fn_right: "cached", fn_join: "cached" });
    // What a hover tells: the start of the entry's signature, and the types the first run returned.
    expect(status.visualization.model.status!.nodes.fn_join!.signature).toMatch(/^[0-9a-f]{12}$/);
    const svg = await status.visualization.toSvg();
    writeFileSync(new URL("status-run-cached.svg", ARTIFACTS), svg);
  });

  it("counts map items per node: done and cached of the total", async () => {
    const status = new DagStatusCallback({ throttleMs: 0 });
    const p = diamond([status]);
    status.track(p);
    await p.map({ x: [1, 2] }, { mapOver: "x" });
    await p.map({ x: [1, 2, 3, 4, 5] }, { mapOver: "x" });
    const model = status.visualization.model;
    expect(model.status!.state).toBe("done");
    expect(model.status!.items).toEqual({ total: 5, done: 3, cached: 2, failed: 0 });
    for (const s of Object.values(model.status!.nodes)) {
      expect(withoutMs(s)).toEqual({ state: "done", items: { total: 5, done: 3, cached: 2, failed: 0 } });
    }
    expect(status.visualization.toDot()).toContain("5/5 · 2 cached");
    expect(status.visualization.toString()).toBe("DAG of 'diamond': 4 nodes, 1 input (done, 5/5 items)");
    writeFileSync(new URL("status-map.svg", ARTIFACTS), await status.visualization.toSvg());
  });

  it("follows nested pipelines mapped over, and marks a cached nested pipeline's inner nodes cached", async () => {
    const status = new DagStatusCallback({ depth: 2 });
    const p = mappedDocs([status]);
    status.track(p);
    await p.run({ folder: [" A ", " Bb ", " Ccc "] });
    const nodes = status.visualization.model.status!.nodes;
    expect(withoutMs(nodes.fn_listDocs)).toEqual({ state: "done" });
    expect(nodes.fn_listDocs!.ms).toBeGreaterThanOrEqual(0);
    expect(nodes.pl_summarizer!.ms).toBeGreaterThanOrEqual(nodes.fn_summarizer__clean!.ms!);
    expect(withoutMs(nodes.pl_summarizer)).toEqual({ state: "done" });
    expect(withoutMs(nodes.fn_summarizer__clean)).toEqual({ state: "done", items: { total: 3, done: 3, cached: 0, failed: 0 } });
    expect(withoutMs(nodes.fn_summarizer__summarize)).toEqual({ state: "done", items: { total: 3, done: 3, cached: 0, failed: 0 } });
    expect(withoutMs(nodes.fn_publish)).toEqual({ state: "done" });
    writeFileSync(new URL("status-nested-map.svg", ARTIFACTS), await status.visualization.toSvg());

    await p.run({ folder: [" A ", " Bb ", " Ccc "] });
    expect(statesOf(status)).toEqual({
      fn_listDocs: "cached",
      pl_summarizer: "cached",
      fn_summarizer__clean: "cached",
      fn_summarizer__summarize: "cached",
      fn_publish: "cached",
    });
  });

  it("counts a nested pipeline's inner nodes per item of an outer map, cached ones included", async () => {
    const status = new DagStatusCallback({ depth: Infinity });
    const outer = nested();
    const p = new Pipeline({ nodes: outer.nodes, name: "outer", callbacks: [status], cache: new MemoryCache() });
    status.track(p);
    await p.map({ path: ["a", "b"] }, { mapOver: "path" });
    await p.map({ path: ["a", "b", "c", "d"] }, { mapOver: "path" });
    const nodes = status.visualization.model.status!.nodes;
    const counts = { total: 4, done: 2, cached: 2, failed: 0 };
    for (const id of [
      "fn_load",
      "pl_analyze",
      "fn_analyze__clean",
      "pl_analyze__tokenizer",
      "fn_analyze__tokenizer__count",
      "fn_report",
    ]) {
      expect(withoutMs(nodes[id]), id).toEqual({ state: "done", items: counts });
    }
    writeFileSync(new URL("status-nested-outer-map.svg", ARTIFACTS), await status.visualization.toSvg());
  });

  it("marks the failing node and the run failed, keeping the counts reached", async () => {
    const status = new DagStatusCallback({ depth: 2, theme: "dark" });
    const p = mappedDocs([status], " Bb ");
    status.track(p);
    const finals: string[] = [];
    status.onChange((viz) => finals.push(viz.model.status!.state));
    await expect(p.run({ folder: [" A ", " Bb ", " Ccc "] })).rejects.toThrow(/cannot clean/);
    const s = status.visualization.model.status!;
    expect(s.state).toBe("failed");
    expect(finals.at(-1)).toBe("failed");
    expect(withoutMs(s.nodes.fn_summarizer__clean)).toEqual({ state: "failed", items: { total: 3, done: 1, cached: 0, failed: 1 } });
    expect(withoutMs(s.nodes.fn_summarizer__summarize)).toEqual({ state: "done", items: { total: 3, done: 1, cached: 0, failed: 0 } });
    expect(s.nodes.pl_summarizer!.state).toBe("failed");
    expect(s.nodes.fn_publish!.state).toBe("pending");
    writeFileSync(new URL("status-failed-dark.svg", ARTIFACTS), await status.visualization.toSvg());
  });

  it("throttles notifications while an async run goes on, and always notifies its end", async () => {
    const status = new DagStatusCallback({ throttleMs: 40 });
    const sleep = node(async (x: number) => new Promise<number>((r) => setTimeout(() => r(x), 5)), {
      outputName: "slept",
      name: "sleep",
    });
    const p = new Pipeline({ nodes: [sleep], callbacks: [status] });
    status.track(p);
    const seen: string[] = [];
    let midRun: string | undefined;
    status.onChange((viz) => {
      seen.push(`${viz.model.status!.state} ${viz.model.status!.items?.done}`);
      if (viz.model.status!.state === "running" && viz.model.status!.items?.done) midRun ??= viz.toDot();
    });
    const started = performance.now();
    await p.map({ x: Array.from({ length: 40 }, (_, i) => i) }, { mapOver: "x" });
    const elapsed = performance.now() - started;
    // 40 items × 4 events would be 160+ notifications unthrottled.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(elapsed / 40) + 2);
    expect(seen.at(-1)).toBe("done 40");
    expect(midRun).toMatch(/\d+\/40/);
    writeFileSync(new URL("status-running.svg", ARTIFACTS), await renderSvg(midRun!));
  });

  it("a listener that throws only warns; an untracked callback fails the run naming track()", async () => {
    const status = new DagStatusCallback();
    const p = diamond([status]);
    await expect(p.run({ x: 1 })).rejects.toThrow(CallbackError);
    await expect(p.run({ x: 1 })).rejects.toThrow(/track\(pipeline\)/);
    status.track(p);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    status.onChange(() => {
      throw new Error("display gone");
    });
    await p.run({ x: 1 });
    await new Promise((r) => setTimeout(r, 10));
    process.off("warning", onWarning);
    expect(statesOf(status).fn_join).toBe("done");
    expect(warnings.some((w) => w.includes("display gone"))).toBe(true);
  });
});

describe("DagStatusCallback in a notebook", () => {
  it("draws each run as one output updated in place, ending in its final state", async () => {
    const shown: { bundle: Record<string, unknown>; options: { displayId?: string; update?: boolean } }[] = [];
    (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")] = {
      async display(value: unknown, options: { displayId?: string; update?: boolean } = {}) {
        const bundle = await (value as Record<symbol, () => Promise<Record<string, unknown>>>)[Symbol.for("jupyter.mimebundle")]!();
        shown.push({ bundle, options });
      },
    };
    try {
      const status = new DagStatusCallback({ throttleMs: 0 });
      const first = node((x: number) => x + 1, { outputName: "y", name: "first" });
      const pipeline = new Pipeline({ nodes: [first], callbacks: [status] });
      status.track(pipeline);
      await pipeline.run({ x: 1 });
      // Displays render their SVG asynchronously (the first one loads Graphviz): wait for the final one, the only one with an SVG.
      const final = () => shown.some((s) => "image/svg+xml" in s.bundle);
      for (let waited = 0; !final() && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    } finally {
      delete (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")];
    }
    expect(new Set(shown.map((s) => s.options.displayId)).size).toBe(1);
    expect(shown[0]!.options.update).toBe(false);
    expect(shown.at(-1)!.options.update).toBe(true);
    const last = shown.at(-1)!.bundle["application/vnd.hypernodes.dag+json"] as { status: { nodes: Record<string, { state: string }> } };
    expect(Object.values(last.status.nodes).map((n) => n.state)).toEqual(["done"]);
    expect(shown.at(-1)!.bundle["image/svg+xml"]).toMatch(/<svg/);
    // Updates while it runs carry no SVG: no Graphviz layout on the run's event loop.
    expect(shown.length).toBeGreaterThan(1);
    for (const { bundle } of shown.slice(0, -1)) expect(Object.keys(bundle).sort()).toEqual([DAG_MIME_TYPE, "text/plain"]);
  });
});

/** A PNG decoded: its size from IHDR, and its RGBA pixels (8-bit RGBA, non-interlaced, as resvg writes). */
function decodePng(png: Buffer) {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.toString("latin1", 12, 16)).toBe("IHDR");
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  expect([png[24], png[25], png[28]]).toEqual([8, 6, 0]); // 8 bits, RGBA, not interlaced
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString("latin1", at + 4, at + 8) === "IDAT") idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 4 ? pixels[y * stride + x - 4]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][filter]!;
      pixels[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  const hex = (i: number) => `#${pixels.subarray(i, i + 3).toString("hex")}`;
  /** How many pixels are exactly this colour (opaque). */
  const count = (color: string) => {
    let n = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] === 255 && hex(i) === color) n++;
    return n;
  };
  return { width, height, pixel: (x: number, y: number) => hex((y * width + x) * 4), count };
}

/** The SVG's natural size in CSS pixels, as a browser shows it (Graphviz writes points: 1 pt = 4/3 px). */
function svgSize(svg: string) {
  const [, w, h] = /<svg width="([\d.]+)pt" height="([\d.]+)pt"/.exec(svg)!;
  return { width: (Number(w) * 4) / 3, height: (Number(h) * 4) / 3 };
}

/** The legend's swatches in our DOT: label, fill, outline, dashed, double (two outlines). */
function legendInDot(dot: string): Omit<LegendEntry, "key" | "group" | "shape">[] {
  const label = /^ {2}label=<(.*)>;$/m.exec(dot)?.[1] ?? "";
  return [...label.matchAll(/<TD FIXEDSIZE="TRUE"[^>]*>(.*?)<\/TD><TD WIDTH="6"><\/TD><TD ALIGN="LEFT"><FONT[^>]*>([^<]*)<\/FONT>/g)].map(([, swatch, text]) => {
    const filled = /COLOR="(#\w+)" BGCOLOR="(#\w+)"/.exec(swatch!)!;
    const entry: Omit<LegendEntry, "key" | "group" | "shape"> = { label: text!, fill: filled[2]!, line: filled[1]! };
    if (swatch!.includes("dashed")) entry.dashed = true;
    if (swatch!.split("<TABLE").length - 1 === 2) entry.double = true;
    return entry;
  });
}

/** What each drawn node looks like in our DOT (cluster titles left out): shape, fill, outline, dashed, double. */
function drawnLooks(dot: string) {
  return dot
    .split("\n")
    .map((line) => /^\s*"((?:in|fn|pl|out)_[^"]*)" \[(.*?), label=/.exec(line))
    .filter((m) => m !== null && !m[1]!.endsWith("__title"))
    .map((m) => {
      const attrs = Object.fromEntries([...m![2]!.matchAll(/(\w+)=("[^"]*"|[^,]+)/g)].map(([, k, v]) => [k, v!.replace(/^"|"$/g, "")]));
      return { id: m![1]!, shape: attrs.shape!, fill: attrs.fillcolor!, line: attrs.color!, dashed: attrs.style!.includes("dashed"), double: attrs.peripheries === "2" };
    });
}

/** Node positions relative to the first node, from Graphviz's plain output: the layout itself, wherever it is placed. */
async function layoutOf(dot: string): Promise<Record<string, [number, number]>> {
  const plain = (await Graphviz.load()).dot(dot, "plain");
  const nodes = plain.split("\n").filter((l) => l.startsWith("node ")).map((l) => l.split(" "));
  const [x0, y0] = [Number(nodes[0]![2]), Number(nodes[0]![3])];
  // (In inches, to 0.001: the subtraction leaves float noise.)
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return Object.fromEntries(nodes.map((n) => [n[1]!, [round(Number(n[2]) - x0), round(Number(n[3]) - y0)] as [number, number]]));
}

/** A pipeline with every kind of node a legend names: bound, optional and plain inputs, functions, a nested pipeline. */
function everyKind(callbacks: DagStatusCallback[] = [], failOn?: string) {
  const inner = new Pipeline({ nodes: [node((text: string) => text.length, { outputName: "size", name: "measure" })], name: "inner" });
  const load = node(
    (path: string, encoding = "utf8") => {
      if (path === failOn) throw new Error(`cannot read ${path}`);
      return `${path} in ${encoding}`;
    },
    { outputName: "text", name: "load" },
  );
  const report = node((size: number, unit: string) => `${size} ${unit}`, { outputName: "report", name: "report" });
  return new Pipeline({ nodes: [load, inner.asNode({ name: "inner" }), report], name: "kinds", callbacks, cache: new MemoryCache() }).bind({ unit: "chars" });
}

describe("viz.save: SVG, PNG and DOT files; showLegend", () => {
  const dir = mkdtempSync(join(tmpdir(), "hypernodes-viz-save-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the SVG toSvg() draws, creating missing folders, and resolves to the absolute path", async () => {
    const viz = visualize(nested(), { depth: 2 });
    const written = await viz.save(join(dir, "new", "folder", "dag.svg"));
    expect(written).toBe(join(dir, "new", "folder", "dag.svg"));
    expect(readFileSync(written, "utf8")).toBe(await viz.toSvg());
    // A relative path is resolved against the working directory; a file URL works too.
    const relative = join(dir, "relative.svg").slice(process.cwd().length + 1);
    if (join(dir, "relative.svg").startsWith(process.cwd())) expect(await viz.save(relative)).toBe(join(dir, "relative.svg"));
    const fromUrl = await viz.save(pathToFileURL(join(dir, "url.svg")));
    expect(isAbsolute(fromUrl) && readFileSync(fromUrl, "utf8")).toBe(await viz.toSvg());
  });

  it("writes DOT text for .dot, whatever the extension's case", async () => {
    const viz = visualize(diamond(), { orient: "LR" });
    expect(readFileSync(await viz.save(join(dir, "dag.dot")), "utf8")).toBe(viz.toDot());
    expect(readFileSync(await viz.save(join(dir, "DAG.DOT")), "utf8")).toBe(viz.toDot());
  });

  it("rasterises the SVG to a real PNG at 2× (or `scale`), on the theme's background, labels drawn", async () => {
    for (const theme of ["light", "dark"] as const) {
      const viz = visualize(diamond(), { theme });
      const { width, height } = svgSize(await viz.toSvg());
      const png = decodePng(readFileSync(await viz.save(join(dir, `diamond-${theme}.png`))));
      expect(Math.abs(png.width - 2 * width)).toBeLessThanOrEqual(1);
      expect(Math.abs(png.height - 2 * height)).toBeLessThanOrEqual(1);
      // The corners are the drawing's background (dark stays dark, so its light text reads).
      const background = theme === "dark" ? "#111111" : "#ffffff";
      for (const [x, y] of [[0, 0], [png.width - 1, png.height - 1]] as const) expect(png.pixel(x, y)).toBe(background);
      // Labels are drawn in the text colour (no system font: no text, and none of these pixels).
      expect(png.count(theme === "dark" ? "#f1f5f9" : "#0f172a")).toBeGreaterThan(100);
      writeFileSync(new URL(`diamond-${theme}.png`, ARTIFACTS), readFileSync(join(dir, `diamond-${theme}.png`)));
    }
    const viz = visualize(diamond());
    const { width } = svgSize(await viz.toSvg());
    const bigger = decodePng(readFileSync(await viz.save(join(dir, "diamond-3x.png"), { scale: 3 })));
    expect(Math.abs(bigger.width - 3 * width)).toBeLessThanOrEqual(1);
  });

  it("refuses any other extension, naming it and the supported ones, before writing anything", async () => {
    const viz = visualize(diamond());
    for (const name of ["dag.jpg", join("missing", "dag.pdf"), "dag"]) {
      const path = join(dir, "refused", name);
      const error = await viz.save(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HyperNodesError);
      const ext = name.includes(".") ? name.slice(name.lastIndexOf(".")) : undefined;
      expect((error as Error).message).toMatch(ext ? `unknown extension "${ext}"` : "no extension");
      expect((error as Error).message).toContain("use .svg, .png, .dot");
    }
    expect(existsSync(join(dir, "refused"))).toBe(false);
    await expect(viz.save(join(dir, "x.png"), { scale: 0 })).rejects.toThrow("viz.save: option scale must be a number greater than 0, got 0");
    await expect(viz.save(join(dir, "x.png"), { dpi: 300 } as never)).rejects.toThrow("viz.save: unknown option 'dpi'");
    expect(existsSync(join(dir, "x.png"))).toBe(false);
  });

  it("draws a legend in DOT and SVG only with showLegend, leaving the DAG's layout as it was", async () => {
    const plain = visualize(everyKind(), { depth: 2 });
    const legend = visualize(everyKind(), { depth: 2, showLegend: true });
    expect(plain.toDot()).not.toContain("legend");
    expect(legendInDot(plain.toDot())).toEqual([]);
    expect(legend.toDot()).toContain("<B>legend</B>");
    // The DOT without the legend is the DOT with it, less the label's lines.
    expect(legend.toDot().replace(/^ {2}label=<.*>;\n {2}labelloc=b;\n {2}labeljust=l;\n/m, "")).toBe(plain.toDot());
    expect(await layoutOf(legend.toDot())).toEqual(await layoutOf(plain.toDot()));
    const [withLegend, without] = [svgTexts(await legend.toSvg()), svgTexts(await plain.toSvg())];
    for (const e of legendEntries("light", legend.model)) expect(withLegend).toContain(e.label);
    expect(withLegend).toContain("legend");
    expect(without).not.toContain("legend");
    expect(without).not.toContain("function");
    expect(legend.mimeData().options.showLegend).toBe(true);
    expect(() => visualize(diamond(), { showLegend: "yes" as never })).toThrow("visualize: option showLegend must be true or false");
    writeFileSync(new URL("legend-light.svg", ARTIFACTS), await legend.toSvg());
  });

  it("lists what is drawn, drawn as it is: every look explained, nothing else", async () => {
    const looks = (dot: string) => drawnLooks(dot).map(({ fill, line, dashed, double }) => ({ fill, line, dashed, double }));
    const states = ["running", "done", "cached", "failed"];
    const key = (l: { fill: string; line: string; dashed?: boolean; double?: boolean }) => `${l.fill} ${l.line} ${!!l.dashed} ${!!l.double}`;
    // A nested pipeline in a state keeps its double outline in the state's colours.
    const single = (look: string) => look.replace(/ true$/, " false");
    const check = (viz: Visualization, labels: string[]) => {
      const dot = viz.toDot();
      const legend = legendInDot(dot);
      expect(legend.map((e) => e.label)).toEqual(labels);
      // Swatches as legendEntries says, in the theme drawn.
      expect(legend).toEqual(legendEntries(viz.options.theme, viz.model).map(({ key: _, group: __, shape: ___, ...look }) => look));
      const drawn = new Set(looks(dot).map(key));
      const explained = new Set(legend.map(key));
      const stateLooks = new Set(legend.filter((e) => states.includes(e.label)).map(key));
      for (const look of drawn) expect(explained.has(look) || stateLooks.has(single(look)), `a node drawn ${look} is in the legend`).toBe(true);
      // Every kind's swatch is drawn somewhere; once a run coloured the nodes by state, its outline still is.
      for (const e of legend.filter((e) => !states.includes(e.label))) {
        if (!viz.model.status) expect(drawn, e.label).toContain(key(e));
        else expect([...drawn].some((look) => look.endsWith(` ${!!e.dashed} ${!!e.double}`)), e.label).toBe(true);
      }
      // Its shape too: an ellipse for inputs and outputs, a box for the rest.
      for (const n of drawnLooks(dot)) expect(n.shape).toBe(n.id.startsWith("in_") || n.id.startsWith("out_") ? "ellipse" : "box");
      for (const e of legendEntries(viz.options.theme, viz.model)) expect(e.shape).toBe(["input", "bound", "optional", "output"].includes(e.key) ? "ellipse" : "box");
    };
    check(visualize(diamond(), { showLegend: true }), ["function", "input"]);
    check(visualize(everyKind(), { showLegend: true }), ["function", "nested pipeline", "input", "bound input", "optional input"]);
    // Expanded, the nested pipeline is a cluster titled with its name: no "nested pipeline" swatch.
    check(visualize(everyKind(), { showLegend: true, depth: 2, separateOutputs: true, theme: "dark" }), ["function", "output", "input", "bound input", "optional input"]);

    // With a run's status: the state colours too, and they explain the nodes coloured by it.
    const status = new DagStatusCallback({ throttleMs: 0, showLegend: true, theme: "dark" });
    const p = everyKind([status], "bad.txt");
    status.track(p);
    await p.run({ path: "a.txt" });
    await p.run({ path: "a.txt" }); // cached
    check(status.visualization, ["function", "nested pipeline", "input", "bound input", "optional input", "running", "done", "cached", "failed"]);
    expect(looks(status.visualization.toDot()).map(key)).toContain(key({ ...legendEntries("dark").find((e) => e.key === "cached")!, double: true }));
    await expect(p.run({ path: "bad.txt" })).rejects.toThrow("cannot read bad.txt");
    check(status.visualization, ["function", "nested pipeline", "input", "bound input", "optional input", "running", "done", "cached", "failed"]);
    expect(looks(status.visualization.toDot()).map(key)).toContain(key(legendEntries("dark").find((e) => e.key === "failed")!));
    await status.visualization.save(new URL("legend-status-dark.png", ARTIFACTS));
    // Tracked but not run yet: no state drawn, none explained.
    const idle = new DagStatusCallback({ showLegend: true });
    idle.track(everyKind());
    expect(legendInDot(idle.visualization.toDot()).map((e) => e.label)).toEqual(["function", "nested pipeline", "input", "bound input", "optional input"]);
  });

  it("saves a PNG with its legend, readable in both themes", async () => {
    for (const theme of ["light", "dark"] as const) {
      const path = await visualize(everyKind(), { theme, showLegend: true, depth: 2 }).save(new URL(`legend-${theme}.png`, ARTIFACTS));
      const png = decodePng(readFileSync(path));
      expect(png.pixel(0, 0)).toBe(theme === "dark" ? "#111111" : "#ffffff");
      // The swatches' fills are drawn (inside each swatch, away from its anti-aliased outline).
      for (const e of legendEntries(theme, visualize(everyKind(), { depth: 2 }).model)) {
        if (e.fill !== (theme === "dark" ? "#111111" : "#ffffff")) expect(png.count(e.fill), e.label).toBeGreaterThan(20);
      }
    }
  });
});

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { ConfusionMatrix } from "ml-confusion-matrix";
import { describe, expect, it, vi } from "vitest";
import { HyperNodesError, JUPYTER_MIMEBUNDLE, node, Pipeline } from "hypernodes";
import { Chart, chart, heatmap, VEGALITE_MIME_TYPE } from "../src/notebook/chart.js";
import { mimeBundle as kernelMimeBundle } from "../kernel/src/mime-bundle.js";
import { warningsDuring } from "./helpers/warnings.js";

/** A sweep as pipeline.map returns it: 3 nEstimators × 3 maxDepth × 3 folds, plus a field no chart uses. */
class Model {
  constructor(readonly weights: number[]) {}
}
const sweep = [10, 50, 100].flatMap((nEstimators) =>
  [2, 4, 8].flatMap((maxDepth) =>
    [0, 1, 2].map((fold) => ({ nEstimators, maxDepth, fold, accuracy: 0.8 + maxDepth / 100 + nEstimators / 2000 + fold / 300, model: new Model([1, 2, 3]) })),
  ),
);
const meanAccuracy = (nEstimators: number, maxDepth: number) => {
  const folds = sweep.filter((r) => r.nEstimators === nEstimators && r.maxDepth === maxDepth);
  return folds.reduce((sum, r) => sum + r.accuracy, 0) / folds.length;
};

const encoding = (c: Chart) => c.spec.encoding as Record<string, Record<string, unknown>>;

/** The SVG's marks of one kind (Vega writes each as an element with an aria-roledescription). */
function marks(svg: string, role: string): string[] {
  return [...svg.matchAll(new RegExp(`<[^>]*aria-roledescription="${role}"[^>]*>`, "g"))].map((m) => m[0]);
}
/** Every text Vega drew (axis titles, labels, legend, cell values). */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, "&").replace(/\u2212/g, "-"));
}
const ariaLabel = (element: string) => /aria-label="([^"]*)"/.exec(element)?.[1];

describe("chart(rows, encoding): the one-liners", () => {
  it("mean accuracy vs maxDepth, coloured by nEstimators: a line per nEstimators through the fold means", async () => {
    const c = chart(sweep, { x: "maxDepth", y: "mean(accuracy)", color: "nEstimators" });
    expect(c.spec.mark).toEqual({ type: "line", point: true });
    const { x, y, color, tooltip } = encoding(c);
    expect(x).toMatchObject({ field: "maxDepth", type: "quantitative" });
    expect(y).toMatchObject({ field: "accuracy", aggregate: "mean", type: "quantitative", scale: { zero: false } });
    // A hyperparameter's few values: discrete colours and a legend of them, not a gradient.
    expect(color).toMatchObject({ field: "nEstimators", type: "ordinal" });
    expect(tooltip).toEqual([
      { field: "maxDepth", type: "quantitative" },
      { field: "accuracy", type: "quantitative", aggregate: "mean", format: ".6~r" },
      { field: "nEstimators", type: "ordinal" },
    ]);
    // Only the columns used are inlined: not the model, not the fold.
    const values = (c.spec.data as { values: Record<string, unknown>[] }).values;
    expect(values).toHaveLength(27);
    expect(Object.keys(values[0]!).sort()).toEqual(["accuracy", "maxDepth", "nEstimators"]);
    expect(String(c)).toBe("Line chart: mean(accuracy) vs maxDepth by nEstimators, 27 rows");

    const svg = await c.toSvg();
    // 3 lines, 9 points: one per (nEstimators, maxDepth), each at the mean over its folds.
    expect(marks(svg, "line mark")).toHaveLength(3);
    const points = marks(svg, "point");
    expect(points).toHaveLength(9);
    for (const point of points) {
      const m = /maxDepth: (\d+); Mean of accuracy: ([\d.]+); nEstimators: (\d+)/.exec(ariaLabel(point)!)!;
      expect(Number(m[2])).toBeCloseTo(meanAccuracy(Number(m[3]), Number(m[1])), 5);
    }
    expect(texts(svg)).toEqual(expect.arrayContaining(["maxDepth", "Mean of accuracy", "nEstimators", "10", "50", "100"]));
  });

  it("a map's results are charted with their grid: the mapOver values are columns beside the outputs", async () => {
    const score = node((depth: number, fold: number) => 0.8 + depth / 100 + fold / 1000, { outputName: "accuracy" });
    const results = await new Pipeline({ nodes: [score] }).map({ depth: [1, 2, 4], fold: [0, 1] }, { mapOver: ["depth", "fold"], mapMode: "product" });
    const spec = chart(results, { x: "depth", y: "mean(accuracy)" }).spec as { data: { values: Record<string, unknown>[] } };
    expect(spec.data.values.map((v) => [v.depth, v.accuracy])).toEqual(results.map((r, i) => [[1, 1, 2, 2, 4, 4][i], r.accuracy]));
    // A grid of whole numbers: whole-number ticks only.
    expect((spec as unknown as { encoding: { x: { axis?: unknown } } }).encoding.x.axis).toEqual({ tickMinStep: 1, format: "d" });
    const svg = await chart(results, { x: "depth", y: "mean(accuracy)" }).toSvg();
    expect(svg).not.toMatch(/>1\.5</);
  });

  it("raw accuracy with several folds per point: every fold as a point, no zigzag line", async () => {
    const c = chart(sweep, { x: "maxDepth", y: "accuracy", color: "nEstimators" });
    expect(c.spec.mark).toBe("point");
    expect(marks(await c.toSvg(), "point")).toHaveLength(27);
  });

  it("a curve (one row per x, in order) is a line; long ones without dots; a shuffled scatter is points", () => {
    const history = Array.from({ length: 100 }, (_, epoch) => ({ epoch, loss: Math.exp(-epoch / 20) }));
    expect(chart(history, { x: "epoch", y: "loss" }).spec.mark).toEqual({ type: "line", point: false });
    expect(chart(history.slice(0, 10), { x: "epoch", y: "loss" }).spec.mark).toEqual({ type: "line", point: true });
    const runs = [0.3, 0.1, 0.7, 0.2].map((trainSeconds, i) => ({ trainSeconds, accuracy: 0.8 + i / 50 }));
    const scatter = chart(runs, { x: "trainSeconds", y: "accuracy" });
    expect(scatter.spec.mark).toBe("point");
    expect(encoding(scatter).x!.scale).toEqual({ zero: false });
  });

  it("categories on x: grouped bars (side by side, not stacked), labels upright", async () => {
    const results = ["knn", "forest", "logistic"].flatMap((model) => [0, 1].map((fold) => ({ model, fold, accuracy: 0.8 + fold / 10 + model.length / 100 })));
    const c = chart(results, { x: "model", y: "mean(accuracy)", color: "fold" });
    expect(c.spec.mark).toBe("bar");
    const { x, color, xOffset } = encoding(c);
    expect(x).toMatchObject({ field: "model", type: "nominal", axis: { labelAngle: 0 } });
    expect(color).toMatchObject({ field: "fold", type: "ordinal" });
    expect(xOffset).toEqual({ field: "fold", type: "ordinal" });
    expect(marks(await c.toSvg(), "bar")).toHaveLength(6);
    // Raw values with several rows per category would stack into sums: shown as points instead.
    expect(chart(results, { x: "model", y: "accuracy" }).spec.mark).toBe("point");
    // Horizontal: categories on y.
    expect(chart(results, { x: "mean(accuracy)", y: "model" }).spec.mark).toBe("bar");
  });

  it("two categories and a colour: a grid of cells (a hyperparameter heatmap)", async () => {
    const c = chart(sweep, { x: "maxDepth:O", y: "nEstimators:O", color: "mean(accuracy)" });
    expect(c.spec.mark).toBe("rect");
    expect(encoding(c).color).toMatchObject({ aggregate: "mean", type: "quantitative" });
    expect(marks(await c.toSvg(), "rect mark")).toHaveLength(9);
  });

  it("types: suffixes win, otherwise inferred from the values", () => {
    const rows = [
      { lr: 0.001, optimizer: "adam", shuffled: true, at: new Date("2024-05-01T00:00:00Z"), loss: 0.5, seed: 1 },
      { lr: 0.01, optimizer: "sgd", shuffled: false, at: new Date("2024-05-02T00:00:00Z"), loss: 0.4, seed: 2 },
      { lr: 0.1, optimizer: "adam", shuffled: true, at: new Date("2024-05-03T00:00:00Z"), loss: 0.45, seed: 3 },
    ];
    const type = (c: Chart, channel: string) => encoding(c)[channel]!.type;
    expect(type(chart(rows, { x: "lr:O", y: "loss" }), "x")).toBe("ordinal");
    expect(type(chart(rows, { x: "optimizer", y: "loss" }), "x")).toBe("nominal");
    expect(type(chart(rows, { x: "lr", y: "loss", color: "shuffled" }), "color")).toBe("nominal");
    const overTime = chart(rows, { x: "at", y: "loss" });
    expect(type(overTime, "x")).toBe("temporal");
    expect((overTime.spec.data as { values: { at: unknown }[] }).values[0]!.at).toBe("2024-05-01T00:00:00.000Z");
    // A continuous colour with no repeats stays a gradient; facets and shapes are always discrete.
    expect(type(chart(rows, { x: "lr", y: "loss", color: "loss" }), "color")).toBe("quantitative");
    expect(type(chart(rows, { x: "lr", y: "loss", column: "loss" }), "column")).toBe("ordinal");
    expect(type(chart(rows, { x: "lr", y: "loss", color: "seed:Q" }), "color")).toBe("quantitative");
  });

  it("aggregates: count(), pandas' names, field definitions for the rest", () => {
    const counted = chart(sweep, { x: "nEstimators:N", y: "count()" });
    expect(encoding(counted).y).toEqual({ aggregate: "count", type: "quantitative", title: "count" });
    expect(encoding(chart(sweep, { x: "maxDepth", y: "std(accuracy)" })).y).toMatchObject({ aggregate: "stdev", field: "accuracy" });
    const logX = chart(sweep, { x: { field: "nEstimators", scale: { type: "log" } }, y: "max(accuracy)" });
    expect(encoding(logX).x).toEqual({ field: "nEstimators", scale: { type: "log" }, type: "quantitative" });
    // A column literally named like shorthand is that column.
    expect(encoding(chart([{ "mean(x)": 1.5, y: 2 }], { x: "mean(x)", y: "y" })).x).toEqual({ field: "mean(x)", type: "quantitative" });
  });

  it("column names with dots are columns, not paths into nested objects", async () => {
    const rows = [{ "params.lr": 0.1, "val.acc": 0.9 }, { "params.lr": 0.2, "val.acc": 0.95 }];
    const c = chart(rows, { x: "params.lr", y: "val.acc" });
    expect(encoding(c).x).toMatchObject({ field: "params\\.lr", title: "params.lr" });
    const svg = await c.toSvg();
    expect(marks(svg, "point")).toHaveLength(2);
    expect(texts(svg)).toEqual(expect.arrayContaining(["params.lr", "val.acc"]));
  });

  it("title, size, and the tooltip can be set", () => {
    const c = chart(sweep, { x: "maxDepth", y: "mean(accuracy)", title: "Sweep", width: 300, height: 150, tooltip: ["maxDepth", "mean(accuracy)"] });
    expect(c.spec).toMatchObject({ title: "Sweep", width: 300, height: 150 });
    expect(encoding(c).tooltip).toHaveLength(2);
    expect(encoding(chart(sweep, { x: "maxDepth", y: "accuracy", tooltip: false })).tooltip).toBeUndefined();
  });
});

describe("bad input is named before any work", () => {
  const error = (work: () => unknown) => {
    try {
      work();
    } catch (e) {
      expect(e).toBeInstanceOf(HyperNodesError);
      return (e as Error).message;
    }
    throw new Error("expected an error");
  };

  it("a field the rows do not have: named, with the closest column and the columns", () => {
    const message = error(() => chart(sweep, { x: "maxDepth", y: "mean(acuracy)" as "mean(accuracy)" }));
    expect(message).toContain("encoding y names the field 'acuracy'");
    expect(message).toContain("(did you mean 'accuracy'?)");
    expect(message).toContain("'nEstimators', 'maxDepth', 'fold', 'accuracy', 'model'");
    expect(error(() => chart(sweep, { x: "maxDepth", y: "accuracy", color: "depth" as "fold" }))).toContain("encoding color names the field 'depth'");
  });

  it("an unknown aggregate, type suffix or encoding option", () => {
    expect(error(() => chart(sweep, { x: "maxDepth", y: "avrage(accuracy)" as "mean(accuracy)" }))).toMatch(/unknown aggregate 'avrage'.*did you mean 'average'/);
    expect(error(() => chart(sweep, { x: "maxDepth:X" as "maxDepth", y: "accuracy" }))).toContain("names the field 'maxDepth:X'");
    expect(error(() => chart(sweep, { x: "maxDepth", y: "accuracy", colour: "fold" } as never))).toContain("unknown option 'colour' (did you mean 'color'?)");
    expect(error(() => chart(sweep, { x: "maxDepth", y: "accuracy", mark: "lines" } as never))).toContain('option mark must be "line" or "point"');
    expect(error(() => chart(sweep, { x: "maxDepth" } as never))).toContain("encoding needs y");
  });

  it("rows that are not an array of records, or none", () => {
    expect(error(() => chart(42 as never, { x: "a", y: "b" } as never))).toContain("expected an array of records");
    expect(error(() => chart([1, 2] as never, { x: "a", y: "b" } as never))).toContain("row 0 is number");
    expect(error(() => chart([{ a: 1 }, null] as never, { x: "a", y: "a" }))).toContain("row 1 is null");
    expect(error(() => chart([], { x: "a", y: "b" } as never))).toContain("the rows are empty");
  });

  it("heatmaps: ragged rows, labels of the wrong count, non-numbers", () => {
    expect(error(() => heatmap([[1, 2], [3]]))).toContain("row 0 has 2 values, row 1 has 1");
    expect(error(() => heatmap([[1, 2], [3, 4]], { x: ["a"] }))).toContain("option x has 1 labels, but the matrix has 2 columns");
    expect(error(() => heatmap([[1, "2"]] as never))).toContain("cell [0][1] is string");
    expect(error(() => heatmap([[1, 2]], { x: ["a", "a"] }))).toContain("the label 'a' twice");
  });
});

describe("values JSON cannot hold", () => {
  it("NaN, ±Infinity, undefined, functions, bigints and class instances become null or a label; the rest is drawn", async () => {
    const rows = [
      { step: 1, loss: 0.5, run: new Model([1]) },
      { step: 2, loss: NaN, run: new Model([1]) },
      { step: 3, loss: Infinity, run: () => 0 },
      { step: 4, loss: undefined, run: { name: "b" } },
      { step: 5n, loss: 0.3, run: Symbol("s") },
    ];
    const c = chart(rows as never[], { x: "step", y: "loss", color: "run" });
    expect(JSON.parse(JSON.stringify(c.spec))).toEqual(c.spec);
    expect((c.spec.data as { values: unknown[] }).values).toEqual([
      { step: 1, loss: 0.5, run: "Model" },
      { step: 2, loss: null, run: "Model" },
      { step: 3, loss: null, run: null },
      { step: 4, loss: null, run: '{"name":"b"}' },
      { step: 5, loss: 0.3, run: null },
    ]);
    const svg = await c.toSvg();
    expect(marks(svg, "point").map(ariaLabel)).toEqual(["step: 1; loss: 0.5; run: Model", "step: 5; loss: 0.3; run: null"]);
  });

  it("a full spec's data is copied the same way, and a cycle is refused", () => {
    const c = chart({ mark: "point", data: { values: [{ a: NaN, b: undefined, c: 1 }] }, encoding: { x: { field: "c", type: "quantitative" } } });
    expect(c.spec.data).toEqual({ values: [{ a: null, c: 1 }] });
    const cyclic: Record<string, unknown> = { mark: "point" };
    cyclic.self = cyclic;
    expect(() => chart(cyclic)).toThrow(/cycle/);
  });
});

describe("chart(spec): any Vega-Lite spec, as is", () => {
  const layered = {
    data: { values: [{ epoch: 1, loss: 0.9 }, { epoch: 2, loss: 0.5 }, { epoch: 3, loss: 0.4 }] },
    layer: [
      { mark: "line", encoding: { x: { field: "epoch", type: "quantitative" }, y: { field: "loss", type: "quantitative" } } },
      { mark: "rule", encoding: { y: { datum: 0.45 } } },
    ],
  };

  it("adds the v5 $schema when missing and otherwise leaves the spec alone", async () => {
    const c = chart(layered);
    expect(c.spec).toEqual({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", ...layered });
    expect(chart({ ...layered, $schema: "https://vega.github.io/schema/vega-lite/v5.20.json" }).spec.$schema).toBe("https://vega.github.io/schema/vega-lite/v5.20.json");
    expect(String(c)).toBe("Vega-Lite chart (layer), 3 rows");
    const svg = await c.toSvg();
    expect(marks(svg, "line mark")).toHaveLength(1);
    expect(svg).toMatch(/aria-roledescription="rule mark container"><line /);
  });

  it("refuses what is not Vega-Lite", () => {
    expect(() => chart({ marks: [], $schema: "https://vega.github.io/schema/vega/v5.json" })).toThrow(/Vega spec.*takes Vega-Lite/);
    expect(() => chart({ marks: [] })).toThrow(/needs one of mark, layer.*a Vega spec\?/);
    expect(() => chart("line" as never)).toThrow(HyperNodesError);
  });

  it("a spec Vega-Lite cannot compile fails at render with Vega-Lite's reason", async () => {
    await expect(chart({ mark: "point", encoding: { x: { field: "a", type: "bogus" } } }).toSvg()).rejects.toThrow(/Vega-Lite cannot draw this spec: Invalid field type/);
  });

  it("Vega-Lite's complaints are HyperNodes warnings (shown in the notebook's warning box), not console text", async () => {
    const spec = { mark: "line", data: { values: [{ a: 1, b: 2 }] }, encoding: { x: { field: "a", type: "quantitative" }, size: { field: "b", type: "nominal" } } };
    const { warnings } = await warningsDuring(() => chart(spec).toSvg());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^HYPERNODES_CHART: chart: Vega-Lite: .*size/i);
  });

  it("the charts chart() builds draw without a single warning", async () => {
    const { warnings } = await warningsDuring(async () => {
      await chart(sweep, { x: "maxDepth", y: "mean(accuracy)", color: "nEstimators" }).toSvg();
      await chart(sweep, { x: "maxDepth", y: "accuracy", color: "fold", column: "nEstimators" }).toSvg();
      await chart(sweep, { x: "nEstimators:N", y: "mean(accuracy)", color: "maxDepth" }).toSvg();
      await chart(sweep, { x: "nEstimators:N", y: "accuracy", mark: "boxplot" }).toSvg();
      await heatmap(new ConfusionMatrix([[5, 1], [0, 4]], ["cat", "dog"])).toSvg();
    });
    expect(warnings).toEqual([]);
  });
});

describe("heatmap", () => {
  it("a ConfusionMatrix: one cell per pair of classes, its count written in it, actual down and predicted across", async () => {
    const cm = new ConfusionMatrix([[50, 2, 0], [3, 40, 7], [0, 5, 45]], ["setosa", "versicolor", "virginica"]);
    const c = heatmap(cm);
    expect(String(c)).toBe("Heatmap: 3 × 3 (actual × predicted), values 0 to 50");
    const svg = await c.toSvg();
    expect(marks(svg, "rect mark")).toHaveLength(9);
    const cells = marks(svg, "text mark");
    expect(cells).toHaveLength(9);
    const written = [...svg.matchAll(/aria-roledescription="text mark"[^>]*>([^<]*)</g)].map((m) => m[1]!);
    expect([...written].sort()).toEqual(["0", "0", "2", "3", "40", "45", "5", "50", "7"]);
    // Readable on every cell: white on the dark (large) ones, black on the light ones.
    const fill = (value: string) => /fill="([^"]+)"/.exec(cells[written.indexOf(value)]!)![1];
    expect(fill("50")).toBe("white");
    expect(fill("7")).toBe("black");
    expect(texts(svg)).toEqual(expect.arrayContaining(["actual", "predicted", "setosa", "versicolor", "virginica"]));
    // Row labels top to bottom in the matrix's order.
    // (The y axis's labels are the right-aligned ones.)
    const label = (name: string) => Number(new RegExp(`<text text-anchor="end" transform="translate\\(-?[\\d.]+,([\\d.]+)\\)[^>]*>${name}<`).exec(svg)![1]);
    expect(label("setosa")).toBeLessThan(label("versicolor"));
    expect(label("versicolor")).toBeLessThan(label("virginica"));
  });

  it("any matrix: its own labels and titles, none by default; negative and positive values on a diverging scale", () => {
    const plain = heatmap([[1, 2], [3, 4]]);
    expect((plain.spec.encoding as Record<string, { title: unknown }>).x.title).toBeNull();
    const correlations = heatmap([[1, -0.5], [-0.5, 1]], { x: ["a", "b"], y: ["a", "b"], xTitle: "feature", yTitle: "feature" });
    const rect = (correlations.spec.layer as { encoding: { color: { scale: unknown } } }[])[0]!;
    expect(rect.encoding.color.scale).toEqual({ scheme: "blueorange", domainMid: 0 });
    expect((correlations.spec.data as { values: unknown[] }).values).toContainEqual({ row: "a", column: "b", value: -0.5 });
  });
});

describe("in a notebook", () => {
  it("the MIME bundle: the spec for JupyterLab's Vega renderer, SVG for any other front end, and text", async () => {
    const c = chart([{ a: 1, b: 2 }, { a: 2, b: 3 }], { x: "a", y: "b" });
    const bundle = await c[JUPYTER_MIMEBUNDLE]();
    expect(Object.keys(bundle).sort()).toEqual(["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    expect(VEGALITE_MIME_TYPE).toBe("application/vnd.vegalite.v5+json");
    expect(bundle[VEGALITE_MIME_TYPE]).toBe(c.spec);
    expect(bundle["text/plain"]).toBe("Line chart: b vs a, 2 rows");
    // What the kernel sends: the same keys (its text/plain is the chart's).
    expect(await kernelMimeBundle(c)).toEqual(bundle);
  });

  it("without Vega, the SVG alone shows the chart: standalone, sized, and drawn by an SVG renderer", async () => {
    const c = chart(sweep, { x: "maxDepth", y: "mean(accuracy)", color: "nEstimators" });
    const svg = (await c.mimeBundle())["image/svg+xml"];
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* width="\d+" height="\d+" viewBox=/);
    expect(svg).not.toMatch(/<script|href="http|url\(http/);
    // Rasterised as a browser's <img> would: the darkest series' blue is really on the picture.
    const image = new Resvg(svg, { font: { loadSystemFonts: false } }).render();
    const pixels = image.pixels;
    let blue = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (Math.abs(pixels[i]! - 41) < 12 && Math.abs(pixels[i + 1]! - 120) < 12 && Math.abs(pixels[i + 2]! - 184) < 12) blue++;
    }
    expect(blue).toBeGreaterThan(200);
  });

  it("vega and vega-lite are loaded by the first render, not by importing hypernodes", async () => {
    vi.resetModules();
    const loaded: string[] = [];
    vi.doMock("vega", async (original) => (loaded.push("vega"), original()));
    vi.doMock("vega-lite", async (original) => (loaded.push("vega-lite"), original()));
    try {
      const fresh = await import("hypernodes");
      const c = fresh.chart([{ a: 1, b: 2 }], { x: "a", y: "b" });
      expect(loaded).toEqual([]);
      await c.toSvg();
      expect(loaded.sort()).toEqual(["vega", "vega-lite"]);
    } finally {
      vi.doUnmock("vega");
      vi.doUnmock("vega-lite");
    }
  });

  it("save: .svg, .json (the spec), .png; another extension is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hn-chart-"));
    const c = heatmap([[1, 2], [3, 4]]);
    await c.save(join(dir, "sub", "m.svg"));
    expect(readFileSync(join(dir, "sub", "m.svg"), "utf8")).toMatch(/^<svg/);
    await c.save(join(dir, "m.json"));
    expect(JSON.parse(readFileSync(join(dir, "m.json"), "utf8"))).toEqual(c.spec);
    await c.save(join(dir, "m.png"));
    expect(readFileSync(join(dir, "m.png")).subarray(1, 4).toString()).toBe("PNG");
    await expect(c.save(join(dir, "m.pdf"))).rejects.toThrow(/should end in \.svg, \.png or \.json/);
  });
});

// Charts of results (a sweep's records, a confusion matrix) for notebooks: displayed as Vega-Lite,
// which JupyterLab draws with its own Vega renderer, with an SVG drawn here by vega for front ends
// without one. vega and vega-lite load on the first render only, so `import "hypernodes"` stays cheap.
// Browser-safe (node:fs is imported by `save` alone).
import { HyperNodesError } from "../core/errors.js";
import { warnOnce } from "../core/warnings.js";
import { JUPYTER_MIMEBUNDLE, VEGALITE_MIME_TYPE } from "./notebook-protocol.js";
import { withInputs } from "./table.js";
import {
  describeSpec,
  heatmapSpec,
  normalizeSpec,
  recordsSpec,
  type ChartEncoding,
  type HeatmapMatrix,
  type HeatmapOptions,
  type VegaLiteSpec,
} from "./chart-spec.js";

export type { ChartEncoding, ChartChannel, ChartFieldDef, ChartMark, FieldShorthand, FieldType, AggregateOp, HeatmapMatrix, HeatmapOptions, VegaLiteSpec } from "./chart-spec.js";
export { VEGALITE_MIME_TYPE };

export interface ChartMimeBundle {
  [VEGALITE_MIME_TYPE]: VegaLiteSpec;
  "image/svg+xml": string;
  "text/plain": string;
}

/** A Vega-Lite chart: shown in a notebook, or `toSvg()` / `save(path)`. */
export class Chart {
  /** The Vega-Lite spec, plain JSON with its data inlined: edit it freely before displaying. */
  readonly spec: VegaLiteSpec;
  readonly #description: string | undefined;

  /** `spec`: any Vega-Lite v5 spec (`$schema` added when missing); values JSON cannot hold become null. */
  constructor(spec: VegaLiteSpec, description?: string) {
    this.spec = normalizeSpec(spec);
    this.#description = description;
  }

  /** The chart as SVG, drawn in-process by vega (what front ends without Vega show). */
  toSvg(): Promise<string> {
    return renderChartSvg(this.spec);
  }

  /** What a notebook front end displays: the spec for a Vega renderer, SVG for any other, and text. */
  async mimeBundle(): Promise<ChartMimeBundle> {
    return { [VEGALITE_MIME_TYPE]: this.spec, "image/svg+xml": await this.toSvg(), "text/plain": this.toString() };
  }

  [JUPYTER_MIMEBUNDLE](): Promise<ChartMimeBundle> {
    return this.mimeBundle();
  }

  /** One line: the kind of chart, what is plotted against what, how many rows. */
  toString(): string {
    return this.#description ?? describeSpec(this.spec);
  }

  /** `JSON.stringify(chart)` writes the spec. */
  toJSON(): VegaLiteSpec {
    return this.spec;
  }

  /** Writes the chart by the path's extension: `.svg`, `.png` (twice the size, for sharp screens) or `.json` (the spec). */
  async save(path: string): Promise<void> {
    const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
    let data: string | Uint8Array;
    if (extension === "svg") data = await this.toSvg();
    else if (extension === "json") data = `${JSON.stringify(this.spec, null, 2)}\n`;
    else if (extension === "png") data = await svgToPng(await this.toSvg());
    else throw new HyperNodesError(`chart.save: '${path}' should end in .svg, .png or .json (the format is chosen by the extension)`);
    const [{ mkdir, writeFile }, { dirname }] = await Promise.all([import("node:fs/promises"), import("node:path")]);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  }
}

/**
 * A chart of records (e.g. what `pipeline.map` returns), one line for the usual experiment plots:
 *
 * ```ts
 * chart(results, { x: "maxDepth", y: "mean(accuracy)", color: "nEstimators" })
 * ```
 *
 * A map's results are charted with their grid: each item's `mapOver` values are columns beside its
 * outputs (see `withInputs`).
 *
 * Fields are column names, Altair-style: `"mean(accuracy)"` aggregates (mean, median, sum, min, max,
 * count, stdev…; `"count()"` counts rows), a `:Q` `:N` `:O` `:T` suffix sets the type. Types are
 * inferred otherwise: numbers quantitative, text and booleans nominal, Dates temporal; a numeric
 * colour with a few values (a hyperparameter) and any numeric column, row or shape are ordinal.
 * The mark, unless given: bars over categories; a line (with points) when y is aggregated or each
 * series has one row per x in order; points otherwise (a scatter, or every fold of a sweep). Hovering
 * shows the encoded fields. Only the columns used are inlined. Also `chart(spec)`: any Vega-Lite v5 spec.
 */
export function chart<R extends object>(rows: readonly R[], encoding: ChartEncoding<Extract<keyof R, string> | (string & {})>): Chart;
export function chart(spec: VegaLiteSpec): Chart;
export function chart(rowsOrSpec: unknown, encoding?: unknown): Chart {
  if (!Array.isArray(rowsOrSpec) && encoding === undefined) return new Chart(rowsOrSpec as VegaLiteSpec);
  // A map's results bring their grid (the mapOver values), which their type does not show: names
  // other than the rows' fields are accepted here and checked against the columns at run time.
  const { spec, description } = recordsSpec(withInputs(rowsOrSpec as Record<string, unknown>[]), encoding);
  return new Chart(spec, description);
}

/**
 * A matrix as coloured cells with their values written in (white on dark cells): rows top to bottom,
 * columns left to right. A ConfusionMatrix (ml-confusion-matrix, or any object with `getMatrix()` and
 * `getLabels()`) is labelled by its classes, rows "actual" and columns "predicted".
 */
export function heatmap(matrix: HeatmapMatrix, options?: HeatmapOptions): Chart {
  const { spec, description } = heatmapSpec(matrix, options);
  return new Chart(spec, description);
}

type VegaModule = typeof import("vega");
type VegaLiteModule = typeof import("vega-lite");

// vega and vega-lite are large: loaded on the first render only, then reused.
let modules: Promise<[VegaModule, VegaLiteModule]> | undefined;

function loadVega(): Promise<[VegaModule, VegaLiteModule]> {
  modules ??= Promise.all([import("vega"), import("vega-lite")]).then(
    // Both are CommonJS builds: their functions are named exports, or only on the default one.
    ([vega, vegaLite]) => [defaultOr(vega, "View"), defaultOr(vegaLite, "compile")],
    (error) => {
      modules = undefined;
      throw error;
    },
  );
  return modules;
}

function defaultOr<M>(module: M, name: string): M {
  return name in (module as object) ? module : ((module as { default?: M }).default ?? module);
}

/** Renders a Vega-Lite spec to SVG in-process (no browser, no canvas: text widths are estimated). */
export async function renderChartSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vegaLite] = await loadVega();
  let view: InstanceType<VegaModule["View"]>;
  try {
    // A copy: vega tags the data's objects in place, and the spec is the user's (and the notebook's).
    const copy = structuredClone(spec) as unknown as Parameters<VegaLiteModule["compile"]>[0];
    const compiled = vegaLite.compile(copy, { logger: warningLogger("Vega-Lite") }).spec;
    view = new vega.View(vega.parse(compiled), { renderer: "none", logger: warningLogger("Vega") });
  } catch (error) {
    throw new HyperNodesError(`chart: Vega-Lite cannot draw this spec: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type Logger = ReturnType<VegaModule["logger"]>;

/**
 * What Vega-Lite and Vega say about a spec (a channel dropped, an invalid operator) as HyperNodes
 * warnings, once each: a notebook shows them in its warning box, never as stray console text.
 */
function warningLogger(source: string): Logger {
  let level = 2; // vega's Warn
  const forward = function (this: Logger, ...args: unknown[]) {
    const message = args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
    // A layer with no rows (a boxplot without outliers) has an empty extent: normal, not worth a warning.
    if (!/^Infinite extent for field/.test(message)) warnOnce(`chart: ${source}: ${message}`, "HYPERNODES_CHART", message);
    return this;
  };
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error: forward,
    warn: forward,
    info: () => logger,
    debug: () => logger,
  };
  return logger as unknown as Logger;
}

async function svgToPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import("@resvg/resvg-js");
  return new Resvg(svg, { fitTo: { mode: "zoom", value: 2 }, font: { loadSystemFonts: true } }).render().asPng();
}

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NestedPipeline } from "../core/contracts.js";
import type { Graphviz } from "@hpcc-js/wasm-graphviz";
import { HyperNodesError } from "../core/errors.js";
import { checkOptions, type OptionRule } from "../core/option-checks.js";
import { DAG_MIME_TYPE, JUPYTER_MIMEBUNDLE, type DagMimeData } from "../notebook/notebook-protocol.js";
import { liftClusterTitles, modelToDot, themeBackground } from "./viz-dot.js";
import { expandedToDepth, viewModel } from "./viz-view.js";
import {
  buildModel,
  resolveOptions,
  type ResolvedVizOptions,
  type RunStatus,
  type VizModel,
  type VizOptions,
} from "./viz-model.js";

export { DAG_MIME_TYPE, JUPYTER_MIMEBUNDLE, type DagMimeData };

/** `viz.save`'s options. */
export interface SaveOptions {
  /**
   * PNG only: pixels per pixel of the SVG as a browser shows it at 100% (Graphviz sizes it in points,
   * 1 pt = 4/3 px). Default 2: sharp on high-density screens and in slides.
   */
  scale?: number;
}

/** What `viz.save` writes, by the file's extension. */
export const SAVE_FORMATS = [".svg", ".png", ".dot"] as const;

export interface MimeBundle {
  [DAG_MIME_TYPE]: DagMimeData;
  "image/svg+xml": string;
  "text/plain": string;
}

/** A pipeline drawn as a DAG: the JSON model, its DOT text, and its SVG. */
export class Visualization {
  /** Every node, nested pipelines expanded; `model` is the part drawn at `options.depth`. */
  readonly full: VizModel;
  readonly model: VizModel;
  readonly options: ResolvedVizOptions;

  constructor(full: VizModel, options: ResolvedVizOptions) {
    this.full = full;
    this.model = viewModel(full, expandedToDepth(options.depth));
    this.options = options;
  }

  /** Sets the run status shown on the nodes (ids are the same in `full` and `model`). */
  set status(status: RunStatus) {
    this.full.status = this.model.status = status;
  }

  toDot(): string {
    return modelToDot(this.model, this.options);
  }

  toSvg(): Promise<string> {
    return this.#render(this.toDot());
  }

  /**
   * Writes the DAG to `path`, in the format its extension names: `.svg` (as `toSvg()`), `.png` (that
   * SVG rasterised at `scale`, on the theme's background) or `.dot` (as `toDot()`). Missing parent
   * folders are created. Resolves to the absolute path written.
   */
  async save(path: string | URL, options: SaveOptions = {}): Promise<string> {
    checkOptions(options, { scale: POSITIVE }, "viz.save");
    const file = resolve(path instanceof URL ? fileURLToPath(path) : path);
    const ext = extname(file).toLowerCase();
    let data: string | Buffer;
    if (ext === ".dot") data = this.toDot();
    else if (ext === ".svg") data = await this.toSvg();
    else if (ext === ".png") data = await renderPng(await this.toSvg(), options.scale ?? 2, themeBackground(this.options.theme));
    else {
      throw new HyperNodesError(
        `viz.save: cannot save ${JSON.stringify(String(path))}: ${ext ? `unknown extension "${ext}"` : "no extension"}; use ${SAVE_FORMATS.join(", ")}`,
      );
    }
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
    return file;
  }

  /** Our rich output's data alone: no Graphviz layout here (our JupyterLab renderer lays it out). */
  mimeData(): DagMimeData {
    const { orient, separateOutputs, showTypes, theme, showLegend } = this.options;
    return {
      model: this.model,
      dot: this.toDot(),
      status: this.model.status ?? null,
      full: this.full,
      expanded: this.model.nodes.filter((n) => n.expanded).map((n) => n.id),
      options: { orient, separateOutputs, showTypes, theme, showLegend },
    };
  }

  /** What a notebook front end displays: our own JSON for a rich renderer, SVG for any other, and text. */
  async mimeBundle(): Promise<MimeBundle> {
    const data = this.mimeData();
    const text = this.toString(); // before the layout's await: the same status as the data
    return { [DAG_MIME_TYPE]: data, "image/svg+xml": await this.#render(data.dot), "text/plain": text };
  }

  [JUPYTER_MIMEBUNDLE](): Promise<MimeBundle> {
    return this.mimeBundle();
  }

  async #render(dot: string): Promise<string> {
    return liftClusterTitles(await renderSvg(dot), this.options);
  }

  toString(): string {
    const count = (kind: string) => this.model.nodes.filter((n) => n.kind === kind).length;
    const steps = count("function") + count("pipeline");
    const inputs = count("input");
    let text = `DAG of '${this.model.name}': ${steps} node${steps === 1 ? "" : "s"}, ${inputs} input${inputs === 1 ? "" : "s"}`;
    const status = this.model.status;
    if (status && status.state !== "idle") {
      text += ` (${status.state}`;
      if (status.items) text += `, ${status.items.done + status.items.cached + status.items.failed}/${status.items.total} items`;
      text += ")";
    }
    return text;
  }
}

/** Draws a pipeline (see `VizOptions`): `pipeline.visualize(options)`. */
export function visualize(pipeline: NestedPipeline, options?: VizOptions): Visualization {
  const resolved = resolveOptions(options);
  return new Visualization(buildModel(pipeline, resolved), resolved);
}

// Graphviz compiled to WebAssembly: loaded on the first render only (importing hypernodes stays
// cheap), then reused.
let graphviz: Promise<Graphviz> | undefined;

/** Renders DOT to SVG in-process. */
export async function renderSvg(dot: string): Promise<string> {
  graphviz ??= import("@hpcc-js/wasm-graphviz").then((m) => m.Graphviz.load());
  try {
    return (await graphviz).dot(dot, "svg");
  } catch (error) {
    // A failed render unloads the WebAssembly instance: load a fresh one next time.
    graphviz = undefined;
    throw error;
  }
}

const POSITIVE: OptionRule = { takes: "a number greater than 0", accepts: (v) => typeof v === "number" && v > 0 && Number.isFinite(v) };

// resvg (Rust, a native addon): loaded on the first PNG only.
let resvg: Promise<typeof import("@resvg/resvg-js")> | undefined;

/**
 * Rasterises our SVG to PNG in-process (off the event loop), `scale` times its size, on `background`.
 * System fonts are loaded so labels render (Graphviz sized them for Helvetica/Arial: Arial or its
 * metric twin Liberation Sans fit best).
 */
async function renderPng(svg: string, scale: number, background: string): Promise<Buffer> {
  resvg ??= import("@resvg/resvg-js");
  let renderAsync: (typeof import("@resvg/resvg-js"))["renderAsync"];
  try {
    ({ renderAsync } = await resvg);
  } catch (error) {
    resvg = undefined;
    throw new HyperNodesError(`viz.save: a PNG needs @resvg/resvg-js, which could not be loaded (${(error as Error).message}); .svg and .dot need nothing`, { cause: error });
  }
  const image = await renderAsync(svg, { fitTo: { mode: "zoom", value: scale }, background, font: { loadSystemFonts: true } });
  return image.asPng();
}

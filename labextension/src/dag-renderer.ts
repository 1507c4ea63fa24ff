// Renders our dag+json output: pan and zoom, click a nested pipeline to expand it (click its
// cluster to collapse it) with d3-graphviz's animated re-layout, hover for a node's details, the
// lab's light/dark theme, and live run status when the kernel updates the output in place.
//
// Two ways of drawing, for speed: a new output, a status update or a theme switch is laid out by
// Graphviz (wasm) and inserted as SVG at once (a 200-node DAG in well under 500 ms); only an expand
// or collapse goes through d3-graphviz, whose data extraction and d3 joins cost several times the
// layout but animate the change.
import { Graphviz } from "@hpcc-js/wasm/graphviz";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { graphviz, type Graphviz as D3Graphviz } from "d3-graphviz";
import { select } from "d3-selection";
import { transition } from "d3-transition";
import { zoom, zoomIdentity, type ZoomTransform } from "d3-zoom";
import {
  clusterId,
  DAG_MIME_TYPE,
  liftClusterTitles,
  modelToDot,
  viewModel,
  type DagMimeData,
  type VizNode,
} from "hypernodes/browser";
import { nodeDetails } from "./dag-details";
import { labTheme, watchTheme } from "./theme";

/** Least time between two redraws of live status: the kernel may update faster than layout runs. */
const STATUS_REDRAW_MS = 250;
const TOGGLE_MS = 450;

let layoutEngine: Promise<Graphviz> | undefined;
// Compiling Graphviz's wasm takes about a second: start it while the lab is idle, not when the first
// DAG arrives.
requestIdleCallback(() => (layoutEngine ??= Graphviz.load()));

export class DagRenderer extends Widget implements IRenderMime.IRenderer {
  /** Holds the SVG drawn at once. */
  readonly #static = document.createElement("div");
  /** Holds d3-graphviz's SVG while it animates an expand or collapse (and until the next draw). */
  readonly #animated = document.createElement("div");
  readonly #tooltip = document.createElement("div");
  #gv: D3Graphviz<any, any, any, any> | undefined;
  /** The DOT d3-graphviz last drew (it animates from its own last drawing). */
  #animatedDot = "";
  #data: DagMimeData | undefined;
  /** Pipelines the reader expanded (starts as the kernel's view). */
  #expanded: Set<string> | undefined;
  /** The drawn pipeline's node ids, to tell an update of it from another pipeline. */
  #structure: string | undefined;
  #drawnDot = "";
  /** Draws started; the latest one sets the state to idle when it is done. */
  #draws = 0;
  /** The reader's pan and zoom, kept across redraws. */
  #zoom: ZoomTransform = zoomIdentity;
  #rendering: Promise<void> = Promise.resolve();
  #lastStatusDraw = 0;
  #pending: ReturnType<typeof setTimeout> | undefined;
  readonly #unwatchTheme: () => void;

  constructor() {
    super();
    this.addClass("hn-dag");
    this.#static.className = "hn-dag-graph";
    this.#animated.className = "hn-dag-graph";
    this.#animated.hidden = true;
    this.#tooltip.className = "hn-dag-tooltip";
    this.#tooltip.hidden = true;
    this.node.append(this.#static, this.#animated, this.#tooltip);
    this.#unwatchTheme = watchTheme(() => void this.#draw(false));
  }

  /** Called for the first output and again for every update_display_data of it. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[DAG_MIME_TYPE] as unknown as DagMimeData;
    // Another pipeline in the same output (ids are stable across updates of one): start from its own view.
    const structure = data.full?.nodes.map((n) => n.id).join("\u0000") ?? data.dot;
    if (structure !== this.#structure) this.#expanded = new Set(data.expanded ?? []);
    this.#structure = structure;
    this.#data = data;
    return this.#scheduleStatusDraw(data.status?.state === "running");
  }

  /** Expands or collapses a nested pipeline, animating the re-layout. */
  toggle(pipelineId: string): Promise<void> {
    const expanded = this.#expanded!;
    if (!expanded.delete(pipelineId)) expanded.add(pipelineId);
    return this.#draw(true);
  }

  /** A live run redraws at most every STATUS_REDRAW_MS; its final state at once. */
  #scheduleStatusDraw(running: boolean): Promise<void> {
    clearTimeout(this.#pending);
    const wait = this.#lastStatusDraw + STATUS_REDRAW_MS - performance.now();
    if (!running || wait <= 0) return this.#draw(false);
    this.#pending = setTimeout(() => void this.#draw(false), wait);
    return this.#rendering;
  }

  #draw(animate: boolean): Promise<void> {
    const data = this.#data!;
    const expanded = this.#expanded!;
    const options = { ...data.options, depth: 1, theme: labTheme() };
    // Outputs saved by an older kernel carry only their DOT: drawn as they are, without interaction.
    const view = data.full && viewModel(data.full, (p) => expanded.has(p.id));
    if (view && data.status) view.status = data.status;
    const dot = view ? modelToDot(view, options) : data.dot;
    this.#lastStatusDraw = performance.now();
    if (dot === this.#drawnDot) return this.#rendering;
    const from = this.#drawnDot;
    this.#drawnDot = dot;
    const draw = ++this.#draws;
    this.node.dataset.hnState = "drawing";
    this.#rendering = this.#rendering
      .then(() => (animate ? this.#animate(from, dot) : this.#drawAtOnce(dot, options)))
      .then(
        () => view && this.#wire(data, animate ? this.#animated : this.#static),
        (error: Error) => this.#showError(error),
      )
      .then(() => {
        if (draw === this.#draws) this.node.dataset.hnState = "idle";
      });
    return this.#rendering;
  }

  async #drawAtOnce(dot: string, options: Parameters<typeof liftClusterTitles>[1]): Promise<void> {
    layoutEngine ??= Graphviz.load();
    this.#static.innerHTML = liftClusterTitles((await layoutEngine).layout(dot, "svg", "dot"), options);
    this.#animated.hidden = true;
    this.#static.hidden = false;
    const svg = select(this.#static).select<SVGSVGElement>("svg");
    const graph = svg.select<SVGGElement>("g");
    const placed = graph.attr("transform"); // Graphviz's own offset, under the reader's pan and zoom
    const zoomed = zoom<SVGSVGElement, unknown>().on("zoom", (e: { transform: ZoomTransform }) => {
      this.#zoom = e.transform;
      graph.attr("transform", `${e.transform} ${placed}`);
    });
    svg.call(zoomed).call(zoomed.transform, this.#zoom);
  }

  /** d3-graphviz animates from what it drew last: it first draws what is shown now, unanimated. */
  #animate(from: string, to: string): Promise<void> {
    const gv = (this.#gv ??= graphviz(this.#animated, { useWorker: false, zoom: true, fit: false, tweenShapes: false, convertEqualSidedPolygons: false }));
    const render = (dot: string, ms: number) =>
      new Promise<void>((resolve, reject) => {
        gv.onerror(reject).transition((() => transition("hn-dag").duration(ms)) as any);
        // Called once the drawing is in place and its transition has ended.
        gv.renderDot(dot, () => resolve());
      });
    return (async () => {
      if (this.#animatedDot !== from) await render(from, 0);
      this.#static.hidden = true;
      this.#animated.hidden = false;
      await render(to, TOGGLE_MS);
      this.#animatedDot = to;
    })();
  }

  /** A drawing that failed says so in place of the DAG (and the next update draws again). */
  #showError(error: Error): void {
    this.#drawnDot = "";
    this.#animated.hidden = true;
    this.#static.hidden = false;
    this.#static.replaceChildren(Object.assign(document.createElement("pre"), { className: "hn-dag-error", textContent: `Could not draw this DAG: ${error.message}` }));
  }

  /** Hooks clicks and hover onto the freshly drawn nodes and clusters. */
  #wire(data: DagMimeData, container: HTMLElement): void {
    const byDotId = new Map<string, VizNode>();
    for (const n of data.full.nodes) byDotId.set(n.kind === "pipeline" && this.#expanded!.has(n.id) ? clusterId(n.id) : n.id, n);
    const svg = select(container).select("svg");
    svg.classed("hn-dag-svg", true);
    svg.selectAll<SVGGElement, unknown>("g.node, g.cluster").each((_, i, groups) => {
      const group = groups[i]!;
      const node = byDotId.get(group.querySelector("title")?.textContent ?? "");
      if (!node) return;
      group.dataset.hnId = node.id;
      group.classList.toggle("hn-dag-toggle", node.kind === "pipeline");
      group.onclick = node.kind === "pipeline" ? (e) => (e.stopPropagation(), void this.toggle(node.id)) : null;
      group.onmouseenter = (e) => this.#showDetails(node, e);
      group.onmousemove = (e) => this.#moveTooltip(e);
      group.onmouseleave = () => (this.#tooltip.hidden = true);
    });
  }

  #showDetails(node: VizNode, event: MouseEvent): void {
    const { title, lines } = nodeDetails(node, this.#data!.full, this.#data!);
    const heading = document.createElement("b");
    heading.textContent = title;
    this.#tooltip.replaceChildren(heading, ...lines.map((line) => Object.assign(document.createElement("div"), { textContent: line })));
    this.#tooltip.hidden = false;
    this.#moveTooltip(event);
  }

  #moveTooltip(event: MouseEvent): void {
    const box = this.node.getBoundingClientRect();
    this.#tooltip.style.left = `${event.clientX - box.left + 14}px`;
    this.#tooltip.style.top = `${event.clientY - box.top + 14}px`;
  }

  override dispose(): void {
    clearTimeout(this.#pending);
    this.#unwatchTheme();
    super.dispose();
  }
}

// Renders our dag+json output: pan and zoom (Ctrl/⌘ + wheel or pinch; the plain wheel scrolls the
// notebook), a toolbar, click a nested pipeline to expand it (click its cluster or title to collapse
// it) with d3-graphviz's animated re-layout, hover for a node's details, the lab's light/dark theme,
// and live run status when the kernel updates the output in place.
//
// Two ways of drawing, for speed: a new output, a status update or a theme switch is laid out by
// Graphviz (wasm) and inserted as SVG at once (a 200-node DAG in well under 500 ms); only an expand
// or collapse goes through d3-graphviz, whose data extraction and d3 joins cost several times the
// layout but animate the change. Its last frame is then replaced by a drawing of the first kind, so
// every view shown for long looks and behaves the same. The reader's pan and zoom apply to both.
import { Graphviz } from "@hpcc-js/wasm/graphviz";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { graphviz, type Graphviz as D3Graphviz } from "d3-graphviz";
import { select, type Selection } from "d3-selection";
import { transition } from "d3-transition";
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from "d3-zoom";
import {
  clusterId,
  clusterTitleId,
  DAG_MIME_TYPE,
  liftClusterTitles,
  modelToDot,
  viewModel,
  type DagDrawOptions,
  type DagMimeData,
  type VizModel,
  type VizNode,
} from "hypernodes/browser";
import { downloadPng, downloadSvg } from "./dag-export";
import { fitTexts } from "./dag-text-fit";
import { DagToolbar } from "./dag-toolbar";
import { nodeDetails } from "./dag-details";
import { Tooltip } from "./tooltip";
import { labTheme, watchTheme } from "./theme";

/** Least time between two redraws of live status: the kernel may update faster than layout runs. */
const STATUS_REDRAW_MS = 250;
const TOGGLE_MS = 450;
const ZOOM_EXTENT: [number, number] = [0.1, 8];

let layoutEngine: Promise<Graphviz> | undefined;
// Compiling Graphviz's wasm takes about a second: start it while the lab is idle, not when the first
// DAG arrives.
requestIdleCallback(() => (layoutEngine ??= Graphviz.load()));

/** Wheel events zoom only with Ctrl/⌘ (a trackpad's pinch sends Ctrl + wheel); other gestures as d3-zoom's default. */
function zoomGesture(event: MouseEvent | WheelEvent): boolean {
  return event.type === "wheel" ? event.ctrlKey || event.metaKey : !event.ctrlKey && !event.button;
}

export class DagRenderer extends Widget implements IRenderMime.IRenderer {
  /** Holds the SVG drawn at once. */
  readonly #static = document.createElement("div");
  /** Holds d3-graphviz's SVG while it animates an expand or collapse. */
  readonly #animated = document.createElement("div");
  readonly #tooltip = new Tooltip(this.node, "hn-dag-tooltip");
  readonly #toolbar: DagToolbar;
  #gv: D3Graphviz<any, any, any, any> | undefined;
  /** d3-graphviz's last frame, out of the page between animations. */
  #parked: SVGSVGElement | undefined;
  /** The DOT d3-graphviz last drew (it animates from its own last drawing). */
  #animatedDot = "";
  #data: DagMimeData | undefined;
  /** Pipelines the reader expanded (starts as the kernel's view). */
  #expanded: Set<string> | undefined;
  /** The drawn pipeline's node ids, to tell an update of it from another pipeline. */
  #structure: string | undefined;
  #drawnDot = "";
  /** The SVG drawn at once, as Graphviz laid it out: what a download saves. */
  #svgText = "";
  /** The view last drawn and how, for a download with the legend. */
  #drawn: { view: VizModel | undefined; options: DagDrawOptions } | undefined;
  /** Draws started; the latest one sets the state to idle when it is done. */
  #draws = 0;
  /** The reader's pan and zoom, kept across redraws, expands, collapses and theme switches. */
  #zoom: ZoomTransform = zoomIdentity;
  #zoomer: { svg: Selection<SVGSVGElement, unknown, null, undefined>; behavior: ZoomBehavior<SVGSVGElement, unknown> } | undefined;
  #rendering: Promise<void> = Promise.resolve();
  #lastStatusDraw = 0;
  #pending: ReturnType<typeof setTimeout> | undefined;
  #sizeWatch: ResizeObserver | undefined;
  readonly #unwatchTheme: () => void;

  constructor() {
    super();
    this.addClass("hn-dag");
    this.#static.className = "hn-dag-graph";
    this.#animated.className = "hn-dag-graph hn-dag-animated";
    this.#animated.hidden = true;
    this.#toolbar = new DagToolbar({
      fit: () => this.#setZoom(zoomIdentity),
      zoomBy: (factor) => this.#zoomer?.svg.call(this.#zoomer.behavior.scaleBy, factor),
      expandAll: (expand) => this.#expandAll(expand),
      download: (format) => void this.#download(format),
    });
    this.node.append(this.#toolbar.element, this.#toolbar.legend, this.#static, this.#animated, this.#tooltip.element);
    this.node.onmouseleave = () => this.#tooltip.hide();
    this.#unwatchTheme = watchTheme(() => void this.#draw(false));
  }

  /** Called for the first output and again for every update_display_data of it. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[DAG_MIME_TYPE] as unknown as DagMimeData;
    // Another pipeline in the same output (ids are stable across updates of one): start from its own view.
    const structure = data.full?.nodes.map((n) => n.id).join("\u0000") ?? data.dot;
    if (structure !== this.#structure) {
      this.#expanded = new Set(data.expanded ?? []);
      // Drawn with showLegend: its legend opens with it (our own, above the DAG); the reader toggles it from then on.
      this.#toolbar.showLegend(!!data.options?.showLegend);
    }
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

  #expandAll(expand: boolean): Promise<void> {
    const pipelines = this.#data?.full?.nodes.filter((n) => n.kind === "pipeline").map((n) => n.id) ?? [];
    this.#expanded = new Set(expand ? pipelines : []);
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
    // The legend is the toolbar's (HTML, toggled by the reader), never drawn in the DAG.
    const options: DagDrawOptions = { ...data.options, theme: labTheme(), showLegend: false };
    // Outputs saved by an older kernel carry only their DOT: drawn as they are, without interaction.
    const view = data.full && viewModel(data.full, (p) => expanded.has(p.id));
    if (view && data.status) view.status = data.status;
    const dot = view ? modelToDot(view, options) : data.dot;
    this.#toolbar.update(!!data.full?.nodes.some((n) => n.kind === "pipeline"), options.theme, view);
    this.#drawn = { view, options };
    this.#lastStatusDraw = performance.now();
    if (dot === this.#drawnDot) return this.#rendering;
    const from = this.#drawnDot;
    this.#drawnDot = dot;
    const draw = ++this.#draws;
    this.node.dataset.hnState = "drawing";
    this.#rendering = this.#rendering
      .then(async () => {
        if (animate && from) await this.#animate(from, dot);
        // A newer draw replaces this one: only the last animation's end is drawn.
        if (draw === this.#draws) {
          await this.#drawAtOnce(dot, options);
          this.#parkAnimation();
        }
      })
      .then(
        () => view && draw === this.#draws && this.#wire(data),
        (error: Error) => this.#showError(error),
      )
      .then(() => {
        this.#tooltip.check();
        if (draw === this.#draws) this.node.dataset.hnState = "idle";
      });
    return this.#rendering;
  }

  async #drawAtOnce(dot: string, options: DagDrawOptions): Promise<void> {
    layoutEngine ??= Graphviz.load();
    this.#svgText = liftClusterTitles((await layoutEngine).layout(dot, "svg", "dot"), options);
    this.#static.innerHTML = this.#svgText;
    this.#animated.hidden = true;
    this.#static.hidden = false;
    const svg = select(this.#static).select<SVGSVGElement>("svg");
    // Its background would show as a card moving with pan and zoom: the output's own shows instead.
    svg.select("g > polygon").attr("fill", "transparent");
    this.#fitWhenShown(svg.node()!);
    const graph = svg.select<SVGGElement>("g");
    const placed = graph.attr("transform"); // Graphviz's own offset, under the reader's pan and zoom
    const behavior = zoom<SVGSVGElement, unknown>()
      .filter(zoomGesture)
      .scaleExtent(ZOOM_EXTENT)
      .on("zoom", (e: { transform: ZoomTransform }) => {
        this.#zoom = e.transform;
        graph.attr("transform", `${e.transform} ${placed}`);
      });
    svg.call(behavior).on("dblclick.zoom", null).call(behavior.transform, this.#zoom);
    this.#zoomer = { svg, behavior };
  }

  /**
   * Texts can only be measured in a drawing on screen: a notebook lays out only the cells in view,
   * so an output drawn further down (Run All) is fitted when it first shows.
   */
  #fitWhenShown(svg: SVGSVGElement): void {
    this.#sizeWatch?.disconnect();
    if (svg.getBoundingClientRect().width) return fitTexts(svg);
    this.#sizeWatch = new ResizeObserver(() => {
      if (!svg.isConnected || !svg.getBoundingClientRect().width) return;
      this.#sizeWatch?.disconnect();
      fitTexts(svg);
    });
    this.#sizeWatch.observe(this.node);
  }

  #setZoom(transform: ZoomTransform): void {
    if (this.#zoomer) this.#zoomer.svg.call(this.#zoomer.behavior.transform, transform);
  }

  /**
   * d3-graphviz animates from what it drew last: it first draws what is shown now, unanimated. The
   * reader's pan and zoom are applied to its container meanwhile, so nothing jumps.
   */
  #animate(from: string, to: string): Promise<void> {
    const gv = (this.#gv ??= graphviz(this.#animated, { useWorker: false, zoom: false, fit: false, tweenShapes: false, convertEqualSidedPolygons: false }));
    const render = (dot: string, ms: number) =>
      new Promise<void>((resolve, reject) => {
        gv.onerror(reject).transition((() => transition("hn-dag").duration(ms)) as any);
        // Called once the drawing is in place and its transition has ended.
        gv.renderDot(dot, () => resolve());
      });
    return (async () => {
      if (this.#parked) this.#animated.append(this.#parked);
      this.#parked = undefined;
      if (this.#animatedDot !== from) await render(from, 0);
      this.#animated.style.transform = this.#cssZoom();
      this.#static.hidden = true;
      this.#animated.hidden = false;
      await render(to, TOGGLE_MS);
      this.#animatedDot = to;
    })();
  }

  /**
   * Once the static drawing replaces the animation's last frame, that frame leaves the page (two copies
   * of one drawing would share element ids); it is put back for the next animation, which d3-graphviz
   * starts from it (drawing it again would cost seconds on a large DAG).
   */
  #parkAnimation(): void {
    this.#parked = this.#animated.querySelector("svg") ?? undefined;
    this.#parked?.remove();
  }

  /** The reader's zoom as a CSS transform of the drawing's box (its SVG units are points, not pixels). */
  #cssZoom(): string {
    const svg = this.#static.querySelector("svg");
    const units = svg?.viewBox.baseVal.width ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1;
    const { x, y, k } = this.#zoom;
    return `translate(${x * units}px, ${y * units}px) scale(${k})`;
  }

  /** Saves the drawing as shown: with its legend (drawn by Graphviz, as `viz.save` does) while the legend is open. */
  async #download(format: "svg" | "png"): Promise<void> {
    const name = this.#data?.full?.name ?? "dag";
    let svg = this.#svgText;
    const drawn = this.#drawn;
    if (!this.#toolbar.legend.hidden && drawn?.view) {
      const options = { ...drawn.options, showLegend: true };
      layoutEngine ??= Graphviz.load();
      svg = liftClusterTitles((await layoutEngine).layout(modelToDot(drawn.view, options), "svg", "dot"), options);
    }
    if (format === "svg") downloadSvg(svg, name);
    else await downloadPng(svg, name, getComputedStyle(this.node).getPropertyValue("--jp-layout-color0").trim() || "#ffffff");
  }

  /** A drawing that failed says so in place of the DAG (and the next update draws again). */
  #showError(error: Error): void {
    this.#drawnDot = "";
    this.#animated.hidden = true;
    this.#static.hidden = false;
    this.#static.replaceChildren(Object.assign(document.createElement("pre"), { className: "hn-dag-error", textContent: `Could not draw this DAG: ${error.message}` }));
  }

  /** Hooks clicks and hover onto the freshly drawn nodes, clusters and cluster titles. */
  #wire(data: DagMimeData): void {
    const byDotId = new Map<string, VizNode>();
    for (const n of data.full.nodes) {
      const cluster = n.kind === "pipeline" && this.#expanded!.has(n.id);
      byDotId.set(cluster ? clusterId(n.id) : n.id, n);
      if (cluster) byDotId.set(clusterTitleId(n.id), n);
    }
    const svg = select(this.#static).select("svg");
    svg.classed("hn-dag-svg", true);
    svg.selectAll<SVGGElement, unknown>("g.node, g.cluster, g.cluster-title").each((_, i, groups) => {
      const group = groups[i]!;
      const node = byDotId.get(group.querySelector(":scope > title")?.textContent ?? "");
      if (!node) return;
      group.dataset.hnId = node.id;
      group.classList.toggle("hn-dag-toggle", node.kind === "pipeline");
      group.onclick = node.kind === "pipeline" ? (e) => (e.stopPropagation(), void this.toggle(node.id)) : null;
      if (group.classList.contains("cluster-title")) return;
      group.onmouseenter = (e) => {
        const { title, lines } = nodeDetails(node, this.#data!);
        this.#tooltip.show(group, title, lines, e);
      };
      group.onmousemove = (e) => this.#tooltip.move(e);
      group.onmouseleave = () => this.#tooltip.hide();
    });
  }

  override dispose(): void {
    clearTimeout(this.#pending);
    this.#sizeWatch?.disconnect();
    this.#unwatchTheme();
    super.dispose();
  }
}

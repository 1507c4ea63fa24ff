// Renders our dag+json output with d3-graphviz: pan and zoom, click a nested pipeline to expand it
// (click its cluster to collapse it) with an animated re-layout, hover for a node's details, the
// lab's light/dark theme, and live run status when the kernel updates the output in place.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { graphviz, type Graphviz } from "d3-graphviz";
import { select } from "d3-selection";
import { transition } from "d3-transition";
import { clusterId, DAG_MIME_TYPE, modelToDot, viewModel, type DagMimeData, type VizNode } from "hypernodes/browser";
import { nodeDetails } from "./dag-details";
import { labTheme, watchTheme } from "./theme";

/** Least time between two redraws of live status: the kernel may update faster than layout runs. */
const STATUS_REDRAW_MS = 250;

export class DagRenderer extends Widget implements IRenderMime.IRenderer {
  readonly #graph = document.createElement("div");
  readonly #tooltip = document.createElement("div");
  #gv: Graphviz<any, any, any, any> | undefined;
  #data: DagMimeData | undefined;
  /** Pipelines the reader expanded (starts as the kernel's view). */
  #expanded: Set<string> | undefined;
  #drawnDot = "";
  #rendering: Promise<void> = Promise.resolve();
  #lastStatusDraw = 0;
  #pending: ReturnType<typeof setTimeout> | undefined;
  readonly #unwatchTheme: () => void;

  constructor() {
    super();
    this.addClass("hn-dag");
    this.#graph.className = "hn-dag-graph";
    this.#tooltip.className = "hn-dag-tooltip";
    this.#tooltip.hidden = true;
    this.node.append(this.#graph, this.#tooltip);
    this.#unwatchTheme = watchTheme(() => void this.#draw(false));
  }

  /** Called for the first output and again for every update_display_data of it. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[DAG_MIME_TYPE] as unknown as DagMimeData;
    const structureChanged = this.#data?.full !== undefined && JSON.stringify(this.#data.full.nodes) !== JSON.stringify(data.full.nodes);
    this.#data = data;
    if (!this.#expanded || structureChanged) this.#expanded = new Set(data.expanded);
    return this.#scheduleStatusDraw(data.status?.state === "running");
  }

  /** Expands or collapses a nested pipeline, animating the re-layout. */
  toggle(pipelineId: string): Promise<void> {
    const expanded = this.#expanded!;
    if (!expanded.delete(pipelineId)) expanded.add(pipelineId);
    return this.#draw(true);
  }

  get dot(): string {
    return this.#drawnDot;
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
    const view = viewModel(data.full, (p) => expanded.has(p.id));
    if (data.status) view.status = data.status;
    const dot = modelToDot(view, { ...data.options, depth: 1, theme: labTheme() });
    this.#lastStatusDraw = performance.now();
    if (dot === this.#drawnDot) return this.#rendering;
    this.#drawnDot = dot;
    this.node.dataset.hnState = "drawing";
    this.#rendering = this.#rendering.then(
      () =>
        new Promise<void>((resolve, reject) => {
          const gv = (this.#gv ??= graphviz(this.#graph, { useWorker: false, zoom: true, fit: false }).onerror(reject));
          gv.transition((() => transition("hn-dag").duration(animate ? 450 : 0)) as any);
          // Called once the layout is drawn and any transition has ended.
          gv.renderDot(dot, () => {
            this.#wire(data);
            if (this.#drawnDot === dot) this.node.dataset.hnState = "idle";
            resolve();
          });
        }),
    );
    return this.#rendering;
  }

  /** Hooks clicks and hover onto the freshly drawn nodes and clusters. */
  #wire(data: DagMimeData): void {
    const byDotId = new Map<string, VizNode>();
    for (const n of data.full.nodes) byDotId.set(n.kind === "pipeline" && this.#expanded!.has(n.id) ? clusterId(n.id) : n.id, n);
    const svg = select(this.#graph).select("svg");
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

// Renders our telemetry+json output (TelemetryCallback's latest call) as a waterfall: a time axis,
// a bar per pipeline, map, nested pipeline and node from its first start to its last end (nested
// ones indented), cache-only rows hatched, failures red; hovering a row shows its exact figures.
// The totals per node follow. Worded and coloured as the fallbacks are (timeline-format.ts and
// palette.ts in hypernodes/browser).
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import {
  figureTone,
  formatDuration,
  progressColors,
  rowError,
  rowFigures,
  rowLabel,
  rowTooltip,
  TELEMETRY_MIME_TYPE,
  timeAxis,
  timelineHeader,
  type TimelineModel,
  type TimelineRow,
} from "hypernodes/browser";
import { element } from "./dom";
import { Tooltip } from "./tooltip";
import { labTheme, watchTheme } from "./theme";

export class TimelineRenderer extends Widget implements IRenderMime.IRenderer {
  readonly #tooltip = new Tooltip(this.node, "hn-dag-tooltip hn-timeline-tooltip");
  readonly #unwatchTheme: () => void;

  constructor() {
    super();
    this.addClass("hn-timeline");
    this.#applyColors();
    this.#unwatchTheme = watchTheme(() => this.#applyColors());
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const timeline = model.data[TELEMETRY_MIME_TYPE] as unknown as TimelineModel;
    const axis = timeAxis(timeline);
    const pct = (ms: number) => `${(100 * ms) / axis.end}%`;
    const grid = element("div", "hn-timeline-grid");
    // Grid lines a tick apart, behind every row's bar.
    grid.style.setProperty("--hn-timeline-step", pct(axis.ticks[1]?.at ?? axis.end));
    const ticks = element("div", "hn-timeline-axis");
    for (const { at, label } of axis.ticks) {
      const tick = element("span", "hn-timeline-tick", label);
      tick.style.left = pct(at);
      ticks.append(tick);
    }
    grid.append(element("span", ""), ticks, element("span", ""));
    for (const row of timeline.rows) grid.append(...this.#row(row, pct));
    this.node.replaceChildren(element("div", "hn-timeline-title", timelineHeader(timeline)), grid, totals(timeline), this.#tooltip.element);
    return Promise.resolve();
  }

  /** The row's label, track and figures: three cells of the grid, so bars line up across rows. */
  #row(row: TimelineRow, pct: (ms: number) => string): HTMLElement[] {
    const label = element("span", "hn-timeline-label", rowLabel(row));
    label.style.setProperty("--hn-depth", String(row.depth));
    const track = element("span", "hn-timeline-track");
    const bar = element("span", "hn-timeline-bar");
    bar.style.left = pct(row.start);
    bar.style.width = pct(row.end - row.start);
    track.append(bar);
    // Each figure unbroken, so that a narrow output wraps them between figures; cache hits and failures in their colours.
    const parts = rowFigures(row).map((part) => {
      const tone = figureTone(part);
      return element("span", tone ? `hn-timeline-figure-${tone}` : "", part);
    });
    const error = rowError(row);
    if (error) parts.push(element("span", "hn-timeline-error", error));
    const figures = element("span", "hn-timeline-figures");
    parts.forEach((part, i) => figures.append(...(i ? [" · ", part] : [part])));
    const cells = [label, track, figures];
    for (const cell of cells) {
      cell.classList.add(`hn-timeline-${row.kind}`);
      cell.classList.toggle("hn-timeline-cached", row.runs === 0 && row.hits > 0);
      cell.classList.toggle("hn-timeline-failed", row.failed > 0);
      cell.classList.toggle("hn-timeline-running", row.running);
      cell.addEventListener("mousemove", (event) => {
        const [title, ...lines] = rowTooltip(row);
        this.#tooltip.show(cells[0]!, title!, lines, event);
      });
      cell.addEventListener("mouseleave", () => this.#tooltip.hide());
    }
    return cells;
  }

  /** The run palette the progress bars and DAG use, for the lab's theme (style/index.css reads it). */
  #applyColors(): void {
    for (const [part, color] of Object.entries(progressColors(labTheme()))) this.node.style.setProperty(`--hn-timeline-${part}`, color);
  }

  override dispose(): void {
    this.#unwatchTheme();
    super.dispose();
  }
}

/** The time each node took in all, every level together, longest first, with a bar scaled to the longest. */
function totals({ totals }: TimelineModel): HTMLElement {
  const table = element("table", "hn-timeline-totals");
  const head = element("tr", "");
  for (const text of ["node", "count", "cache hits", "total", "mean", ""]) head.append(element("th", "", text));
  table.append(head);
  const max = totals[0]?.totalMs ?? 0;
  for (const total of totals) {
    const tr = element("tr", "");
    const bar = element("span", "hn-timeline-total-bar");
    bar.style.width = `${max > 0 ? (100 * total.totalMs) / max : 0}%`;
    // A node only served from the cache took no time of its own.
    const [sum, mean] = total.runs ? [formatDuration(total.totalMs), formatDuration(total.totalMs / total.runs)] : ["-", "-"];
    for (const text of [total.name, String(total.runs), String(total.hits), sum, mean]) tr.append(element("td", "", text));
    const cell = element("td", "");
    cell.append(bar);
    tr.append(cell);
    table.append(tr);
  }
  return table;
}

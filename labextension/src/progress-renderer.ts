// Renders our progress+json output: one bar per node and per map (nested pipelines indented),
// percentage and counts, cached items apart (⚡), a map's time elapsed, items/s and ETA while it runs
// and the time it took once over, failures in red with the error's first line: worded and coloured
// as everywhere else (progress-format.ts and palette.ts in hypernodes/browser). Each update_display_data re-renders in place, reusing the rows' elements.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { barSegments, PROGRESS_MIME_TYPE, progressColors, rowParts, type ProgressMimeData, type ProgressRow } from "hypernodes/browser";
import { element } from "./dom";
import { labTheme, watchTheme } from "./theme";

interface RowElements {
  root: HTMLElement;
  label: HTMLElement;
  ran: HTMLElement;
  cached: HTMLElement;
  failed: HTMLElement;
  percent: HTMLElement;
  counts: HTMLElement;
  rate: HTMLElement;
  error: HTMLElement;
}

export class ProgressRenderer extends Widget implements IRenderMime.IRenderer {
  readonly #rows: RowElements[] = [];
  readonly #unwatchTheme: () => void;

  constructor() {
    super();
    this.addClass("hn-progress");
    this.#applyColors();
    this.#unwatchTheme = watchTheme(() => this.#applyColors());
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const { rows, final, at } = model.data[PROGRESS_MIME_TYPE] as unknown as ProgressMimeData;
    while (this.#rows.length < rows.length) this.#rows.push(this.#appendRow());
    while (this.#rows.length > rows.length) this.#rows.pop()!.root.remove();
    rows.forEach((row, i) => fill(this.#rows[i]!, row, final, at));
    this.node.classList.toggle("hn-progress-final", final);
    return Promise.resolve();
  }

  /** The run palette the DAG's node states use too, for the lab's theme (style/index.css reads it). */
  #applyColors(): void {
    for (const [part, color] of Object.entries(progressColors(labTheme()))) this.node.style.setProperty(`--hn-progress-${part}`, color);
  }

  #appendRow(): RowElements {
    const root = element("div", "hn-progress-row");
    const label = element("span", "hn-progress-label");
    const bar = element("span", "hn-progress-bar");
    const ran = element("span", "hn-progress-ran");
    const cached = element("span", "hn-progress-cached");
    const failed = element("span", "hn-progress-failed");
    bar.append(ran, cached, failed);
    const percent = element("span", "hn-progress-percent");
    const counts = element("span", "hn-progress-counts");
    const rate = element("span", "hn-progress-rate");
    const error = element("span", "hn-progress-error");
    root.append(label, bar, percent, counts, rate, error);
    this.node.append(root);
    return { root, label, ran, cached, failed, percent, counts, rate, error };
  }

  override dispose(): void {
    this.#unwatchTheme();
    super.dispose();
  }
}

/** A row as progress-format.ts words it (as the terminal and the HTML fallback do), on the kernel's clock (`at`). */
function fill(el: RowElements, row: ProgressRow, final: boolean, at: number): void {
  const pct = (fraction: number) => `${100 * fraction}%`;
  const bar = barSegments(row);
  const { count, percent, cached, failed, error, timing } = rowParts(row, final, at);
  el.root.style.setProperty("--hn-depth", String(row.depth));
  el.root.classList.toggle("hn-progress-map", row.isMap);
  el.root.classList.toggle("hn-progress-has-failed", row.failed > 0);
  el.root.classList.toggle("hn-progress-complete", bar.complete);
  setText(el.label, row.label);
  el.ran.style.width = pct(bar.ran);
  el.cached.style.width = pct(bar.cached);
  el.failed.style.width = pct(bar.failed);
  setText(el.percent, percent);
  setText(el.counts, [count, cached, failed].filter(Boolean).join(" · "));
  setText(el.rate, timing.join(" · "));
  setText(el.error, error);
}

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

// Renders our progress+json output: one bar per node and per map (nested pipelines indented),
// counts, cached items apart (⚡), items/s and ETA while running, failures in red with the error's
// first line. Each update_display_data re-renders in place, reusing the rows' elements.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { PROGRESS_MIME_TYPE, type ProgressMimeData, type ProgressRow } from "hypernodes/browser";
import { element } from "./dom";

interface RowElements {
  root: HTMLElement;
  label: HTMLElement;
  ran: HTMLElement;
  cached: HTMLElement;
  failed: HTMLElement;
  counts: HTMLElement;
  rate: HTMLElement;
  error: HTMLElement;
}

export class ProgressRenderer extends Widget implements IRenderMime.IRenderer {
  readonly #rows: RowElements[] = [];

  constructor() {
    super();
    this.addClass("hn-progress");
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const { rows, final, at } = model.data[PROGRESS_MIME_TYPE] as unknown as ProgressMimeData;
    while (this.#rows.length < rows.length) this.#rows.push(this.#appendRow());
    while (this.#rows.length > rows.length) this.#rows.pop()!.root.remove();
    rows.forEach((row, i) => fill(this.#rows[i]!, row, final, at));
    this.node.classList.toggle("hn-progress-final", final);
    return Promise.resolve();
  }

  #appendRow(): RowElements {
    const root = element("div", "hn-progress-row");
    const label = element("span", "hn-progress-label");
    const bar = element("span", "hn-progress-bar");
    const ran = element("span", "hn-progress-ran");
    const cached = element("span", "hn-progress-cached");
    const failed = element("span", "hn-progress-failed");
    bar.append(ran, cached, failed);
    const counts = element("span", "hn-progress-counts");
    const rate = element("span", "hn-progress-rate");
    const error = element("span", "hn-progress-error");
    root.append(label, bar, counts, rate, error);
    this.node.append(root);
    return { root, label, ran, cached, failed, counts, rate, error };
  }
}

function fill(el: RowElements, row: ProgressRow, final: boolean, at: number): void {
  const pct = (n: number) => `${row.total ? (100 * n) / row.total : 0}%`;
  const ran = row.value - row.cached - row.failed;
  el.root.style.setProperty("--hn-depth", String(row.depth));
  el.root.classList.toggle("hn-progress-map", row.isMap);
  el.root.classList.toggle("hn-progress-has-failed", row.failed > 0);
  el.root.classList.toggle("hn-progress-complete", row.value >= row.total);
  setText(el.label, row.label);
  el.ran.style.width = pct(ran);
  el.cached.style.width = pct(row.cached);
  el.failed.style.width = pct(row.failed);
  setText(el.counts, `${row.value}/${row.total}${row.cached ? ` · ⚡${row.cached} cached` : ""}${row.failed ? ` · ✗ ${row.failed} failed` : ""}`);
  setText(el.rate, row.isMap ? rateText(row, final, at) : "");
  setText(el.error, row.failed && row.error ? row.error.split("\n")[0]! : "");
}

/** Items/s of the items that ran (cached ones cost nothing) and the ETA, on the kernel's clock. */
function rateText(row: ProgressRow, final: boolean, at: number): string {
  const seconds = (at - row.startedAt) / 1000;
  const ran = row.value - row.cached;
  if (final) return `in ${seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`}`;
  if (seconds < 0.5 || row.value === 0) return "";
  const rate = ran > 0 ? `${(ran / seconds).toFixed(1)} it/s` : "";
  const eta = row.value < row.total ? `ETA ${Math.ceil((seconds / row.value) * (row.total - row.value))} s` : "";
  return [rate, eta].filter(Boolean).join(" · ");
}

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

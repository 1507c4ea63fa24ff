import { escapeHtml } from "./html.js";
import { PROGRESS_MIME_TYPE } from "./mime-types.js";
import type { NotebookKernel } from "./notebook-kernel.js";
import type { ProgressRenderer, ProgressRow } from "./progress.js";
import { formatRow, rateAndEta } from "./progress-terminal.js";

/** Our progress output: the bars, whether the run is over, and when the snapshot was taken (ms since epoch). */
export interface ProgressMimeData {
  rows: readonly ProgressRow[];
  final: boolean;
  at: number;
}

let displays = 0;

/**
 * Progress rows as one live notebook output, updated in place (display_id + update_display_data):
 * `application/vnd.hypernodes.progress+json` for the JupyterLab extension, with HTML and text
 * fallbacks so classic Notebook, VS Code and nbviewer show readable bars. The final state stays in
 * the saved notebook.
 */
export class NotebookProgress implements ProgressRenderer {
  readonly #displayId = `hypernodes-progress-${process.pid}-${++displays}`;
  #shown = false;
  #lastJson = "";

  constructor(private readonly kernel: NotebookKernel) {}

  draw(rows: readonly ProgressRow[], final: boolean): void {
    const json = JSON.stringify(rows) + final;
    if (json === this.#lastJson) return; // nothing moved since the last redraw
    this.#lastJson = json;
    const content: ProgressMimeData = { rows, final, at: Date.now() };
    const bundle = {
      [PROGRESS_MIME_TYPE]: content,
      "text/html": progressHtml(rows, final),
      "text/plain": rows.map((row) => formatRow(row, final)).join("\n"),
    };
    void this.kernel.display({ [Symbol.for("jupyter.mimebundle")]: () => bundle }, { displayId: this.#displayId, update: this.#shown });
    this.#shown = true;
  }
}

const COLORS = { bar: "#6366f1", cached: "#0d9488", failed: "#dc2626", track: "#e5e7eb" };

function progressHtml(rows: readonly ProgressRow[], final: boolean): string {
  const line = (row: ProgressRow) => {
    const pct = (n: number) => ((100 * n) / row.total).toFixed(1);
    const ran = row.value - row.cached - row.failed;
    const detail = [
      `${row.value}/${row.total}`,
      row.cached ? `⚡${row.cached} cached` : "",
      row.failed ? `<span style="color:${COLORS.failed}">✗ ${row.failed} failed${row.error ? `: ${escapeHtml(row.error)}` : ""}</span>` : "",
      row.isMap && !final ? escapeHtml(rateAndEta(row).trim()) : "",
    ].filter(Boolean);
    return (
      `<tr><td style="padding:1px 8px 1px ${8 + 16 * row.depth}px;white-space:nowrap;font-family:monospace">${escapeHtml(row.label)}</td>` +
      `<td style="width:220px"><div style="display:flex;height:10px;background:${COLORS.track};border-radius:5px;overflow:hidden">` +
      `<div style="width:${pct(ran)}%;background:${COLORS.bar}"></div><div style="width:${pct(row.cached)}%;background:${COLORS.cached}"></div>` +
      `<div style="width:${pct(row.failed)}%;background:${COLORS.failed}"></div></div></td>` +
      `<td style="padding:1px 8px;white-space:nowrap;font-family:monospace;font-size:12px">${detail.join(" · ")}</td></tr>`
    );
  };
  return `<table style="border-collapse:collapse">${rows.map(line).join("")}</table>`;
}

import { escapeHtml } from "../notebook/html.js";
import { JUPYTER_MIMEBUNDLE, PROGRESS_MIME_TYPE, type NotebookKernel, type ProgressMimeData } from "../notebook/notebook-protocol.js";
import { progressColors } from "../notebook/palette.js";
import { barSegments, progressClock, rowParts, rowText, type ProgressRenderer, type ProgressRow } from "../notebook/progress-format.js";

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
    const content: ProgressMimeData = { rows, final, at: progressClock() };
    const bundle = {
      [PROGRESS_MIME_TYPE]: content,
      "text/html": progressHtml(content),
      "text/plain": rows.map((row) => rowText(row, final, content.at)).join("\n"),
    };
    void this.kernel.display({ [JUPYTER_MIMEBUNDLE]: () => bundle }, { displayId: this.#displayId, update: this.#shown });
    this.#shown = true;
  }
}

/** The HTML fallback, in the light palette (front ends without our renderer know no theme of ours). */
const COLORS = progressColors("light");

function progressHtml({ rows, final, at }: ProgressMimeData): string {
  const line = (row: ProgressRow) => {
    const pct = (fraction: number) => `${(100 * fraction).toFixed(1)}%`;
    const bar = barSegments(row);
    const { count, percent, cached, failed, error, timing } = rowParts(row, final, at);
    const failure = failed && `<span style="color:${COLORS.failed}">${escapeHtml(error ? `${failed}: ${error}` : failed)}</span>`;
    const detail = [count, cached, failure, ...timing.map(escapeHtml)].filter(Boolean);
    return (
      `<tr><td style="padding:1px 8px 1px ${8 + 16 * row.depth}px;white-space:nowrap;font-family:monospace">${escapeHtml(row.label)}</td>` +
      `<td style="width:220px"><div style="display:flex;height:10px;background:${COLORS.track};border-radius:5px;overflow:hidden">` +
      `<div style="width:${pct(bar.ran)};background:${bar.complete ? COLORS.done : COLORS.ran}"></div>` +
      `<div style="width:${pct(bar.cached)};background:${COLORS.cached}"></div>` +
      `<div style="width:${pct(bar.failed)};background:${COLORS.failed}"></div></div></td>` +
      `<td style="padding:1px 0 1px 8px;text-align:right;font-family:monospace;font-size:12px">${percent}</td>` +
      `<td style="padding:1px 8px;white-space:nowrap;font-family:monospace;font-size:12px">${detail.join(" · ")}</td></tr>`
    );
  };
  return `<table style="border-collapse:collapse">${rows.map(line).join("")}</table>`;
}

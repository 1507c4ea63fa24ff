// Process warnings (ours, such as HYPERNODES_CACHE_STORE, Node's, a library's) shown in the cell as an
// output of their own, not as red stderr text: Node's default listener would print them to stderr,
// which the kernel sends to the current cell.
import { escapeHtml } from "hypernodes/browser";
import { logError } from "./log.js";
import type { CellOutput } from "./output.js";

/** Takes over from Node's printer, where Node prints warnings (not under --no-warnings or NODE_NO_WARNINGS=1). */
export function showWarningsInCells(output: CellOutput): void {
  if (process.listenerCount("warning") === 0) return;
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    // Before the first cell there is nowhere to show it: the kernel's own log.
    if (!output.parent) return logError("warning", warning.message);
    void output.display({ data: warningBundle(warning), metadata: {}, transient: {} });
  });
}

function warningBundle(warning: Error & { code?: string }): Record<string, string> {
  const code = warning.code ? ` [${warning.code}]` : "";
  const html =
    `<div style="border-left:4px solid #d97706;background:rgba(217,119,6,0.12);padding:6px 10px;margin:2px 0;` +
    `border-radius:2px;font-size:13px;line-height:1.4"><b>⚠ ${escapeHtml(warning.name)}</b>` +
    `${code && ` <code style="opacity:0.75">${escapeHtml(code.slice(2, -1))}</code>`}` +
    `<div style="white-space:pre-wrap">${escapeHtml(warning.message)}</div></div>`;
  return { "text/html": html, "text/plain": `${warning.name}${code}: ${warning.message}` };
}

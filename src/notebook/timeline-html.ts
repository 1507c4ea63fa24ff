// The telemetry timeline's HTML fallback, for front ends without our JupyterLab renderer (classic
// Notebook, VS Code, nbviewer): inline styles only, and readable on a light or a dark page — text
// inherits the page's colour, bars take the palette's mid-tone lines, grid lines are translucent grey.
import { escapeHtml } from "./html.js";
import type { TimelineModel, TimelineRow } from "./notebook-protocol.js";
import { progressColors } from "./palette.js";
import { figureTone, rowError, rowFigures, rowLabel, rowTooltip, timeAxis, timelineHeader } from "./timeline-format.js";

const COLORS = progressColors("light");
const TRACK_PX = 480;
const GRID = "rgba(128,128,128,.3)";

export function timelineHtml(model: TimelineModel): string {
  const axis = timeAxis(model);
  const pct = (ms: number) => `${((100 * ms) / axis.end).toFixed(3)}%`;
  const step = axis.ticks[1]?.at ?? axis.end;
  // One grid line per tick, drawn by the track's background.
  const grid = `background:repeating-linear-gradient(90deg,${GRID} 0 1px,transparent 1px ${pct(step)})`;
  const labels = axis.ticks
    .map(({ at, label }, i) => `<span style="position:absolute;top:0;left:${pct(at)};${i ? "transform:translateX(-50%);" : ""}white-space:nowrap">${label}</span>`)
    .join("");
  const cell = "padding:1px 8px;white-space:nowrap";
  const row = (r: TimelineRow) => {
    const tinted = (text: string, tone = figureTone(text)) => (tone ? `<span style="color:${COLORS[tone]}">${escapeHtml(text)}</span>` : escapeHtml(text));
    const error = rowError(r);
    const figures = [...rowFigures(r).map((figure) => tinted(figure)), error && tinted(error, "failed")];
    return (
      `<tr><td style="${cell};padding-left:${8 + 16 * r.depth}px${r.kind === "node" ? "" : ";opacity:.75"}">${escapeHtml(rowLabel(r))}</td>` +
      `<td style="width:${TRACK_PX}px;min-width:${TRACK_PX}px;padding:0;${grid}">` +
      `<div title="${escapeHtml(rowTooltip(r).join("\n"))}" style="margin-left:${pct(r.start)};width:${pct(r.end - r.start)};${barStyle(r)}"></div></td>` +
      `<td style="${cell};opacity:.85">${figures.filter(Boolean).join(" · ")}</td></tr>`
    );
  };
  return (
    `<div style="font-family:monospace;font-size:12px;line-height:1.6">` +
    `<div style="font-weight:bold;margin-bottom:2px">${escapeHtml(timelineHeader(model))}</div>` +
    `<table style="border-collapse:collapse">` +
    `<tr><td></td><td style="position:relative;height:1.5em;padding:0;opacity:.75">${labels}</td><td></td></tr>` +
    `${model.rows.map(row).join("")}</table>` +
    totalsHtml(model) +
    `</div>`
  );
}

/** Ran: solid; only cache hits: hatched; failed: red; a pipeline or map (what holds the rest): translucent. */
function barStyle(row: TimelineRow): string {
  const base = "min-width:2px;height:10px;border-radius:2px;box-sizing:border-box";
  if (row.failed) return `${base};background:${COLORS.failed}`;
  if (row.runs === 0 && row.hits > 0) {
    return `${base};min-width:8px;border:1px solid ${COLORS.cached};background:repeating-linear-gradient(45deg,${COLORS.cached} 0 2px,transparent 2px 4px)`;
  }
  return `${base};background:${COLORS.ran}${row.kind === "node" ? "" : ";opacity:.45"}`;
}

/** The totals per node below the waterfall, as the text summary has them. */
function totalsHtml({ totals }: TimelineModel): string {
  const max = totals[0]?.totalMs ?? 0;
  const right = "padding:0 8px;text-align:right";
  const head = ["count", "cache hits", "total ms", "mean ms"].map((h) => `<th style="${right}">${h}</th>`).join("");
  const body = totals
    .map((t) => {
      const width = max > 0 ? ((t.totalMs / max) * 100).toFixed(1) : "0";
      return (
        `<tr><td style="padding:0 8px">${escapeHtml(t.name)}</td><td style="${right}">${t.runs}</td><td style="${right}">${t.hits}</td>` +
        `<td style="${right}">${t.totalMs.toFixed(2)}</td><td style="${right}">${t.runs ? (t.totalMs / t.runs).toFixed(2) : "-"}</td>` +
        `<td style="width:160px"><div style="background:${COLORS.ran};height:0.9em;width:${width}%"></div></td></tr>`
      );
    })
    .join("");
  return (
    `<table style="border-collapse:collapse;margin-top:8px"><thead><tr><th style="padding:0 8px;text-align:left">node</th>${head}<th></th></tr></thead>` +
    `<tbody>${body}</tbody></table>`
  );
}

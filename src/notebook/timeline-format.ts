// How a telemetry timeline (TimelineModel) reads wherever it is drawn: its time axis, a row's
// label and figures, the exact figures on hover, the totals per node; and the whole as text (the
// notebook's text/plain fallback). The HTML fallback (timeline-html.ts) and the JupyterLab renderer
// (labextension/src/timeline-renderer.ts) use the same words. Browser-safe: exported through `hypernodes/browser`.
import type { TimelineModel, TimelineRow, TimelineTotal } from "./notebook-protocol.js";
import { formatDuration, textBar } from "./progress-format.js";

export interface TimeAxis {
  /** Where the axis ends: the call's wall time, or the last end when a row ends later. */
  end: number;
  /** At a 1, 2 or 5 × 10ⁿ step, labelled in the unit of the axis' end: `0`, `200 µs`, `1.5 s`. */
  ticks: { at: number; label: string }[];
}

/** About `count` ticks (1.5 × `count` at most) from 0 to the model's end. */
export function timeAxis(model: TimelineModel, count = 5): TimeAxis {
  // A call served whole from the cache takes some µs: its axis still has a length.
  const end = Math.max(model.wallMs, ...model.rows.map((r) => r.end), 0.001);
  const raw = end / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  // d3-array's tickIncrement thresholds: the step nearest to `raw` on a log scale.
  const step = power * (m >= Math.sqrt(50) ? 10 : m >= Math.sqrt(10) ? 5 : m >= Math.sqrt(2) ? 2 : 1);
  const [unit, scale] = end < 1 ? ["µs", 1000] : end < 1000 ? ["ms", 1] : ["s", 1 / 1000];
  const decimals = Math.max(0, -Math.floor(Math.log10(step * scale) + 1e-9));
  const ticks = [];
  for (let i = 0; i * step <= end * (1 + 1e-9); i++) {
    ticks.push({ at: i * step, label: i === 0 ? "0" : `${(i * step * scale).toFixed(decimals)} ${unit}` });
  }
  return { end, ticks };
}

/** A row's name with what it is, unless a node: `pipeline calc`, `map calc`, `nested batch`, `double`. */
export function rowLabel(row: TimelineRow): string {
  return row.kind === "node" ? row.name : `${row.kind} ${row.name}`;
}

/** The row ran (or failed) once and hit nothing: its one duration says it all. */
function single(row: TimelineRow): boolean {
  return row.kind !== "map" && row.runs + row.hits + row.failed <= 1;
}

/**
 * What a row says beside its bar: the bar's length (from its first start event to its last end
 * event, so hashing and cache look-ups count), how often it ran, cache hits, failures, and the
 * min/median/max of several runs' own durations:
 * `4.98 ms · 3 items · ⚡1 cached · min 310 µs · med 1.20 ms · max 3.40 ms`.
 */
export function rowFigures(row: TimelineRow): string[] {
  const d = row.durations;
  const parts: string[] = [];
  // Cache hits alone are instants.
  if (row.runs || row.failed || row.running) parts.push(formatDuration(row.end - row.start));
  if (!single(row)) parts.push(count(row.runs, row.kind === "map" ? "item" : "run"));
  if (row.hits) parts.push(`⚡${row.hits} cached`);
  if (row.failed) parts.push(single(row) ? "✗ failed" : `✗ ${row.failed} failed`);
  if (d && row.runs > 1) parts.push(`min ${formatDuration(d.min)}`, `med ${formatDuration(d.median)}`, `max ${formatDuration(d.max)}`);
  if (row.running) parts.push("running");
  return parts.filter(Boolean);
}

/** What a figure of rowFigures tells, for its colour: cache hits (`⚡…`), failures (`✗…`), or neither. */
export function figureTone(figure: string): "cached" | "failed" | undefined {
  return figure.startsWith("⚡") ? "cached" : figure.startsWith("✗") ? "failed" : undefined;
}

/** The first line of a node's first failure, or "": the rows it failed in say so, its message is told once. */
export function rowError(row: TimelineRow): string {
  return row.kind === "node" ? (row.error?.split("\n")[0] ?? "") : "";
}

/** The exact figures of a row, one fact a line (the tooltip of a bar). */
export function rowTooltip(row: TimelineRow): string[] {
  const exact = (ms: number) => `${ms.toFixed(3)} ms`;
  const d = row.durations;
  const lines = [rowLabel(row), `${exact(row.start)} → ${exact(row.end)} (${exact(row.end - row.start)})${row.running ? ", running" : ""}`];
  const counts = [count(row.runs, row.kind === "map" ? "item" : "run"), row.hits ? `${row.hits} cached` : "", row.failed ? `${row.failed} failed` : ""];
  lines.push(counts.filter(Boolean).join(" · "));
  if (d && row.runs > 1) lines.push(`min ${exact(d.min)} · median ${exact(d.median)} · max ${exact(d.max)}`);
  if (d) lines.push(`own time ${exact(d.total)}`);
  if (row.error) lines.push(`✗ ${row.error}`);
  return lines;
}

function count(n: number, what: string): string {
  return n ? `${n} ${what}${n === 1 ? "" : "s"}` : "";
}

/** `map 'calc' (3 items): 12.34 ms wall`, with `(failed)`, or `still running`. */
export function timelineHeader(model: TimelineModel): string {
  const wall = model.state === "running" ? "still running" : `${ms(model.wallMs)} ms wall`;
  return `${model.title}: ${wall}${model.state === "failed" ? " (failed)" : ""}`;
}

/** The totals per node as a table: executions, cache hits, total and mean ms, a bar scaled to the longest total. */
export function totalsText(totals: readonly TimelineTotal[]): string[] {
  const cells = [
    ["node", "count", "cache hits", "total ms", "mean ms"],
    ...totals.map((t) => [t.name, String(t.runs), String(t.hits), ms(t.totalMs), t.runs ? ms(t.totalMs / t.runs) : "-"]),
  ];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  const max = totals[0]?.totalMs ?? 0;
  return cells.map((row, r) => {
    const text = row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
    return r === 0 ? text : `${text}  ${textBar(max > 0 ? totals[r - 1]!.totalMs / max : 0, { track: false })}`;
  });
}

/** Characters of the text waterfall's time axis. */
const TEXT_WIDTH = 48;
const NAME_WIDTH = 28;

/**
 * The timeline as text: the header, a time axis, a bar per row where it ran (`█` ran, `▒` only
 * cache hits, `✗` failed) with its figures, then the totals per node.
 */
export function timelineText(model: TimelineModel): string {
  const axis = timeAxis(model, 4); // labels of up to 6 characters, 8 or more apart
  const col = (ms: number) => (ms / axis.end) * TEXT_WIDTH;
  const names = model.rows.map((row) => `${"  ".repeat(row.depth)}${rowLabel(row)}`);
  const nameWidth = Math.min(NAME_WIDTH, Math.max(...names.map((n) => n.length)));
  const pad = " ".repeat(nameWidth + 1);
  let labels = "";
  let rule = "";
  for (const { at, label } of axis.ticks) {
    const c = Math.min(Math.round(col(at)), TEXT_WIDTH);
    // A label that would run into the previous one is left out; its tick stays.
    if (c >= labels.length + (labels ? 1 : 0)) labels = labels.padEnd(c) + label;
    rule = rule.padEnd(c, "─") + (c === 0 ? "├" : "┼");
  }
  const lines = [timelineHeader(model), pad + labels, pad + rule.padEnd(TEXT_WIDTH + 1, "─")];
  model.rows.forEach((row, i) => {
    const from = Math.min(Math.floor(col(row.start)), TEXT_WIDTH - 1);
    const to = Math.max(from + 1, Math.round(col(row.end)));
    const mark = row.failed ? "✗" : row.runs === 0 && row.hits > 0 ? "▒" : "█";
    const figures = [...rowFigures(row), rowError(row)].filter(Boolean).join(" · ");
    const name = names[i]!.length > nameWidth ? `${names[i]!.slice(0, nameWidth - 1)}…` : names[i]!.padEnd(nameWidth);
    lines.push(`${name} ${" ".repeat(from)}${mark.repeat(to - from).padEnd(TEXT_WIDTH + 1 - from)} ${figures}`);
  });
  return [...lines, "", ...totalsText(model.totals)].join("\n");
}

function ms(value: number): string {
  return value.toFixed(2);
}

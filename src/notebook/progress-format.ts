// How a progress row reads wherever it is drawn: the terminal's bars (progress-terminal.ts), the
// notebook's HTML and text fallbacks (progress-notebook.ts) and the JupyterLab renderer
// (labextension/src/progress-renderer.ts), so they all say the same thing. Browser-safe: exported
// through `hypernodes/browser`. ProgressCallback (progress.ts) makes the rows; renderers draw them.

/** One bar as drawn: a snapshot of a row's counters. */
export interface ProgressRow {
  label: string;
  depth: number;
  /** A map's bar (items), rather than a node's (executions). */
  isMap: boolean;
  total: number;
  /** Finished: done, cached or failed. */
  value: number;
  cached: number;
  failed: number;
  error?: string;
  /** The call was aborted before this map finished. */
  aborted?: boolean;
  /** When the row's first event came (progressClock()), for items/s and ETA. */
  startedAt: number;
}

/**
 * The clock of progress rows: ms since the epoch, with the sub-millisecond part (Date.now() has none,
 * and a short map read "in 7.00 ms" when it took 6.84). Read in the kernel only: a front end draws a
 * snapshot on the time it was taken.
 */
export function progressClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Where rows are drawn: the terminal (cli-progress) or the notebook's live display. */
export interface ProgressRenderer {
  draw(rows: readonly ProgressRow[], final: boolean): void;
}

/** Characters of a text bar (the terminal, the notebook's text fallback, telemetry's summary). */
export const BAR_WIDTH = 24;
const FILLED = "█";
const EMPTY = "░";

/** Items/s and the ETA show once a map has run this long: before, they jump about. */
export const RATE_AFTER_MS = 1000;

/** A text bar `fraction` full: `████████░░░░░░░░░░░░░░░░`, or without `track` only its filled part. */
export function textBar(fraction: number, { track = true, width = BAR_WIDTH }: { track?: boolean; width?: number } = {}): string {
  const filled = Math.round(Math.max(0, Math.min(fraction, 1)) * width);
  return FILLED.repeat(filled) + (track ? EMPTY.repeat(width - filled) : "");
}

/** A drawn bar's parts, as fractions of its total: items that ran, came from the cache, failed. */
export interface BarSegments {
  ran: number;
  cached: number;
  failed: number;
  /** Every item is finished: the part that ran is drawn done, not in progress. */
  complete: boolean;
}

export function barSegments(row: ProgressRow): BarSegments {
  const part = (n: number) => (row.total ? n / row.total : 0);
  return {
    ran: part(row.value - row.cached - row.failed),
    cached: part(row.cached),
    failed: part(row.failed),
    complete: row.value >= row.total,
  };
}

/** What a row says beside its bar; each part is "" when it has nothing to say. */
export interface RowParts {
  /** `270/2,000` */
  count: string;
  /** `13%`, rounded down: 100% only once every item is finished. */
  percent: string;
  /** `⚡12 cached` */
  cached: string;
  /** `✗ 1 failed` */
  failed: string;
  /** The first line of the last failure's message. */
  error: string;
  /**
   * A map's bar while it runs: `1.52 s elapsed`, then `46.5 it/s`, `ETA 2 s` once known; when it is
   * over, how long it took: `in 1.52 s` (`aborted after 1.52 s`).
   */
  timing: string[];
}

/** The parts of a row, with the time read from `now` (ms since epoch: the clock of the snapshot). */
export function rowParts(row: ProgressRow, final: boolean, now: number): RowParts {
  const { elapsed, rate, eta } = timing(row, final, now);
  return { ...counts(row), timing: [elapsed, rate, eta].filter(Boolean) };
}

/** Counts read as in the library's errors: `5,000`. */
const COUNT = new Intl.NumberFormat("en");

function counts(row: ProgressRow): Omit<RowParts, "timing"> {
  const n = (count: number) => COUNT.format(count);
  return {
    count: `${n(row.value)}/${n(row.total)}`,
    percent: `${Math.floor(100 * fraction(row))}%`,
    cached: row.cached ? `⚡${n(row.cached)} cached` : "",
    failed: row.failed ? `✗ ${n(row.failed)} failed` : "",
    error: row.failed && row.error ? row.error.split("\n")[0]! : "",
  };
}

function fraction(row: ProgressRow): number {
  return row.total ? Math.min(row.value / row.total, 1) : 0;
}

interface Timing {
  elapsed: string;
  rate: string;
  eta: string;
}

/**
 * The one rule for a map's time: it shows how long the map has run; items/s counts the items that
 * ran (cached ones cost nothing), the ETA assumes the items left take as long as the finished ones
 * did, rounded up to whole seconds; both show once the map has run RATE_AFTER_MS and finished an
 * item. A finished map says how long it took, and has no ETA. Nodes' rows have no time of their own.
 */
function timing(row: ProgressRow, final: boolean, now: number): Timing {
  const none = { elapsed: "", rate: "", eta: "" };
  if (!row.isMap) return none;
  const ms = now - row.startedAt;
  if (final) return { ...none, elapsed: `${row.aborted ? "aborted after" : "in"} ${formatDuration(ms)}` };
  const elapsed = `${formatDuration(ms)} elapsed`;
  if (ms < RATE_AFTER_MS || row.value === 0) return { ...none, elapsed };
  const seconds = ms / 1000;
  const ran = row.value - row.cached;
  return {
    elapsed,
    rate: ran > 0 ? `${(ran / seconds).toFixed(1)} it/s` : "",
    eta: row.value < row.total ? `ETA ${formatSeconds(Math.ceil((seconds / row.value) * (row.total - row.value)))}` : "",
  };
}

/**
 * Every duration we show (progress, telemetry, a DAG node's last run), to three significant digits:
 * `42.1 µs`, `4.12 ms`, `312 ms`, `1.23 s`, `12.3 s`, then `2m 05s`, `1h 02m`.
 */
export function formatDuration(ms: number): string {
  ms = Math.max(ms, 0);
  // From 59.95 s, one decimal would read `60.0 s`.
  if (ms >= 59_950) return formatSeconds(Math.round(ms / 1000));
  const [value, unit] = ms < 1 ? [ms * 1000, "µs"] : ms < 1000 ? [ms, "ms"] : [ms / 1000, "s"];
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${unit}`;
}

/** Whole seconds: `45 s`, `2m 05s`, `1h 02m`. */
function formatSeconds(seconds: number): string {
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60];
  const two = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}h ${two(m)}m` : m ? `${m}m ${two(s)}s` : `${s} s`;
}

/** A text line's name column: at most, and the least kept on a terminal too narrow for it. */
const NAME_WIDTH = 28;
const NAME_LEAST = 8;
/** On a narrow terminal, the name gets this many columns before the bar any. */
const NAME_FIRST = 16;
/** A bar narrower than this is left out: the percentage says as much. */
const BAR_LEAST = 8;
/** Columns kept for what follows a bar (a running map's count and times) before the name and bar narrow. */
const DETAILS_WIDTH = 46;
/** What a line still too long for its terminal goes without, in this order: the least telling first. */
const SHED = ["rate", "cached"] as const;

/**
 * A row as one line of text (the terminal's bars, the notebook's text fallback):
 * `map docs                     ████████░░░░░░░░░░░░░░░░  33% 40/120 ⚡12 cached 2.35 s elapsed 46.5 it/s ETA 2 s`
 * Within `columns` (the terminal's width; its last column stays free, lest it wrap): the name and
 * the bar narrow (the same for every row, so they stay aligned), then the parts in SHED go, then
 * what still overflows (a long error message) is cut with `…`.
 */
export function rowText(row: ProgressRow, final: boolean, now: number, columns = Infinity): string {
  const { name: nameWidth, bar: barWidth } = layout(columns);
  const name = fit(`${"  ".repeat(row.depth)}${row.label}`, nameWidth);
  const bar = barWidth ? ` ${textBar(fraction(row), { width: barWidth })}` : "";
  const { count, percent, cached, failed, error } = counts(row);
  const parts = { count, cached, failed: failed && (error ? `${failed}: ${error}` : failed), ...timing(row, final, now) };
  const line = () => `${name}${" ".repeat(nameWidth - columnsOf(name))}${bar} ${percent.padStart(4)} ${Object.values(parts).filter(Boolean).join(" ")}`;
  for (const part of SHED) if (columnsOf(line()) >= columns) parts[part] = "";
  return fit(line(), columns - 1);
}

/** The name's and the bar's widths on a terminal `columns` wide, once the details have DETAILS_WIDTH. */
function layout(columns: number): { name: number; bar: number } {
  let room = Math.max(columns - 1 - DETAILS_WIDTH - 7, 0); // 7: the percentage and three spaces
  const first = Math.min(room, NAME_FIRST);
  room -= first;
  const bar = room < BAR_LEAST ? 0 : Math.min(room, BAR_WIDTH);
  return { name: Math.max(first + Math.min(room - bar, NAME_WIDTH - NAME_FIRST), NAME_LEAST), bar };
}

/** `text` within `width` columns, cut with `…` when longer. */
function fit(text: string, width: number): string {
  if (columnsOf(text) <= width) return text;
  let cut = "";
  let used = 0;
  for (const char of text) {
    if ((used += columnsOf(char)) > width - 1) break;
    cut += char;
  }
  return cut + "…";
}

/** Characters a terminal draws two columns wide: emoji such as ⚡, and CJK. */
const WIDE = /[\p{Emoji_Presentation}\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/gu;

/** The columns `text` takes on a terminal. */
function columnsOf(text: string): number {
  return [...text].length + (text.match(WIDE)?.length ?? 0);
}

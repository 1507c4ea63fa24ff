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
  /** When the row's first event came (ms since epoch), for items/s and ETA. */
  startedAt: number;
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
export function textBar(fraction: number, { track = true }: { track?: boolean } = {}): string {
  const filled = Math.round(Math.max(0, Math.min(fraction, 1)) * BAR_WIDTH);
  return FILLED.repeat(filled) + (track ? EMPTY.repeat(BAR_WIDTH - filled) : "");
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
  /** `38/120` */
  count: string;
  /** `⚡12 cached` */
  cached: string;
  /** `✗ 1 failed` */
  failed: string;
  /** The first line of the last failure's message. */
  error: string;
  /** A map's bar while it runs: `46.5 it/s`, `ETA 2 s` (each once known); when it is over: `in 1.23 s`. */
  timing: string[];
}

/** The parts of a row, with the time read from `now` (ms since epoch: the clock of the snapshot). */
export function rowParts(row: ProgressRow, final: boolean, now: number): RowParts {
  return {
    count: `${row.value}/${row.total}`,
    cached: row.cached ? `⚡${row.cached} cached` : "",
    failed: row.failed ? `✗ ${row.failed} failed` : "",
    error: row.failed && row.error ? row.error.split("\n")[0]! : "",
    timing: row.isMap ? timing(row, final, now) : [],
  };
}

/**
 * The one rule for rate and ETA: items/s counts the items that ran (cached ones cost nothing), the
 * ETA assumes the items left take as long as the finished ones did, rounded up to whole seconds;
 * both show once the map has run RATE_AFTER_MS and finished an item. A finished map says how long it took.
 */
function timing(row: ProgressRow, final: boolean, now: number): string[] {
  const ms = now - row.startedAt;
  if (final) return [`${row.aborted ? "aborted after" : "in"} ${formatDuration(ms)}`];
  if (ms < RATE_AFTER_MS || row.value === 0) return [];
  const seconds = ms / 1000;
  const ran = row.value - row.cached;
  const rate = ran > 0 ? `${(ran / seconds).toFixed(1)} it/s` : "";
  const eta = row.value < row.total ? `ETA ${Math.ceil((seconds / row.value) * (row.total - row.value))} s` : "";
  return [rate, eta].filter(Boolean);
}

/** `850 ms`, `1.23 s`, `12.3 s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(ms, 0) / 1000;
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
}

/**
 * A row as one line of text (the terminal's bars, the notebook's text fallback):
 * `  clean                      ████████░░░░░░░░░░░░░░░░ 38/120 ⚡12 cached 46.5 it/s ETA 2 s`
 */
export function rowText(row: ProgressRow, final: boolean, now: number): string {
  const name = `${"  ".repeat(row.depth)}${row.label}`.padEnd(28).slice(0, 28);
  const { count, cached, failed, error, timing } = rowParts(row, final, now);
  const details = [count, cached, failed && (error ? `${failed}: ${error}` : failed), ...timing].filter(Boolean);
  return `${name} ${textBar(row.total ? row.value / row.total : 0)} ${details.join(" ")}`;
}

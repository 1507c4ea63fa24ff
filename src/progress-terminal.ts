import cliProgress from "cli-progress";
import type { ProgressRenderer, ProgressRow } from "./progress.js";

const BAR_WIDTH = 24;

/**
 * Progress rows as cli-progress bars on a terminal stream (a non-terminal gets a line now and then).
 * The bars are created at the first redraw that has rows; a run that ends before it (most short runs)
 * just writes its final lines, which costs far less than creating and stopping the bars.
 */
export class TerminalProgress implements ProgressRenderer {
  #bars: cliProgress.MultiBar | undefined;
  readonly #drawn: cliProgress.SingleBar[] = [];

  constructor(private readonly stream: NodeJS.WriteStream) {}

  draw(rows: readonly ProgressRow[], final: boolean): void {
    if (rows.length === 0) return;
    if (final && !this.#bars) {
      this.stream.write(rows.map((row) => formatRow(row, true)).join("\n") + "\n");
      return;
    }
    const bars = (this.#bars ??= new cliProgress.MultiBar({
      stream: this.stream,
      format: (_options, params, payload: { row: ProgressRow; final: boolean }) => formatRow(payload.row, payload.final, params),
      hideCursor: true,
      noTTYOutput: this.stream.isTTY !== true,
      notTTYSchedule: 2000,
      autopadding: true,
    }));
    rows.forEach((row, i) => {
      const bar = this.#drawn[i];
      if (!bar) this.#drawn.push(bars.create(row.total, row.value, { row, final }));
      else {
        bar.setTotal(row.total);
        bar.update(row.value, { row, final });
      }
    });
    if (final) bars.stop();
  }
}

/** `  clean   ████████░░░░ 38/120 ⚡12 cached 46.5 it/s ETA 2s` (no rate or ETA once final) */
export function formatRow(row: ProgressRow, final: boolean, params: { progress: number; eta: number } = etaOf(row)): string {
  const filled = Math.round(Math.min(params.progress, 1) * BAR_WIDTH);
  const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
  const name = `${"  ".repeat(row.depth)}${row.label}`.padEnd(28).slice(0, 28);
  const cached = row.cached ? ` ⚡${row.cached} cached` : "";
  const failed = row.failed ? ` ✗ ${row.failed} failed${row.error ? `: ${row.error}` : ""}` : "";
  return `${name} ${bar} ${row.value}/${row.total}${cached}${failed}${row.isMap && !final ? rateAndEta(row, params.eta) : ""}`;
}

/** Items per second of the items that ran (cached ones cost nothing), once there is a second of history. */
export function rateAndEta(row: ProgressRow, eta = etaOf(row).eta): string {
  const seconds = (Date.now() - row.startedAt) / 1000;
  const ran = row.value - row.cached;
  const rate = seconds >= 1 && ran > 0 ? ` ${(ran / seconds).toFixed(1)} it/s` : "";
  const remaining = row.value < row.total && Number.isFinite(eta) && eta > 0 ? ` ETA ${Math.round(eta)}s` : "";
  return rate + remaining;
}

function etaOf(row: ProgressRow): { progress: number; eta: number } {
  const seconds = (Date.now() - row.startedAt) / 1000;
  const perItem = row.value > 0 ? seconds / row.value : Infinity;
  return { progress: row.value / row.total, eta: perItem * (row.total - row.value) };
}

import cliProgress from "cli-progress";
import { progressClock, rowText, type ProgressRenderer, type ProgressRow } from "../notebook/progress-format.js";

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
      const now = progressClock();
      this.stream.write(rows.map((row) => rowText(row, true, now, this.#columns())).join("\n") + "\n");
      return;
    }
    const bars = (this.#bars ??= new cliProgress.MultiBar({
      stream: this.stream,
      // Our own line (progress-format.ts), not cli-progress's: the same text as the notebook's.
      format: (_options, _params, payload: { row: ProgressRow; final: boolean }) => rowText(payload.row, payload.final, progressClock(), this.#columns()),
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

  /** The terminal's width, read at each redraw (it may be resized): where cli-progress cuts its lines (at 200 in a log). */
  #columns(): number {
    return this.stream.columns || (this.stream.isTTY ? 80 : 200);
  }
}

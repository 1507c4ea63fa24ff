import { ON_CALL_REJECTED, ONE_PER_PIPELINE, PipelineCallback, type CallbackContext } from "./callbacks.js";
import { AbortError } from "../core/errors.js";
import { notebookKernel } from "../notebook/notebook-protocol.js";
import { progressClock, type ProgressRenderer, type ProgressRow } from "../notebook/progress-format.js";
import { NotebookProgress } from "./progress-notebook.js";
import { TerminalProgress } from "./progress-terminal.js";
import { levelKey, READS_TALLY, Tally } from "./tally.js";
import { checkOptions, TAKES } from "../core/option-checks.js";

export interface ProgressOptions {
  /** false turns it off (so does the environment variable HYPERNODES_PROGRESS=0). Default true. */
  enable?: boolean;
  /** Draw even when stdout or the stream is not a terminal (CI logs get a line now and then). Default false. */
  force?: boolean;
  /** Where bars are drawn. Default process.stderr. */
  stream?: NodeJS.WriteStream;
}

/** What the bars need of one nesting level beyond its counts, across every call that reaches it. */
interface Level {
  /** Items mapped at this level (summed over calls), or 0 when it is run, not mapped. */
  items: number;
  runs: number;
  /** When the level was first reached (ms since epoch), for items/s and ETA. */
  startedAt: number;
}

const REDRAW_MS = 100;

const PROGRESS_OPTIONS = {
  enable: TAKES.boolean,
  force: TAKES.boolean,
  stream: { takes: "a writable stream (process.stderr, …)", accepts: (s: any) => typeof s?.write === "function" },
};

/**
 * Live progress bars in the terminal (cli-progress): one per node and one per map with items/s and
 * ETA, cached items counted apart (⚡), nested pipelines indented, failures shown with the error's
 * first line. The counts come from the engine's Tally (no per-node or per-item events); the bars are
 * redrawn from them at most 10 times a second, so a map is not slowed by its progress. Quiet when
 * the stream is not a terminal, unless `force`.
 */
export class ProgressCallback extends PipelineCallback {
  readonly enabled: boolean;
  readonly [READS_TALLY]: boolean;
  /** A notebook shows progress by default: a pipeline's own ProgressCallback replaces that one. */
  readonly [ONE_PER_PIPELINE] = true;
  readonly #renderer: () => ProgressRenderer;
  /** Per-call state lives in the call's context, so runs going on at once each get their own bars. */
  readonly #key = Symbol("progress").toString() + Math.random();

  constructor(options: ProgressOptions = {}) {
    super();
    checkOptions(options, PROGRESS_OPTIONS, "new ProgressCallback");
    const stream = options.stream ?? process.stderr;
    const kernel = options.stream ? undefined : notebookKernel();
    // In a notebook the bars go to the kernel's live display; elsewhere to the terminal.
    this.#renderer = kernel ? () => new NotebookProgress(kernel) : () => new TerminalProgress(stream);
    const envOff = /^(0|false|off|no)$/i.test(process.env.HYPERNODES_PROGRESS ?? "");
    // Bars draw on stderr, but a run whose stdout is redirected is a batch job: quiet unless asked.
    const terminal = stream.isTTY === true && (options.stream !== undefined || process.stdout.isTTY === true);
    const visible = kernel !== undefined || options.force === true || terminal;
    this.enabled = (options.enable ?? true) && !envOff && visible;
    this[READS_TALLY] = this.enabled;
    if (!this.enabled) {
      // A disabled callback listens to nothing, so the engine skips event work entirely.
      for (const key of EVENT_METHODS) (this as Record<string, unknown>)[key] = undefined;
    }
  }

  onPipelineStart(_id: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
    if (ctx.depth === 0) ctx.set(this.#key, new ProgressRun(this.#renderer(), Tally.of(ctx), ctx.hierarchyPath));
    this.#run(ctx).level(ctx).runs++;
  }

  onMapStart(totalItems: number, ctx: CallbackContext) {
    this.#run(ctx).level(ctx).items += totalItems;
  }

  onNestedPipelineStart(_parentId: string, childId: string, ctx: CallbackContext) {
    Tally.of(ctx).level(ctx.hierarchyPath).node(childId); // its row goes above the inner pipeline's rows
  }

  onError(_nodeId: string, _error: unknown, ctx: CallbackContext) {
    if (ctx.depth === 0) this.#run(ctx).finish(); // a run that aborts gets no end event
  }

  onPipelineEnd(_id: string, _outputs: unknown, _ms: number, ctx: CallbackContext) {
    if (ctx.depth === 0) this.#run(ctx).finish();
  }

  /** An aborted call gets no end event: its bars stop, saying so. */
  [ON_CALL_REJECTED](ctx: CallbackContext, error: unknown) {
    const run = this.#run(ctx);
    if (run && !run.finished) run.finish(error instanceof AbortError);
  }

  #run(ctx: CallbackContext): ProgressRun {
    return ctx.get<ProgressRun>(this.#key)!;
  }
}

/** The bars of one top-level run or map call: its levels, the call's counts, and the renderer. */
class ProgressRun {
  readonly #levels = new Map<string, Level>();
  readonly #timer: NodeJS.Timeout;
  finished = false;

  constructor(
    private readonly renderer: ProgressRenderer,
    private readonly tally: Tally,
    private readonly root: readonly string[],
  ) {
    // Drawn at once (empty), so in a notebook the display belongs to the cell that started the run.
    renderer.draw([], false);
    this.#timer = setInterval(() => renderer.draw(this.#snapshot(), false), REDRAW_MS);
    this.#timer.unref();
  }

  level(ctx: CallbackContext): Level {
    const key = levelKey(ctx.hierarchyPath);
    let level = this.#levels.get(key);
    if (!level) this.#levels.set(key, (level = { items: 0, runs: 0, startedAt: progressClock() }));
    return level;
  }

  /**
   * Draws the final state and stops redrawing. It may come twice: at a top-level onError (a run that
   * aborts gets no end event) and, when errors are collected and the run goes on, at its end.
   */
  finish(aborted = false) {
    this.finished = true;
    clearInterval(this.#timer);
    this.renderer.draw(this.#snapshot(aborted), true);
  }

  /** Each level's map bar, then its nodes' bars, a nested pipeline's level right under its node. */
  #snapshot(aborted = false): ProgressRow[] {
    const rows: ProgressRow[] = [];
    const emit = (path: readonly string[]) => {
      const key = levelKey(path);
      const counts = this.tally.levels.get(key);
      const level = this.#levels.get(key);
      if (!counts || !level) return;
      const depth = path.length - 1;
      const { startedAt } = level;
      if (level.items) {
        const { itemsDone: done, itemsCached: cached, itemsFailed: failed } = counts;
        const value = done + failed;
        const total = Math.max(level.items, 1, value);
        rows.push({ label: `map ${path[path.length - 1]}`, depth, isMap: true, total, value, cached, failed, startedAt, ...(aborted && value < total && { aborted }) });
      }
      for (const [label, { done, cached, failed, error }] of counts.nodes) {
        const value = done + cached + failed;
        const total = Math.max(level.items || level.runs, 1, value);
        rows.push({ label, depth, isMap: false, total, value, cached, failed, error, startedAt });
        emit([...path, label]);
      }
    };
    emit(this.root);
    return rows;
  }
}

const EVENT_METHODS = ["onPipelineStart", "onMapStart", "onNestedPipelineStart", "onError", "onPipelineEnd"] as const;

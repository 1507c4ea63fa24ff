import { PipelineCallback, type CallbackContext } from "./callbacks.js";
import { messageOf } from "./errors.js";
import { notebookKernel } from "./notebook-kernel.js";
import { NotebookProgress } from "./progress-notebook.js";
import { TerminalProgress } from "./progress-terminal.js";

export interface ProgressOptions {
  /** false turns it off (so does the environment variable HYPERNODES_PROGRESS=0). Default true. */
  enable?: boolean;
  /** Draw even when stdout or the stream is not a terminal (CI logs get a line now and then). Default false. */
  force?: boolean;
  /** Where bars are drawn. Default process.stderr. */
  stream?: NodeJS.WriteStream;
}

/** One bar: a node, or a map, at one nesting level. */
interface Row {
  label: string;
  depth: number;
  level: Level;
  startedAt: number;
  done: number;
  cached: number;
  failed: number;
  error?: string;
}

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
  /** When the row's first event came (ms since epoch), for items/s and ETA. */
  startedAt: number;
}

/** Where rows are drawn: the terminal (cli-progress) or the notebook's live display. */
export interface ProgressRenderer {
  draw(rows: readonly ProgressRow[], final: boolean): void;
}

/** One nesting level of the pipeline (a path in the hierarchy), across every call that reaches it. */
interface Level {
  /** Items mapped at this level (summed over calls), or 0 when it is run, not mapped. */
  items: number;
  runs: number;
  rows: Map<string, Row>;
  mapRow?: Row;
}

const REDRAW_MS = 100;

/**
 * Live progress bars in the terminal (cli-progress): one per node and one per map with items/s and
 * ETA, cached items counted apart (⚡), nested pipelines indented, failures shown with the error's
 * first line. Events only bump counters; the bars are redrawn from them at most 10 times a second,
 * so a map is not slowed by its progress. Quiet when the stream is not a terminal, unless `force`.
 */
export class ProgressCallback extends PipelineCallback {
  readonly enabled: boolean;
  readonly #renderer: () => ProgressRenderer;
  /** Per-call state lives in the call's context, so runs going on at once each get their own bars. */
  readonly #key = Symbol("progress").toString() + Math.random();

  constructor(options: ProgressOptions = {}) {
    super();
    const stream = options.stream ?? process.stderr;
    const kernel = options.stream ? undefined : notebookKernel();
    // In a notebook the bars go to the kernel's live display; elsewhere to the terminal.
    this.#renderer = kernel ? () => new NotebookProgress(kernel) : () => new TerminalProgress(stream);
    const envOff = /^(0|false|off|no)$/i.test(process.env.HYPERNODES_PROGRESS ?? "");
    // Bars draw on stderr, but a run whose stdout is redirected is a batch job: quiet unless asked.
    const terminal = stream.isTTY === true && (options.stream !== undefined || process.stdout.isTTY === true);
    const visible = kernel !== undefined || options.force === true || terminal;
    this.enabled = (options.enable ?? true) && !envOff && visible;
    if (!this.enabled) {
      // A disabled callback listens to nothing, so the engine skips event work entirely.
      for (const key of EVENT_METHODS) (this as Record<string, unknown>)[key] = undefined;
    }
  }

  onPipelineStart(_id: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
    if (ctx.depth === 0) ctx.set(this.#key, new ProgressRun(this.#renderer()));
    this.#run(ctx).level(ctx).runs++;
  }

  onMapStart(totalItems: number, ctx: CallbackContext) {
    const run = this.#run(ctx);
    const level = run.level(ctx);
    level.items += totalItems;
    level.mapRow ??= run.row(level, `map ${ctx.pipelineId}`, ctx.depth);
  }

  onMapItemEnd(_index: number, _ms: number, ctx: CallbackContext) {
    this.#run(ctx).level(ctx).mapRow!.done++;
  }

  onMapItemCached(_index: number, _signature: string, ctx: CallbackContext) {
    this.#run(ctx).level(ctx).mapRow!.cached++; // counted as done by the onMapItemEnd that follows
  }

  onNodeEnd(nodeId: string, _outputs: Record<string, unknown>, _ms: number, ctx: CallbackContext) {
    this.#run(ctx).nodeRow(nodeId, ctx).done++;
  }

  onNodeCached(nodeId: string, _signature: string, ctx: CallbackContext) {
    this.#run(ctx).nodeRow(nodeId, ctx).cached++;
  }

  onNestedPipelineStart(_parentId: string, childId: string, ctx: CallbackContext) {
    this.#run(ctx).nodeRow(childId, ctx); // its row goes above the inner pipeline's rows
  }

  onNestedPipelineEnd(_parentId: string, childId: string, _ms: number, ctx: CallbackContext) {
    this.#run(ctx).nodeRow(childId, ctx).done++;
  }

  onError(nodeId: string, error: unknown, ctx: CallbackContext) {
    const run = this.#run(ctx);
    const row = run.nodeRow(nodeId, ctx);
    row.failed++;
    row.error = messageOf(error).split("\n")[0];
    // In a map, the item this failure belongs to failed too (no onMapItemEnd will count it).
    const mapRow = run.level(ctx).mapRow;
    if (mapRow) mapRow.failed++;
    if (ctx.depth === 0) run.finish();
  }

  onPipelineEnd(_id: string, _outputs: unknown, _ms: number, ctx: CallbackContext) {
    if (ctx.depth === 0) this.#run(ctx).finish();
  }

  #run(ctx: CallbackContext): ProgressRun {
    return ctx.get<ProgressRun>(this.#key)!;
  }
}

/** The bars of one top-level run or map call: its levels, rows and renderer. */
class ProgressRun {
  readonly #levels = new Map<string, Level>();
  readonly #levelOf = new WeakMap<CallbackContext, Level>();
  readonly #rows: Row[] = [];
  #lastCtx: CallbackContext | undefined;
  #lastLevel: Level | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly renderer: ProgressRenderer) {
    // Drawn at once (empty), so in a notebook the display belongs to the cell that started the run.
    renderer.draw([], false);
    this.#timer = setInterval(() => renderer.draw(this.#snapshot(), false), REDRAW_MS);
    this.#timer.unref();
  }

  level(ctx: CallbackContext): Level {
    if (ctx === this.#lastCtx) return this.#lastLevel!; // consecutive events mostly share a level
    let level = this.#levelOf.get(ctx);
    if (!level) {
      const key = ctx.hierarchyPath.join("/");
      level = this.#levels.get(key);
      if (!level) this.#levels.set(key, (level = { items: 0, runs: 0, rows: new Map() }));
      this.#levelOf.set(ctx, level);
    }
    this.#lastCtx = ctx;
    this.#lastLevel = level;
    return level;
  }

  nodeRow(nodeId: string, ctx: CallbackContext): Row {
    const level = this.level(ctx);
    return level.rows.get(nodeId) ?? this.row(level, nodeId, ctx.depth, nodeId);
  }

  row(level: Level, label: string, depth: number, nodeId?: string): Row {
    const row: Row = { label, depth, level, done: 0, cached: 0, failed: 0, startedAt: Date.now() };
    if (nodeId !== undefined) level.rows.set(nodeId, row);
    this.#rows.push(row);
    return row;
  }

  /**
   * Draws the final state and stops redrawing. It may come twice: at a top-level onError (a run that
   * aborts gets no end event) and, when errors are collected and the run goes on, at its end.
   */
  finish() {
    clearInterval(this.#timer);
    this.renderer.draw(this.#snapshot(), true);
  }

  #snapshot(): ProgressRow[] {
    return this.#rows.map((row) => {
      const isMap = row === row.level.mapRow;
      const value = row.done + row.failed + (isMap ? 0 : row.cached);
      const total = Math.max(isMap ? row.level.items : row.level.items || row.level.runs, 1, value);
      const { label, depth, cached, failed, error, startedAt } = row;
      return { label, depth, isMap, total, value, cached, failed, error, startedAt };
    });
  }
}

const EVENT_METHODS = [
  "onPipelineStart",
  "onMapStart",
  "onMapItemEnd",
  "onMapItemCached",
  "onNodeEnd",
  "onNodeCached",
  "onNestedPipelineStart",
  "onNestedPipelineEnd",
  "onError",
  "onPipelineEnd",
] as const;

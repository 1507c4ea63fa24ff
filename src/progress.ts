import cliProgress from "cli-progress";
import { PipelineCallback, type CallbackContext } from "./callbacks.js";
import { messageOf } from "./errors.js";

export interface ProgressOptions {
  /** false turns it off (so does the environment variable HYPERNODES_PROGRESS=0). Default true. */
  enable?: boolean;
  /** Draw even when the stream is not a terminal (CI logs get a line per update). Default false. */
  force?: boolean;
  /** Where bars are drawn. Default process.stderr. */
  stream?: NodeJS.WriteStream;
}

/** One bar: a node, or a map, at one nesting level. */
interface Row {
  label: string;
  depth: number;
  level: Level;
  done: number;
  cached: number;
  failed: number;
  error?: string;
  bar?: cliProgress.SingleBar;
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
  readonly #stream: NodeJS.WriteStream;
  readonly #levels = new Map<string, Level>();
  readonly #levelOf = new WeakMap<CallbackContext, Level>();
  readonly #rows: Row[] = [];
  #lastCtx: CallbackContext | undefined;
  #lastLevel: Level | undefined;
  #bars: cliProgress.MultiBar | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ProgressOptions = {}) {
    super();
    this.#stream = options.stream ?? process.stderr;
    const envOff = /^(0|false|off|no)$/i.test(process.env.HYPERNODES_PROGRESS ?? "");
    this.enabled = (options.enable ?? true) && !envOff && (options.force === true || this.#stream.isTTY === true);
    if (!this.enabled) {
      // A disabled callback listens to nothing, so the engine skips event work entirely.
      for (const key of EVENT_METHODS) (this as Record<string, unknown>)[key] = undefined;
    }
  }

  onPipelineStart(_id: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
    this.#level(ctx).runs++;
    if (ctx.depth === 0) this.#start();
  }

  onMapStart(totalItems: number, ctx: CallbackContext) {
    const level = this.#level(ctx);
    level.items += totalItems;
    level.mapRow ??= this.#row(level, `map ${ctx.pipelineId}`, ctx.depth);
  }

  onMapItemEnd(_index: number, _ms: number, ctx: CallbackContext) {
    this.#level(ctx).mapRow!.done++;
  }

  onMapItemCached(_index: number, _signature: string, ctx: CallbackContext) {
    this.#level(ctx).mapRow!.cached++; // counted as done by the onMapItemEnd that follows
  }

  onNodeEnd(nodeId: string, _outputs: Record<string, unknown>, _ms: number, ctx: CallbackContext) {
    this.#nodeRow(nodeId, ctx).done++;
  }

  onNodeCached(nodeId: string, _signature: string, ctx: CallbackContext) {
    this.#nodeRow(nodeId, ctx).cached++;
  }

  onNestedPipelineStart(_parentId: string, childId: string, ctx: CallbackContext) {
    this.#nodeRow(childId, ctx); // its row goes above the inner pipeline's rows
  }

  onNestedPipelineEnd(_parentId: string, childId: string, _ms: number, ctx: CallbackContext) {
    this.#nodeRow(childId, ctx).done++;
  }

  onError(nodeId: string, error: unknown, ctx: CallbackContext) {
    const row = this.#nodeRow(nodeId, ctx);
    row.failed++;
    row.error = messageOf(error).split("\n")[0];
    if (ctx.depth === 0) this.#stop();
  }

  onPipelineEnd(_id: string, _outputs: unknown, _ms: number, ctx: CallbackContext) {
    if (ctx.depth === 0) this.#stop();
  }

  #level(ctx: CallbackContext): Level {
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

  #nodeRow(nodeId: string, ctx: CallbackContext): Row {
    const level = this.#level(ctx);
    return level.rows.get(nodeId) ?? this.#row(level, nodeId, ctx.depth, nodeId);
  }

  #row(level: Level, label: string, depth: number, nodeId?: string): Row {
    const row: Row = { label, depth, level, done: 0, cached: 0, failed: 0 };
    if (nodeId !== undefined) level.rows.set(nodeId, row);
    this.#rows.push(row);
    return row;
  }

  #start() {
    this.#stopBars();
    this.#levels.clear();
    this.#lastCtx = undefined;
    this.#rows.length = 0;
    this.#bars = new cliProgress.MultiBar({
      stream: this.#stream,
      format: (_options, params, payload: { row: Row }) => formatRow(payload.row, params),
      hideCursor: true,
      noTTYOutput: this.#stream.isTTY !== true,
      notTTYSchedule: 2000,
      fps: 1000 / REDRAW_MS,
      autopadding: true,
    });
    this.#timer = setInterval(() => this.#sync(), REDRAW_MS);
    this.#timer.unref();
  }

  /** Copies the counters into the bars (creating bars for new rows). */
  #sync() {
    const bars = this.#bars;
    if (!bars) return;
    for (const row of this.#rows) {
      const isMap = row === row.level.mapRow;
      const total = Math.max(isMap ? row.level.items : row.level.items || row.level.runs, 1);
      const value = row.done + row.failed + (isMap ? 0 : row.cached);
      if (!row.bar) row.bar = bars.create(total, value, { row });
      else {
        row.bar.setTotal(Math.max(total, value));
        row.bar.update(value, { row });
      }
    }
  }

  #stop() {
    this.#sync();
    this.#stopBars();
  }

  #stopBars() {
    clearInterval(this.#timer);
    this.#bars?.stop();
    this.#bars = undefined;
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

const BAR_WIDTH = 24;

function formatRow(row: Row, params: cliProgress.Params): string {
  const filled = Math.round(Math.min(params.progress, 1) * BAR_WIDTH);
  const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
  const name = `${"  ".repeat(row.depth)}${row.label}`.padEnd(28).slice(0, 28);
  const counts = `${params.value}/${params.total}`;
  const cached = row.cached ? ` ⚡${row.cached} cached` : "";
  const failed = row.failed ? ` ✗ ${row.failed} failed: ${row.error}` : "";
  // Items per second of the items that ran (cached ones cost nothing), once there is a second of history.
  const seconds = (Date.now() - params.startTime) / 1000;
  const ran = params.value - row.cached;
  const rate = seconds >= 1 && ran > 0 ? ` ${(ran / seconds).toFixed(1)} it/s` : "";
  const done = params.value >= params.total;
  const eta = !done && Number.isFinite(params.eta) && params.eta > 0 ? ` ETA ${params.eta}s` : "";
  return `${name} ${bar} ${counts}${cached}${failed}${row === row.level.mapRow ? rate + eta : ""}`;
}

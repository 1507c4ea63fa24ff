import { createRequire } from "node:module";
import { context, SpanStatusCode, trace, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { PipelineCallback, type CallbackContext } from "./callbacks.js";
import { escapeHtml } from "../notebook/html.js";
import { JUPYTER_MIMEBUNDLE, TELEMETRY_MIME_TYPE, type TimelineModel } from "../notebook/notebook-protocol.js";
import { timelineHeader, timelineText, totalsText } from "../notebook/timeline-format.js";
import { timelineHtml } from "../notebook/timeline-html.js";
import { Timeline, type Lane } from "./timeline.js";

// The same relative path from src/ (tests) and dist/ (the package).
const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

export const TELEMETRY_ATTRIBUTES = {
  node: "hypernodes.node",
  signature: "hypernodes.signature",
  cacheHit: "hypernodes.cache_hit",
  itemIndex: "hypernodes.item_index",
  totalItems: "hypernodes.total_items",
  durationMs: "hypernodes.duration_ms",
  depth: "hypernodes.depth",
} as const;
const A = TELEMETRY_ATTRIBUTES;

export interface TelemetryOptions {
  /** Default: `trace.getTracer("hypernodes", version)` from the globally registered provider. */
  tracer?: Tracer;
}

export interface SummaryMimeBundle {
  /** The latest call's timeline, once there is one. */
  [TELEMETRY_MIME_TYPE]?: TimelineModel;
  "text/plain": string;
  "text/html": string;
}

/** Open spans of one nesting level of one call, i.e. of one `CallbackContext` object. */
interface Level {
  /** The level the callback saw first: the call's, whose end is the call's end. */
  top: boolean;
  /** Its pipeline's lane: at a nested level, the enclosing level's lane of the nested node. */
  lane: Lane;
  mapLane: Lane | undefined;
  /** Its `pipeline` span, or at a nested level the `nested` span one level up (ended there). */
  root: Span;
  rootContext: Context;
  ownsRoot: boolean;
  map: Span | undefined;
  mapContext: Context | undefined;
  items: Map<number, Span>;
  /** The open item when exactly one is open (always, under the sequential engine); its context is made on first use. */
  item: Span | undefined;
  itemContext: Context | undefined;
  /** Open `node`/`nested` spans by node name, oldest first. */
  nodes: Map<string, Span[]>;
}

/** What the levels of one call share, kept in the call's `ctx` store. */
interface CallState {
  timeline: Timeline;
  /** `nested` spans not yet claimed by their inner level, by that level's hierarchy path. */
  pending: Map<string, Span[]>;
  /** The lanes of nested nodes, by their inner levels' hierarchy path. */
  nested: Map<string, Lane>;
}

let instances = 0;

/**
 * Reports every call as OpenTelemetry spans: `pipeline <id>` > `map <id>` > `item <index>` >
 * `node <name>` / `nested <name>` (whose inner pipeline's map, items and nodes nest under it), and
 * keeps the latest call's timeline: when each pipeline, map, nested pipeline and node ran, a map's
 * executions of a node as one row (`timeline()`, `summary()` for the totals per node, or displayed
 * in a notebook as a waterfall).
 *
 * Node events carry no item index, so under an engine that runs items of one level concurrently a
 * node cannot be attributed to its item: node spans are parented to the open item when only one is
 * open, else to the map span, and same-named nodes open at once are ended first-in first-out.
 * Concurrent calls sharing one instance each get correct spans and their own timeline; the latest
 * started is the one shown.
 */
export class TelemetryCallback extends PipelineCallback {
  readonly tracer: Tracer;
  // Unique per instance: two telemetry callbacks on one pipeline share the call's ctx store.
  readonly #key = `hypernodes.telemetry#${++instances}`;
  // Each run/map call and each nested execution has its own ctx object (for all its events), so
  // this separates concurrent calls, and concurrent executions of one nested node that share a hierarchyPath.
  readonly #levels = new WeakMap<CallbackContext, Level>();
  #latest: Timeline | undefined;

  constructor(options: TelemetryOptions = {}) {
    super();
    this.tracer = options.tracer ?? trace.getTracer("hypernodes", version);
  }

  onPipelineStart(pipelineId: string, _inputs: Record<string, unknown>, ctx: CallbackContext): void {
    const now = performance.now();
    let call = this.#call(ctx);
    // A callback of a nested pipeline only (the outer one has none) first sees a nested level.
    const top = call === undefined || ctx.depth === 0;
    if (top) {
      call = { timeline: new Timeline(pipelineId, now), pending: new Map(), nested: new Map() };
      ctx.set(this.#key, call);
      this.#latest = call.timeline;
    }
    const path = ctx.hierarchyPath.join("\u0000");
    let root = top ? undefined : call!.pending.get(path)?.shift();
    const ownsRoot = root === undefined;
    let lane: Lane;
    if (root) lane = call!.nested.get(path)!;
    else {
      root = this.tracer.startSpan(`pipeline ${pipelineId}`, undefined, context.active());
      root.setAttribute(A.depth, ctx.depth);
      (lane = call!.timeline.root).start(now);
    }
    this.#levels.set(ctx, {
      top,
      lane,
      mapLane: undefined,
      root,
      rootContext: trace.setSpan(context.active(), root),
      ownsRoot,
      map: undefined,
      mapContext: undefined,
      items: new Map(),
      item: undefined,
      itemContext: undefined,
      nodes: new Map(),
    });
  }

  onPipelineEnd(_pipelineId: string, _outputs: unknown, durationMs: number, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level) return;
    this.#levels.delete(ctx);
    if (level.ownsRoot) {
      end(level.root, durationMs);
      level.lane.stop(performance.now());
      level.lane.ran(durationMs);
    }
    if (level.top) this.#call(ctx)!.timeline.wallMs = durationMs;
  }

  onMapStart(totalItems: number, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level) return;
    const span = this.tracer.startSpan(`map ${ctx.pipelineId}`, undefined, level.rootContext);
    span.setAttribute(A.totalItems, totalItems);
    span.setAttribute(A.depth, ctx.depth);
    level.map = span;
    level.mapContext = trace.setSpan(context.active(), span);
    (level.mapLane = level.lane.map()).start(performance.now());
    if (level.top) this.#call(ctx)!.timeline.title = `map '${ctx.pipelineId}' (${totalItems} items)`;
  }

  onMapEnd(durationMs: number, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level?.map) return;
    end(level.map, durationMs);
    level.mapLane!.stop(performance.now());
    level.map = level.mapContext = undefined;
  }

  onMapItemStart(index: number, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level) return;
    const span = this.tracer.startSpan(`item ${index}`, undefined, level.mapContext ?? level.rootContext);
    span.setAttribute(A.itemIndex, index);
    span.setAttribute(A.depth, ctx.depth);
    level.items.set(index, span);
    setOnlyItem(level, level.items.size === 1 ? span : undefined);
  }

  onMapItemCached(index: number, signature: string, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    const span = level?.items.get(index);
    if (!span) return;
    span.setAttribute(A.cacheHit, true);
    span.setAttribute(A.signature, signature);
    level!.mapLane?.hit(performance.now());
  }

  onMapItemEnd(index: number, durationMs: number, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    const span = level?.items.get(index);
    if (!level || !span) return;
    level.items.delete(index);
    end(span, durationMs);
    level.mapLane?.ran(durationMs);
    let only: Span | undefined;
    // Iterates only when items overlapped (a concurrent engine).
    if (level.items.size === 1) for (const open of level.items.values()) only = open;
    setOnlyItem(level, only);
  }

  onNodeStart(nodeId: string, _inputs: Record<string, unknown>, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level) return;
    const lane = laneOf(level, "node", nodeId);
    lane.start(performance.now());
    const span = this.tracer.startSpan(lane.spanName, undefined, parentOf(level));
    span.setAttribute(A.node, nodeId);
    span.setAttribute(A.cacheHit, false);
    span.setAttribute(A.depth, ctx.depth);
    openSpans(level, nodeId).push(span);
  }

  onNodeEnd(nodeId: string, _outputs: Record<string, unknown>, durationMs: number, ctx: CallbackContext): void {
    this.#ended(nodeId, durationMs, ctx);
  }

  onNodeCached(nodeId: string, signature: string, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level) return;
    const lane = laneOf(level, "node", nodeId);
    // Zero-length: same start and end (a performance.now() time is a valid OpenTelemetry TimeInput).
    const now = performance.now();
    lane.hit(now);
    const span = this.tracer.startSpan(lane.spanName, { startTime: now }, parentOf(level));
    span.setAttribute(A.node, nodeId);
    span.setAttribute(A.signature, signature);
    span.setAttribute(A.cacheHit, true);
    span.setAttribute(A.depth, ctx.depth);
    span.end(now);
  }

  onNestedPipelineStart(_parentId: string, childId: string, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    const call = this.#call(ctx);
    if (!level || !call) return;
    const lane = laneOf(level, "nested", childId);
    lane.start(performance.now());
    const span = this.tracer.startSpan(lane.spanName, undefined, parentOf(level));
    span.setAttribute(A.node, childId);
    span.setAttribute(A.cacheHit, false);
    span.setAttribute(A.depth, ctx.depth);
    openSpans(level, childId).push(span);
    // The inner level's ctx is a different object with no link to this one: it finds the span and lane by path.
    const path = childPath(ctx, childId);
    const pending = call.pending.get(path);
    if (pending) pending.push(span);
    else call.pending.set(path, [span]);
    call.nested.set(path, lane);
  }

  onNestedPipelineEnd(_parentId: string, childId: string, durationMs: number, ctx: CallbackContext): void {
    this.#ended(childId, durationMs, ctx);
  }

  /**
   * Fires at the failing node's level, then at each enclosing nested node's level; no end event
   * follows at those levels, so everything still open at this level is ended here.
   */
  onError(nodeId: string, error: unknown, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level) return;
    this.#levels.delete(ctx);
    const now = performance.now();
    const failed = level.nodes.get(nodeId)?.shift();
    if (failed) {
      failed.recordException(error instanceof Error ? error : String(error));
      fail(failed, error);
      nodeLane(level, nodeId)?.fail(now, error);
      // A nested pipeline that failed before its inner level started leaves its span unclaimed.
      const pending = this.#call(ctx)?.pending.get(childPath(ctx, nodeId));
      const at = pending ? pending.indexOf(failed) : -1;
      if (at >= 0) pending!.splice(at, 1);
    }
    // Other nodes of a concurrent engine may still be running: their end events will be ignored.
    for (const [name, spans] of level.nodes) {
      for (const span of spans) {
        span.end();
        nodeLane(level, name)!.stop(now);
      }
    }
    for (const span of level.items.values()) fail(span, error);
    if (level.map) {
      fail(level.map, error);
      // The map failed: at least one item, or between items.
      level.mapLane!.fail(now, error, Math.max(level.items.size, 1));
    }
    if (level.ownsRoot) {
      fail(level.root, error);
      level.lane.fail(now, error);
    }
    if (level.top) {
      const { timeline } = this.#call(ctx)!;
      timeline.wallMs = now - timeline.origin;
      timeline.failed = true;
    }
  }

  /** The latest call as a waterfall (plain JSON, what the notebook's telemetry+json output carries), or undefined before any. */
  timeline(): TimelineModel | undefined {
    return this.#latest?.model();
  }

  /**
   * The latest call's totals as text: per node its executions, total and mean ms, cache hits and a
   * bar scaled to the longest total. A nested pipeline's execution is no row (its inner nodes are),
   * so no time counts twice.
   */
  summary(): string {
    const model = this.timeline();
    return model ? [timelineHeader(model), ...totalsText(model.totals)].join("\n") : NO_CALL;
  }

  /** The latest call for a notebook: our telemetry+json timeline, and an HTML and a text waterfall with the totals below. */
  summaryMimeBundle(): SummaryMimeBundle {
    const model = this.timeline();
    if (!model) return { "text/plain": NO_CALL, "text/html": `<p>${escapeHtml(NO_CALL)}</p>` };
    return { [TELEMETRY_MIME_TYPE]: model, "text/html": timelineHtml(model), "text/plain": timelineText(model) };
  }

  [JUPYTER_MIMEBUNDLE](): SummaryMimeBundle {
    return this.summaryMimeBundle();
  }

  /** A node's or nested pipeline's end: its span (the oldest open of that name) and its lane. */
  #ended(name: string, durationMs: number, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    const span = level?.nodes.get(name)?.shift();
    if (!span) return;
    end(span, durationMs);
    const lane = nodeLane(level!, name)!;
    lane.stop(performance.now());
    lane.ran(durationMs);
  }

  #call(ctx: CallbackContext): CallState | undefined {
    return ctx.get<CallState>(this.#key);
  }
}

const NO_CALL = "TelemetryCallback: no call recorded yet";

/** The lane of a node or nested pipeline of this level: under its map when it maps. */
function laneOf(level: Level, kind: "node" | "nested", name: string): Lane {
  return (level.mapLane ?? level.lane).child(kind, name);
}

/** The lane of a node or nested pipeline that started at this level. */
function nodeLane(level: Level, name: string): Lane | undefined {
  return (level.mapLane ?? level.lane).find(name);
}

/** Where a node or nested span of this level goes: its item when unambiguous, else the map, else the pipeline. */
function parentOf(level: Level): Context {
  if (level.item) return (level.itemContext ??= trace.setSpan(context.active(), level.item));
  return level.mapContext ?? level.rootContext;
}

function setOnlyItem(level: Level, span: Span | undefined): void {
  if (span === level.item) return;
  level.item = span;
  level.itemContext = undefined;
}

function openSpans(level: Level, name: string): Span[] {
  let spans = level.nodes.get(name);
  if (!spans) level.nodes.set(name, (spans = []));
  return spans;
}

/** The inner level's `hierarchyPath`, joined. */
function childPath(ctx: CallbackContext, childId: string): string {
  return `${ctx.hierarchyPath.join("\u0000")}\u0000${childId}`;
}

function end(span: Span, durationMs: number): void {
  span.setAttribute(A.durationMs, durationMs);
  span.end();
}

function fail(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}

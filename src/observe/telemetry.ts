import { createRequire } from "node:module";
import { context, SpanStatusCode, trace, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { PipelineCallback, type CallbackContext } from "./callbacks.js";
import { escapeHtml } from "../notebook/html.js";
import { JUPYTER_MIMEBUNDLE } from "../notebook/notebook-protocol.js";
import { BAR_COLORS } from "../notebook/palette.js";
import { textBar } from "../notebook/progress-format.js";

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
  "text/plain": string;
  "text/html": string;
}

/** Open spans of one nesting level of one call, i.e. of one `CallbackContext` object. */
interface Level {
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
  started: number;
  /** `nested` spans not yet claimed by their inner level, by that level's hierarchy path. */
  pending: Map<string, Span[]>;
}

interface NodeStats {
  name: string;
  spanName: string;
  count: number;
  hits: number;
  totalMs: number;
}

let instances = 0;

/**
 * Reports every call as OpenTelemetry spans: `pipeline <id>` > `map <id>` > `item <index>` >
 * `node <name>` / `nested <name>` (whose inner pipeline's map, items and nodes nest under it), and
 * keeps a per-node summary of the latest call (`summary()`, or displayed in a notebook).
 *
 * Node events carry no item index, so under an engine that runs items of one level concurrently a
 * node cannot be attributed to its item: node spans are parented to the open item when only one is
 * open, else to the map span, and same-named nodes open at once are ended first-in first-out.
 * Concurrent calls sharing one instance each get correct spans but mix in `summary()`.
 */
export class TelemetryCallback extends PipelineCallback {
  readonly tracer: Tracer;
  // Unique per instance: two telemetry callbacks on one pipeline share the call's ctx store.
  readonly #key = `hypernodes.telemetry#${++instances}`;
  // Each run/map call and each nested execution has its own ctx object (for all its events), so
  // this separates concurrent calls, and concurrent executions of one nested node that share a hierarchyPath.
  readonly #levels = new WeakMap<CallbackContext, Level>();
  readonly #stats = new Map<string, NodeStats>();
  #title: string | undefined;
  #wallMs: number | undefined;
  #failed = false;

  constructor(options: TelemetryOptions = {}) {
    super();
    this.tracer = options.tracer ?? trace.getTracer("hypernodes", version);
  }

  onPipelineStart(pipelineId: string, _inputs: Record<string, unknown>, ctx: CallbackContext): void {
    let root: Span | undefined;
    if (ctx.depth === 0) {
      ctx.set(this.#key, { started: performance.now(), pending: new Map() } satisfies CallState);
      this.#stats.clear();
      this.#title = `run '${pipelineId}'`;
      this.#wallMs = undefined;
      this.#failed = false;
    } else {
      root = this.#call(ctx)?.pending.get(ctx.hierarchyPath.join("\u0000"))?.shift();
    }
    const ownsRoot = root === undefined;
    if (!root) {
      root = this.tracer.startSpan(`pipeline ${pipelineId}`, undefined, context.active());
      root.setAttribute(A.depth, ctx.depth);
    }
    this.#levels.set(ctx, {
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
    if (level.ownsRoot) end(level.root, durationMs);
    if (ctx.depth === 0) this.#wallMs = durationMs;
  }

  onMapStart(totalItems: number, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level) return;
    const span = this.tracer.startSpan(`map ${ctx.pipelineId}`, undefined, level.rootContext);
    span.setAttribute(A.totalItems, totalItems);
    span.setAttribute(A.depth, ctx.depth);
    level.map = span;
    level.mapContext = trace.setSpan(context.active(), span);
    if (ctx.depth === 0) this.#title = `map '${ctx.pipelineId}' (${totalItems} items)`;
  }

  onMapEnd(durationMs: number, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level?.map) return;
    end(level.map, durationMs);
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
    const span = this.#levels.get(ctx)?.items.get(index);
    span?.setAttribute(A.cacheHit, true);
    span?.setAttribute(A.signature, signature);
  }

  onMapItemEnd(index: number, durationMs: number, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    const span = level?.items.get(index);
    if (!level || !span) return;
    level.items.delete(index);
    end(span, durationMs);
    let only: Span | undefined;
    // Iterates only when items overlapped (a concurrent engine).
    if (level.items.size === 1) for (const open of level.items.values()) only = open;
    setOnlyItem(level, only);
  }

  onNodeStart(nodeId: string, _inputs: Record<string, unknown>, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level) return;
    const span = this.tracer.startSpan(this.#statsOf(nodeId).spanName, undefined, parentOf(level));
    span.setAttribute(A.node, nodeId);
    span.setAttribute(A.cacheHit, false);
    span.setAttribute(A.depth, ctx.depth);
    openSpans(level, nodeId).push(span);
  }

  onNodeEnd(nodeId: string, _outputs: Record<string, unknown>, durationMs: number, ctx: CallbackContext): void {
    const stats = this.#statsOf(nodeId);
    stats.count++;
    stats.totalMs += durationMs;
    const span = this.#levels.get(ctx)?.nodes.get(nodeId)?.shift();
    if (span) end(span, durationMs);
  }

  onNodeCached(nodeId: string, signature: string, ctx: CallbackContext): void {
    const stats = this.#statsOf(nodeId);
    stats.hits++;
    const level = this.#levels.get(ctx);
    if (!level) return;
    // Zero-length: same start and end (a performance.now() time is a valid OpenTelemetry TimeInput).
    const now = performance.now();
    const span = this.tracer.startSpan(stats.spanName, { startTime: now }, parentOf(level));
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
    const span = this.tracer.startSpan(`nested ${childId}`, undefined, parentOf(level));
    span.setAttribute(A.node, childId);
    span.setAttribute(A.cacheHit, false);
    span.setAttribute(A.depth, ctx.depth);
    openSpans(level, childId).push(span);
    // The inner level's ctx is a different object with no link to this one: it finds the span by path.
    const path = childPath(ctx, childId);
    const pending = call.pending.get(path);
    if (pending) pending.push(span);
    else call.pending.set(path, [span]);
  }

  onNestedPipelineEnd(_parentId: string, childId: string, durationMs: number, ctx: CallbackContext): void {
    const span = this.#levels.get(ctx)?.nodes.get(childId)?.shift();
    if (span) end(span, durationMs);
  }

  /**
   * Fires at the failing node's level, then at each enclosing nested node's level; no end event
   * follows at those levels, so everything still open at this level is ended here.
   */
  onError(nodeId: string, error: unknown, ctx: CallbackContext): void {
    const level = this.#levels.get(ctx);
    if (!level) return;
    this.#levels.delete(ctx);
    const failed = level.nodes.get(nodeId)?.shift();
    if (failed) {
      failed.recordException(error instanceof Error ? error : String(error));
      fail(failed, error);
      // A nested pipeline that failed before its inner level started leaves its span unclaimed.
      const pending = this.#call(ctx)?.pending.get(childPath(ctx, nodeId));
      const at = pending ? pending.indexOf(failed) : -1;
      if (at >= 0) pending!.splice(at, 1);
    }
    // Other nodes of a concurrent engine may still be running: their end events will be ignored.
    for (const spans of level.nodes.values()) for (const span of spans) span.end();
    for (const span of level.items.values()) fail(span, error);
    if (level.map) fail(level.map, error);
    if (level.ownsRoot) fail(level.root, error);
    if (ctx.depth === 0) {
      this.#wallMs = performance.now() - this.#call(ctx)!.started;
      this.#failed = true;
    }
  }

  /**
   * The latest call as text: per node its executions, total and mean ms, cache hits and a bar
   * scaled to the longest total. A nested pipeline's execution is no row (its inner nodes are),
   * so no time counts twice.
   */
  summary(): string {
    if (this.#title === undefined) return "TelemetryCallback: no call recorded yet";
    const rows = this.#rows();
    const cells = [
      ["node", "count", "cache hits", "total ms", "mean ms"],
      ...rows.map((r) => [r.name, String(r.count), String(r.hits), ms(r.totalMs), r.count ? ms(r.totalMs / r.count) : "-"]),
    ];
    const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
    const max = rows[0]?.totalMs ?? 0;
    const lines = cells.map((row, r) => {
      const text = row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
      return r === 0 ? text : `${text}  ${textBar(max > 0 ? rows[r - 1]!.totalMs / max : 0, { track: false })}`;
    });
    return [this.#header(), ...lines].join("\n");
  }

  /** The summary for a notebook: the text, and an HTML table with inline-styled bars. */
  summaryMimeBundle(): SummaryMimeBundle {
    const text = this.summary();
    if (this.#title === undefined) return { "text/plain": text, "text/html": `<p>${escapeHtml(text)}</p>` };
    const rows = this.#rows();
    const max = rows[0]?.totalMs ?? 0;
    const right = ' style="text-align:right;padding:0 8px"';
    const body = rows
      .map((r) => {
        const width = max > 0 ? ((r.totalMs / max) * 100).toFixed(1) : "0";
        return (
          `<tr><td style="text-align:left;padding:0 8px">${escapeHtml(r.name)}</td><td${right}>${r.count}</td>` +
          `<td${right}>${r.hits}</td><td${right}>${ms(r.totalMs)}</td><td${right}>${r.count ? ms(r.totalMs / r.count) : "-"}</td>` +
          `<td style="width:240px"><div style="background:${BAR_COLORS.light.fill};height:0.9em;width:${width}%"></div></td></tr>`
        );
      })
      .join("");
    const html =
      `<table style="border-collapse:collapse;font-family:monospace">` +
      `<caption style="text-align:left">${escapeHtml(this.#header())}</caption>` +
      `<thead><tr><th style="text-align:left;padding:0 8px">node</th><th${right}>count</th><th${right}>cache hits</th>` +
      `<th${right}>total ms</th><th${right}>mean ms</th><th></th></tr></thead><tbody>${body}</tbody></table>`;
    return { "text/plain": text, "text/html": html };
  }

  [JUPYTER_MIMEBUNDLE](): SummaryMimeBundle {
    return this.summaryMimeBundle();
  }

  #header(): string {
    const wall = this.#wallMs === undefined ? "still running" : `${ms(this.#wallMs)} ms wall`;
    return `${this.#title}: ${wall}${this.#failed ? " (failed)" : ""}`;
  }

  #rows(): NodeStats[] {
    return [...this.#stats.values()].sort((a, b) => b.totalMs - a.totalMs);
  }

  #call(ctx: CallbackContext): CallState | undefined {
    return ctx.get<CallState>(this.#key);
  }

  /** The node's counters, which also hold its span name so no name is built per event. */
  #statsOf(name: string): NodeStats {
    let stats = this.#stats.get(name);
    if (!stats) this.#stats.set(name, (stats = { name, spanName: `node ${name}`, count: 0, hits: 0, totalMs: 0 }));
    return stats;
  }
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

function ms(value: number): string {
  return value.toFixed(2);
}

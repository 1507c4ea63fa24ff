import { type CallbackContext, ON_CALL_REJECTED, PipelineCallback } from "./callbacks.js";
import { notebookKernel, type NotebookKernel } from "../notebook/notebook-protocol.js";
import { AbortError, HyperNodesError } from "../core/errors.js";
import type { Pipeline } from "../core/pipeline.js";
import { DAG_MIME_TYPE, JUPYTER_MIMEBUNDLE, visualize, type Visualization } from "../viz/viz.js";
import { typeName, type NodeStatus, type VizNode, type VizOptions } from "../viz/viz-model.js";
import { warn } from "../core/warnings.js";

export interface DagStatusOptions extends VizOptions {
  /** Least time between two notifications, in ms (default 100); the end of a run always notifies. */
  throttleMs?: number;
}

export type DagStatusListener = (viz: Visualization) => void;

type Change = "start" | "done" | "cached" | "failed";

const SEP = "\u0000";
/** Enough of a cache signature to tell entries apart by eye. */
const SIGNATURE_SHOWN = 12;

let liveDisplays = 0;

/**
 * Keeps a pipeline's drawn DAG current with the state of its runs, so it can be redrawn live:
 * each node pending, running, cached, done or failed, and inside a map how many items it finished.
 *
 * Callbacks are fixed when a pipeline is built, so create this first, then `track` the pipeline:
 *   const status = new DagStatusCallback({ depth: 2 });
 *   const pipeline = new Pipeline({ nodes, callbacks: [status] });
 *   status.track(pipeline).onChange((viz) => redraw(viz));
 *
 * In a HyperNodes notebook it also draws itself: each run shows the DAG as one output that is
 * updated in place (display_id + update_display_data), like the live progress.
 *
 * Events name nodes by name only, so nodes sharing a name in one pipeline share a status.
 */
export class DagStatusCallback extends PipelineCallback {
  readonly #options: DagStatusOptions;
  readonly #throttleMs: number;
  readonly #listeners = new Set<DagStatusListener>();
  #viz: Visualization | undefined;
  /** The notebook display of the current run, when running in a HyperNodes notebook. */
  #live: { kernel: NotebookKernel; displayId: string; shown: boolean } | undefined;
  /** Function and pipeline nodes by their names path. */
  #byPath = new Map<string, VizNode[]>();
  /** Each node's map scope: the path of the nearest enclosing pipeline mapped over, "" for the top level. */
  #scopeOf = new Map<string, string>();
  /** Executions started and not ended, by node id. */
  #inFlight = new Map<string, number>();
  /** Root map item announced cached (its end event must not count it as done too). */
  #cachedItem = -1;
  #lastNotified = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DagStatusOptions = {}) {
    super();
    const { throttleMs = 100, ...vizOptions } = options;
    this.#options = vizOptions;
    this.#throttleMs = throttleMs;
  }

  /** Draws `pipeline` and follows its runs from now on. */
  track(pipeline: Pipeline<any>): this {
    const viz = visualize(pipeline, this.#options);
    // Every node is followed, collapsed or not: a front end may expand any pipeline.
    const byId = new Map(viz.full.nodes.map((n) => [n.id, n]));
    this.#byPath = new Map();
    this.#scopeOf = new Map();
    for (const n of viz.full.nodes) {
      if (n.kind !== "function" && n.kind !== "pipeline") continue;
      const key = n.path.join(SEP);
      this.#byPath.set(key, [...(this.#byPath.get(key) ?? []), n]);
      let scope = n.parent ? byId.get(n.parent) : undefined;
      while (scope && !scope.mapOver) scope = scope.parent ? byId.get(scope.parent) : undefined;
      this.#scopeOf.set(n.id, scope ? scope.path.join(SEP) : "");
    }
    this.#viz = viz;
    this.#reset("idle");
    return this;
  }

  /** The tracked pipeline's visualization, its model carrying the current status. */
  get visualization(): Visualization {
    if (!this.#viz) throw new HyperNodesError("DagStatusCallback: call track(pipeline) first");
    return this.#viz;
  }

  /** Calls `listener` when the status changes (throttled); returns a function that unsubscribes it. */
  onChange(listener: DagStatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onPipelineStart(_id: string, _inputs: Record<string, unknown>, ctx: CallbackContext): void {
    if (ctx.depth > 0) return;
    this.#reset("running"); // throws, failing the run early, when track() was not called
    const kernel = notebookKernel();
    this.#live = kernel && { kernel, displayId: `hypernodes-dag-${process.pid}-${++liveDisplays}`, shown: false };
    this.#changed();
  }

  onPipelineEnd(_id: string, _outputs: unknown, _ms: number, ctx: CallbackContext): void {
    if (ctx.depth === 0) this.#finish("done");
  }

  onMapStart(total: number, ctx: CallbackContext): void {
    const status = this.visualization.model.status!;
    const scope = ctx.hierarchyPath.slice(1).join(SEP);
    if (ctx.depth === 0) status.items = { total, done: 0, cached: 0, failed: 0 };
    // A nested map starts once per outer item: its total adds up.
    for (const [id, s] of this.#scopeOf) {
      if (s !== scope) continue;
      const node = status.nodes[id]!;
      node.items ??= { total: 0, done: 0, cached: 0, failed: 0 };
      node.items.total += total;
    }
    this.#changed();
  }

  onMapItemCached(index: number, _signature: string, ctx: CallbackContext): void {
    if (ctx.depth > 0) return;
    this.#cachedItem = index;
    this.visualization.model.status!.items!.cached++;
    this.#changed();
  }

  onMapItemEnd(index: number, _ms: number, ctx: CallbackContext): void {
    if (ctx.depth > 0 || index === this.#cachedItem) return;
    this.visualization.model.status!.items!.done++;
    this.#changed();
  }

  onNodeStart(nodeId: string, _inputs: Record<string, unknown>, ctx: CallbackContext): void {
    this.#update(ctx, nodeId, "start");
  }

  onNodeEnd(nodeId: string, outputs: Record<string, unknown>, ms: number, ctx: CallbackContext): void {
    for (const n of this.#update(ctx, nodeId, "done", ms)) {
      // Once per run: a map's items return the same types.
      const status = this.#statusOf(n);
      status.types ??= Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, typeName(value)]));
    }
  }

  onNestedPipelineStart(_parentId: string, childId: string, ctx: CallbackContext): void {
    this.#update(ctx, childId, "start");
  }

  onNestedPipelineEnd(_parentId: string, childId: string, ms: number, ctx: CallbackContext): void {
    this.#update(ctx, childId, "done", ms);
  }

  onNodeCached(nodeId: string, signature: string, ctx: CallbackContext): void {
    const nodes = this.#update(ctx, nodeId, "cached");
    // One signature per run: a mapped node's differ item by item.
    for (const n of nodes) if (!this.#statusOf(n).items) this.#statusOf(n).signature = signature.slice(0, SIGNATURE_SHOWN);
    // A nested pipeline found in the cache runs none of its inner nodes: they are cached too.
    for (const pipelineNode of nodes.filter((n) => n.kind === "pipeline")) {
      const scope = this.#scopeOf.get(pipelineNode.id);
      const prefix = pipelineNode.path.join(SEP) + SEP;
      for (const [key, inner] of this.#byPath) {
        if (!key.startsWith(prefix)) continue;
        for (const n of inner) {
          // Inside a map of its own an inner node's item count is unknown: only its state shows it.
          if (this.#scopeOf.get(n.id) === scope) this.#apply(n, "cached");
          else if (!this.#statusOf(n).items) this.#statusOf(n).state = "cached";
        }
      }
    }
  }

  onError(nodeId: string, _error: unknown, ctx: CallbackContext): void {
    this.#update(ctx, nodeId, "failed");
    if (ctx.depth > 0) return;
    const items = this.visualization.model.status!.items;
    if (items) items.failed++;
    this.#finish("failed");
  }

  /** An aborted run (or one that failed outside its nodes) stops showing nodes as running. */
  [ON_CALL_REJECTED](_ctx: CallbackContext, error: unknown): void {
    if (this.#viz?.model.status?.state === "running") this.#finish(error instanceof AbortError ? "aborted" : "failed");
  }

  #update(ctx: CallbackContext, name: string, change: Change, ms?: number): VizNode[] {
    const nodes = this.#byPath.get([...ctx.hierarchyPath.slice(1), name].join(SEP)) ?? [];
    for (const n of nodes) {
      this.#apply(n, change);
      if (ms !== undefined) this.#statusOf(n).ms = ms;
    }
    if (nodes.length) this.#changed();
    return nodes;
  }

  #apply(n: VizNode, change: Change): void {
    const status = this.#statusOf(n);
    const running = (this.#inFlight.get(n.id) ?? 0) + (change === "start" ? 1 : change === "cached" ? 0 : -1);
    this.#inFlight.set(n.id, Math.max(0, running));
    const items = status.items;
    if (!items) {
      status.state = change === "start" ? "running" : change;
      return;
    }
    if (change !== "start") items[change]++;
    status.state = running > 0 ? "running" : settled(status, false);
  }

  /** The run ended (or failed): nothing is running any more. */
  #finish(state: "done" | "failed" | "aborted"): void {
    const status = this.visualization.model.status!;
    status.state = state;
    for (const node of Object.values(status.nodes)) if (node.state === "running") node.state = settled(node, true);
    this.#inFlight.clear();
    this.#notify(true);
  }

  #statusOf(n: VizNode): NodeStatus {
    return this.visualization.model.status!.nodes[n.id]!;
  }

  #reset(state: "idle" | "running"): void {
    const nodes: Record<string, NodeStatus> = {};
    for (const id of this.#scopeOf.keys()) nodes[id] = { state: "pending" };
    this.visualization.status = { state, nodes };
    this.#inFlight.clear();
    this.#cachedItem = -1;
  }

  /** Notifies now when the last notification is old enough, otherwise once the throttle time has passed. */
  #changed(): void {
    const wait = this.#lastNotified + this.#throttleMs - performance.now();
    if (wait <= 0) this.#notify(false);
    else this.#timer ??= setTimeout(() => this.#notify(false), wait).unref();
  }

  #notify(final: boolean): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastNotified = performance.now();
    const live = this.#live;
    if (live) {
      // While it runs, the data and text only: an SVG layout per update would run on the pipeline's own
      // event loop, and our JupyterLab renderer lays the DAG out itself. The final state brings the SVG
      // for other front ends and the saved notebook.
      const viz = this.visualization;
      const shown = final ? viz : { [JUPYTER_MIMEBUNDLE]: () => ({ [DAG_MIME_TYPE]: viz.mimeData(), "text/plain": viz.toString() }) };
      void live.kernel.display(shown, { displayId: live.displayId, update: live.shown });
      live.shown = true;
    }
    for (const listener of this.#listeners) {
      // A broken display must not break the run (nor, from a timer, the process).
      try {
        listener(this.visualization);
      } catch (error) {
        warn(`DagStatusCallback listener failed: ${error instanceof Error ? error.message : String(error)}`, "HYPERNODES_VIZ_LISTENER");
      }
    }
  }
}

/** A mapped node's state when none of its executions is in flight. */
function settled(status: NodeStatus, final: boolean): NodeStatus["state"] {
  const { done, cached, failed, total } = status.items ?? { done: 0, cached: 0, failed: 0, total: 0 };
  if (failed) return "failed";
  if (!final && done + cached < total && done + cached > 0) return "running";
  return done ? "done" : cached ? "cached" : "pending";
}

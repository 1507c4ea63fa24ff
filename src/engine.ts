import type { Cache } from "./cache.js";
import { CallbackContext, CallbackDispatcher } from "./callbacks.js";
import type { MapMode } from "./map-plan.js";
import type { Pipeline } from "./pipeline.js";

/**
 * What one `run`/`map` call executes with: the cache, callbacks and engine of the top-level
 * pipeline (they flow into nested pipelines), and this nesting level's callback context.
 */
export class ExecutionScope {
  /** Things done once per call (a warning per node, a signature record per node), shared by all levels. */
  readonly #done: Set<string>;

  constructor(
    readonly engine: Engine,
    readonly cache: Cache | undefined,
    readonly envHash: string,
    readonly events: CallbackDispatcher,
    readonly ctx: CallbackContext,
    done?: Set<string>,
  ) {
    this.#done = done ?? new Set();
  }

  /** The scope one level down, for the nested pipeline run by `pipelineNodeName`. */
  child(pipelineNodeName: string, inner: Pipeline): ExecutionScope {
    return new ExecutionScope(
      this.engine,
      this.cache ?? inner.cache,
      this.envHash,
      this.events.active ? this.events : new CallbackDispatcher(inner.callbacks),
      this.ctx.child(pipelineNodeName),
      this.#done,
    );
  }

  /** True the first time a key is seen in this run/map call. */
  firstTime(key: string): boolean {
    if (this.#done.has(key)) return false;
    this.#done.add(key);
    return true;
  }
}

export interface EngineRunOptions {
  /** Only these outputs (and the nodes they need) are computed and returned. */
  outputName?: string | readonly string[];
  scope: ExecutionScope;
}

export interface EngineMapOptions extends EngineRunOptions {
  mapOver: string | readonly string[];
  mapMode?: MapMode;
}

/**
 * Decides how a pipeline's nodes and map items are scheduled. Node execution itself (signatures,
 * cache, callbacks, errors) is shared in node-execution.ts, so an engine only orders the work.
 * `inputs` arrive with bound inputs already merged in.
 */
export interface Engine {
  run(pipeline: Pipeline<any>, inputs: Record<string, unknown>, options: EngineRunOptions): Promise<Record<string, unknown>>;
  map(pipeline: Pipeline<any>, inputs: Record<string, unknown>, options: EngineMapOptions): Promise<Record<string, unknown>[]>;
}

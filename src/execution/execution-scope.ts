import type { Cache } from "../cache/cache.js";
import type { CallbackContext, CallbackDispatcher } from "../observe/callbacks.js";
import type { Engine, NestedPipeline, Scope } from "../core/contracts.js";
import { saltedEnv } from "../identity/signature.js";
import { Tally, type LevelTally } from "../observe/tally.js";

/** What every nesting level of one call shares. */
interface CallShared {
  /** Things done once per call (a warning per node, a signature record per node); made on first use. */
  done?: Set<string>;
  /** Every cache used during the call, to commit at its end (most calls have none or one). */
  caches: Cache[];
  control: CallControl;
}

/** How a call may be stopped: its AbortSignal, and its default time limit per node (ms). */
export interface CallControl {
  signal?: AbortSignal;
  timeout?: number;
}

/**
 * What one `run`/`map` call executes with: the cache, callbacks and engine of the top-level
 * pipeline (they flow into nested pipelines), and this nesting level's callback context.
 */
export class ExecutionScope implements Scope {
  readonly #shared: CallShared;
  readonly tally: LevelTally | undefined;
  readonly signal: AbortSignal | undefined;
  readonly timeout: number | undefined;

  constructor(
    readonly engine: Engine,
    readonly cache: Cache | undefined,
    readonly envHash: string,
    readonly events: CallbackDispatcher,
    readonly ctx: CallbackContext,
    control: CallControl = {},
    shared?: CallShared,
  ) {
    this.#shared = shared ?? { caches: [], control };
    // Fields, not getters: every node call reads them.
    this.signal = this.#shared.control.signal;
    this.timeout = this.#shared.control.timeout;
    if (cache && !this.#shared.caches.includes(cache)) this.#shared.caches.push(cache);
    this.tally = events.readsTally ? Tally.of(ctx).level(ctx.hierarchyPath) : undefined;
  }

  /**
   * The scope one level down, for the nested pipeline run by `pipelineNodeName`: the outer cache and
   * callbacks when it has them, else the inner pipeline's own; an inner cacheSalt still counts.
   */
  child(pipelineNodeName: string, inner: NestedPipeline): ExecutionScope {
    const env = !this.cache ? inner.envHash : saltedEnv(this.envHash, inner.cacheSalt);
    return new ExecutionScope(
      this.engine,
      this.cache ?? inner.cache,
      env,
      this.events.active ? this.events : inner.events,
      this.ctx.child(pipelineNodeName),
      this.#shared.control,
      this.#shared,
    );
  }

  /** True the first time a key is seen in this run/map call. */
  firstTime(key: string): boolean {
    const done = (this.#shared.done ??= new Set());
    if (done.has(key)) return false;
    done.add(key);
    return true;
  }

  /** Commits the buffered writes of every cache used during the call; nothing to wait for when no cache was used. */
  flushCaches(): Promise<void> | undefined {
    const { caches } = this.#shared;
    if (caches.length === 0) return undefined;
    if (caches.length === 1) return caches[0]!.flush?.();
    return (async () => {
      for (const cache of caches) await cache.flush?.();
    })();
  }
}

import type { Engine, EngineMapOptions, EngineOptions, EngineRunOptions, ExecutionTarget } from "../core/contracts.js";
import { checkOptions, ENGINE_OPTIONS, TAKES } from "../core/option-checks.js";
import { executeMap, executeRun, runStepsAsDag } from "../execution/execution.js";

export interface ConcurrentEngineOptions extends EngineOptions {
  /** Most node executions (in `run`), map items or batch calls (in `map`) in flight at once, per call. Default 10. */
  maxConcurrency?: number;
  /**
   * In `map`, keep going when items fail: each failed item's entry in the results is its
   * NodeExecutionError (with `itemIndex`), the others hold their outputs. Default false: the first
   * failure stops new items from starting and rejects the map once the items in flight finish.
   */
  collectErrors?: boolean;
}

/**
 * For async, I/O-bound nodes (LLM and HTTP calls, file I/O): in `run`, independent nodes run
 * concurrently as soon as their inputs are ready; in `map`, items run concurrently (each item's
 * nodes in order). Results keep input order. Each call has its own limit, so a nested pipeline
 * never waits on slots its parent holds.
 */
export class ConcurrentEngine implements Engine {
  readonly maxConcurrency: number;
  readonly collectErrors: boolean;
  readonly batch: boolean;

  constructor(options: ConcurrentEngineOptions = {}) {
    checkOptions(options, { ...ENGINE_OPTIONS, maxConcurrency: TAKES.count, collectErrors: TAKES.boolean }, "new ConcurrentEngine");
    this.maxConcurrency = options.maxConcurrency ?? 10;
    this.collectErrors = options.collectErrors ?? false;
    this.batch = options.batch ?? true;
  }

  run(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineRunOptions): Promise<Record<string, unknown>> {
    return executeRun(target, inputs, options, (state, scope, invoker) => runStepsAsDag(state, scope, invoker, this.maxConcurrency));
  }

  map(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineMapOptions): Promise<Record<string, unknown>[]> {
    return executeMap(target, inputs, options, {
      concurrency: this.maxConcurrency,
      collectErrors: this.collectErrors,
      batch: this.batch,
    }) as Promise<Record<string, unknown>[]>;
  }
}

import type { Engine, EngineMapOptions, EngineOptions, EngineRunOptions, ExecutionScope } from "./engine.js";
import { HyperNodesError } from "./errors.js";
import { executeMap, executeRun, runStepsInOrder } from "./execution.js";
import type { ItemState, Step } from "./execution-plan.js";
import { executeStep } from "./node-execution.js";
import type { Pipeline } from "./pipeline.js";

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
    this.maxConcurrency = options.maxConcurrency ?? 10;
    if (!Number.isInteger(this.maxConcurrency) || this.maxConcurrency < 1) {
      throw new HyperNodesError(`ConcurrentEngine: maxConcurrency must be a positive integer, got ${options.maxConcurrency}`);
    }
    this.collectErrors = options.collectErrors ?? false;
    this.batch = options.batch ?? true;
  }

  run(pipeline: Pipeline<any>, inputs: Record<string, unknown>, options: EngineRunOptions): Promise<Record<string, unknown>> {
    return executeRun(pipeline, inputs, options, (state, scope) => runStepsAsDag(state, scope, this.maxConcurrency));
  }

  map(pipeline: Pipeline<any>, inputs: Record<string, unknown>, options: EngineMapOptions): Promise<Record<string, unknown>[]> {
    return executeMap(pipeline, inputs, options, {
      runSteps: runStepsInOrder,
      concurrency: this.maxConcurrency,
      collectErrors: this.collectErrors,
      batch: this.batch,
    }) as Promise<Record<string, unknown>[]>;
  }
}

/**
 * Starts every step whose producers are done, up to `limit` at once. On a failure nothing new starts;
 * the steps in flight finish and the first error rejects.
 */
async function runStepsAsDag(state: ItemState, scope: ExecutionScope, limit: number): Promise<void> {
  const steps = state.plan.steps;
  const producers = steps.map((step) => [...new Set(step.argSlots.map((slot) => state.plan.producers[slot]).filter((p): p is Step => !!p))]);
  const done = new Set<Step>();
  const started = new Set<Step>();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  while (done.size < steps.length && !failure) {
    for (const step of steps) {
      if (inFlight.size >= limit) break;
      if (started.has(step) || !producers[step.index]!.every((p) => done.has(p))) continue;
      started.add(step);
      const running: Promise<void> = Promise.resolve()
        .then(() => executeStep(step, state, scope))
        .then(
          () => void done.add(step),
          (error) => void (failure ??= { error }),
        )
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    if (inFlight.size === 0) break; // nothing runnable (cannot happen for a valid plan)
    await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
}


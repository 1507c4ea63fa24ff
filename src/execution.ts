import { performance } from "node:perf_hooks";
import { digest } from "./digest.js";
import type { EngineMapOptions, EngineRunOptions, ExecutionScope } from "./engine.js";
import { NodeExecutionError } from "./errors.js";
import type { ItemState } from "./execution-plan.js";
import { MapPlan } from "./map-plan.js";
import { after, executeStep, prefetch } from "./node-execution.js";
import type { Pipeline } from "./pipeline.js";

/** Runs the steps of one item (in order, or as a DAG); returns a promise only if something was async. */
export type StepRunner = (state: ItemState, scope: ExecutionScope) => void | Promise<void>;

/** How an engine schedules work: the step runner, and how many map items may be in flight. */
export interface Schedule {
  runSteps: StepRunner;
  concurrency: number;
  /** Failed items become their NodeExecutionError in the results instead of rejecting the map. */
  collectErrors?: boolean;
}

/** Map items whose cache hits are fetched in one batched query. */
const PREFETCH_CHUNK = 1000;

/** Steps in execution order, staying synchronous until a step returns a promise. */
export function runStepsInOrder(state: ItemState, scope: ExecutionScope, from = 0): void | Promise<void> {
  const steps = state.plan.steps;
  for (let i = from; i < steps.length; i++) {
    const pending = executeStep(steps[i]!, state, scope);
    if (pending) return pending.then(() => runStepsInOrder(state, scope, i + 1));
  }
}

/** `run` as every engine executes it: checks, events, prefetch, then the engine's step runner. */
export async function executeRun(
  pipeline: Pipeline<any>,
  inputs: Record<string, unknown>,
  options: EngineRunOptions,
  runSteps: StepRunner,
): Promise<Record<string, unknown>> {
  const { scope } = options;
  const plan = pipeline.planFor(options.outputName);
  plan.checkInputs(inputs);
  const state = plan.initialState(inputs, scope.cache !== undefined);
  await state.resolveResources();
  const { events, ctx } = scope;
  const started = performance.now();
  if (events.active) await events.emit("onPipelineStart", ctx.pipelineId, inputs, ctx);
  if (scope.cache) await prefetch([state], scope);
  const pending = runSteps(state, scope);
  if (pending) await pending;
  const outputs = plan.outputsOf(state);
  if (events.active) await events.emit("onPipelineEnd", ctx.pipelineId, outputs, performance.now() - started, ctx);
  return outputs;
}

/**
 * `map` as every engine executes it: items in input order, up to `schedule.concurrency` in flight,
 * each chunk's cache hits prefetched in one query, per-item events, results in input order. On a
 * failure no new item starts; the items in flight finish, then the first error rejects the map
 * (unless errors are collected).
 */
export async function executeMap(
  pipeline: Pipeline<any>,
  inputs: Record<string, unknown>,
  options: EngineMapOptions,
  schedule: Schedule,
): Promise<(Record<string, unknown> | NodeExecutionError)[]> {
  const { scope } = options;
  const plan = pipeline.planFor(options.outputName);
  const items = new MapPlan(inputs, options.mapOver, options.mapMode);
  pipeline.checkMapOver(items.names, plan);
  plan.checkInputs(inputs);
  const initial = plan.initialState(inputs, scope.cache !== undefined, items.names);
  await initial.resolveResources();
  const { events, ctx } = scope;
  const started = performance.now();
  if (events.active) {
    await events.emit("onPipelineStart", ctx.pipelineId, inputs, ctx);
    await events.emit("onMapStart", items.length, ctx);
  }
  const results = new Array<Record<string, unknown> | NodeExecutionError>(items.length);
  const mapped = new Array<unknown>(items.names.length);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let chunk: ItemState[] = [];
  let lastYield = performance.now();

  const finishItem = (i: number, state: ItemState) => {
    results[i] = plan.outputsOf(state);
  };
  const failItem = (i: number, error: unknown) => {
    const located = error instanceof NodeExecutionError ? error.withinItem(i) : error;
    if (schedule.collectErrors && located instanceof NodeExecutionError) results[i] = located;
    else failure ??= { error: located };
  };

  for (let i = 0; i < items.length && !failure; i++) {
    const chunkIndex = i % PREFETCH_CHUNK;
    if (chunkIndex === 0) {
      chunk = [];
      for (let j = i; j < Math.min(i + PREFETCH_CHUNK, items.length); j++) {
        items.itemValues(j, mapped);
        chunk.push(initial.forItem(j, mapped));
      }
      if (scope.cache) await prefetch(chunk, scope);
    }
    const state = chunk[chunkIndex]!;
    let pending: void | Promise<void>;
    try {
      pending = runMapItem(i, state, scope, schedule.runSteps);
    } catch (error) {
      failItem(i, error);
      continue;
    }
    if (!pending) {
      finishItem(i, state);
    } else {
      const tracked: Promise<void> = pending.then(
        () => finishItem(i, state),
        (error) => failItem(i, error),
      ).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= schedule.concurrency) await Promise.race(inFlight);
    }
    // Let timers run (progress redraws, notebook display updates) during a long synchronous map.
    if (events.active && (i & 63) === 63 && performance.now() - lastYield > 50) {
      await new Promise(setImmediate);
      lastYield = performance.now();
    }
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  if (events.active) {
    const durationMs = performance.now() - started;
    await events.emit("onMapEnd", durationMs, ctx);
    await events.emit("onPipelineEnd", ctx.pipelineId, results, durationMs, ctx);
  }
  return results;
}

/** One map item with its events; synchronous when everything in it is. */
function runMapItem(i: number, state: ItemState, scope: ExecutionScope, runSteps: StepRunner): void | Promise<void> {
  const { events, ctx } = scope;
  if (!events.active) return runSteps(state, scope);
  const itemStarted = performance.now();
  return after(events.emit("onMapItemStart", i, ctx), () =>
    after(runSteps(state, scope), () =>
      after(
        state.executed === 0 && state.signatures && state.plan.steps.length > 0
          ? events.emit("onMapItemCached", i, itemSignature(state), ctx)
          : undefined,
        () => events.emit("onMapItemEnd", i, performance.now() - itemStarted, ctx),
      ),
    ),
  );
}

/** One signature for a whole map item: the digest of its cached steps' signatures. */
function itemSignature(state: ItemState): string {
  return digest(state.signatures!.filter((s) => s !== undefined).join(","));
}

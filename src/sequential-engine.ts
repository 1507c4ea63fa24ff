import { digest } from "./digest.js";
import type { Engine, EngineMapOptions, EngineRunOptions } from "./engine.js";
import { NodeExecutionError } from "./errors.js";
import type { ItemState } from "./execution-plan.js";
import { MapPlan } from "./map-plan.js";
import { executeStep, prefetch } from "./node-execution.js";
import type { Pipeline } from "./pipeline.js";

/** Map items whose cache hits are fetched in one batched query. */
const PREFETCH_CHUNK = 1000;

/** Runs nodes one after another in execution order, and map items one after another. The default engine. */
export class SequentialEngine implements Engine {
  async run(pipeline: Pipeline<any>, inputs: Record<string, unknown>, options: EngineRunOptions): Promise<Record<string, unknown>> {
    const { scope } = options;
    const plan = pipeline.planFor(options.outputName);
    plan.checkInputs(inputs);
    const state = plan.initialState(inputs, scope.cache !== undefined);
    const { events, ctx } = scope;
    const started = performance.now();
    if (events.active) await events.emit("onPipelineStart", ctx.pipelineId, inputs, ctx);
    if (scope.cache) await prefetch([state], scope);
    const pending = runItem(state, scope);
    if (pending) await pending;
    const outputs = plan.outputsOf(state);
    if (events.active) await events.emit("onPipelineEnd", ctx.pipelineId, outputs, performance.now() - started, ctx);
    return outputs;
  }

  async map(pipeline: Pipeline<any>, inputs: Record<string, unknown>, options: EngineMapOptions): Promise<Record<string, unknown>[]> {
    const { scope } = options;
    const plan = pipeline.planFor(options.outputName);
    const items = new MapPlan(inputs, options.mapOver, options.mapMode);
    pipeline.checkMapOver(items.names, plan);
    plan.checkInputs(inputs);
    const cache = scope.cache;
    const initial = plan.initialState(inputs, cache !== undefined, items.names);
    const { events, ctx } = scope;
    const started = performance.now();
    if (events.active) {
      await events.emit("onPipelineStart", ctx.pipelineId, inputs, ctx);
      await events.emit("onMapStart", items.length, ctx);
    }
    const results = new Array<Record<string, unknown>>(items.length);
    const mapped = new Array<unknown>(items.names.length);
    let chunk: ItemState[] = [];
    let lastYield = performance.now();
    for (let i = 0; i < items.length; i++) {
      const chunkIndex = i % PREFETCH_CHUNK;
      if (chunkIndex === 0) {
        chunk = [];
        for (let j = i; j < Math.min(i + PREFETCH_CHUNK, items.length); j++) {
          items.itemValues(j, mapped);
          chunk.push(initial.forItem(j, mapped));
        }
        if (cache) await prefetch(chunk, scope);
      }
      const state = chunk[chunkIndex]!;
      try {
        // Each part may complete synchronously: await only what returned a promise.
        let pending: void | Promise<void>;
        if (events.active) {
          const itemStarted = performance.now();
          if ((pending = events.emit("onMapItemStart", i, ctx))) await pending;
          if ((pending = runItem(state, scope))) await pending;
          if (state.executed === 0 && state.signatures && plan.steps.length > 0) {
            if ((pending = events.emit("onMapItemCached", i, itemSignature(state), ctx))) await pending;
          }
          if ((pending = events.emit("onMapItemEnd", i, performance.now() - itemStarted, ctx))) await pending;
          // Let timers run (progress redraws, notebook display updates) during a long synchronous map.
          if ((i & 63) === 63 && performance.now() - lastYield > 50) {
            await new Promise(setImmediate);
            lastYield = performance.now();
          }
        } else if ((pending = runItem(state, scope))) await pending;
      } catch (error) {
        throw error instanceof NodeExecutionError ? error.withinItem(i) : error;
      }
      results[i] = plan.outputsOf(state);
    }
    if (events.active) {
      const durationMs = performance.now() - started;
      await events.emit("onMapEnd", durationMs, ctx);
      await events.emit("onPipelineEnd", ctx.pipelineId, results, durationMs, ctx);
    }
    return results;
  }
}

/** Runs an item's steps in order; stays synchronous until a step returns a promise. */
function runItem(state: ItemState, scope: EngineRunOptions["scope"], from = 0): void | Promise<void> {
  const steps = state.plan.steps;
  for (let i = from; i < steps.length; i++) {
    const pending = executeStep(steps[i]!, state, scope);
    if (pending) return pending.then(() => runItem(state, scope, i + 1));
  }
}

/** One signature for a whole map item: the digest of its cached steps' signatures. */
function itemSignature(state: ItemState): string {
  return digest(state.signatures!.filter((s) => s !== undefined).join(","));
}

import { isThenable } from "./callbacks.js";
import type { Cache } from "./cache.js";
import type { ExecutionScope } from "./engine.js";
import { CallbackError, NodeExecutionError, UnserializableValueError } from "./errors.js";
import type { ItemState, Step } from "./execution-plan.js";

/**
 * Executes one step of one item — the part every engine shares: cache lookup before the node runs,
 * the node itself, output unpacking, cache write after it succeeds, callbacks, and error wrapping.
 * Returns a promise only when something asynchronous happened, so a synchronous pipeline without
 * cache or callbacks runs without a microtask per node.
 */
export function executeStep(step: Step, state: ItemState, scope: ExecutionScope): void | Promise<void> {
  if (scope.events.active || scope.cache !== undefined) return executeTracked(step, state, scope);
  try {
    const result = step.node.execute(state.argsOf(step), scope);
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => {
          try {
            storeOutputs(step, state, value);
          } catch (error) {
            throw toNodeError(step, error);
          }
        },
        (error) => {
          throw toNodeError(step, error);
        },
      );
    }
    storeOutputs(step, state, result);
  } catch (error) {
    throw toNodeError(step, error);
  }
}

async function executeTracked(step: Step, state: ItemState, scope: ExecutionScope): Promise<void> {
  const { node } = step;
  const { events, ctx, cache } = scope;
  // With a cache every step gets a signature, uncached ones too: downstream signatures chain on it.
  const signature = cache ? state.signatureOf(step, scope.envHash) : undefined;
  if (cache && node.cache) {
    const hit = await lookup(cache, signature!, state);
    if (hit) {
      storeOutputs(step, state, hit.value);
      if (events.active) await events.emit("onNodeCached", node.name, signature!, ctx);
      return;
    }
  }

  const args = state.argsOf(step);
  const nested = node.kind === "pipeline";
  if (nested) await events.emit("onNestedPipelineStart", ctx.pipelineId, node.name, ctx);
  else if (events.listens("onNodeStart")) await events.emit("onNodeStart", node.name, record(node.rootArgs, args), ctx);
  const started = performance.now();
  let value: unknown;
  try {
    value = node.execute(args, scope);
    if (isThenable(value)) value = await value;
    storeOutputs(step, state, value);
  } catch (error) {
    const failure = toNodeError(step, error);
    if (failure instanceof NodeExecutionError) await events.emit("onError", node.name, failure.cause, ctx);
    throw failure;
  }
  const durationMs = performance.now() - started;
  state.executed++;
  if (cache && node.cache) await store(cache, signature!, value, step, scope);
  if (nested) await events.emit("onNestedPipelineEnd", ctx.pipelineId, node.name, durationMs, ctx);
  else if (events.listens("onNodeEnd")) {
    const outputs = record(node.outputNames, step.outSlots.map((slot) => state.values[slot]));
    await events.emit("onNodeEnd", node.name, outputs, durationMs, ctx);
  }
}

async function lookup(cache: Cache, signature: string, state: ItemState): Promise<{ value: unknown } | undefined> {
  const hits = state.prefetched ?? (await cache.getMany([signature]));
  return hits.has(signature) ? { value: hits.get(signature) } : undefined;
}

/** Writes a result; a value the cache cannot store is returned uncached, with one warning per node. */
async function store(cache: Cache, signature: string, value: unknown, step: Step, scope: ExecutionScope) {
  try {
    await cache.set(signature, value);
  } catch (error) {
    if (!(error instanceof UnserializableValueError)) throw error;
    scope.warnOnce(
      step.node.name,
      `Node '${step.node.name}': its output cannot be cached (${error.message}); it is returned but will be recomputed next time`,
    );
  }
}

/** Writes a node's result into its output slots, checking a multi-output node returned a tuple. */
function storeOutputs(step: Step, state: ItemState, value: unknown): void {
  const slots = step.outSlots;
  if (slots.length === 1) {
    state.values[slots[0]!] = value;
    return;
  }
  if (!Array.isArray(value) || value.length !== slots.length) {
    const got = Array.isArray(value) ? `an array of length ${value.length}` : value === null ? "null" : typeof value;
    throw new TypeError(`it declares ${slots.length} outputs (${step.node.outputNames.join(", ")}) but returned ${got}`);
  }
  for (let k = 0; k < slots.length; k++) state.values[slots[k]!] = value[k];
}

/**
 * The error a failing step rejects with. A nested pipeline's inner failure is kept (same object,
 * `cause` still the original) with this node added to its path; callback errors pass through.
 */
function toNodeError(step: Step, error: unknown): unknown {
  if (error instanceof CallbackError) return error;
  if (step.node.kind === "pipeline" && error instanceof NodeExecutionError) return error.withinNode(step.node.name);
  return new NodeExecutionError(step.node.name, error);
}

function record(names: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) out[names[i]!] = values[i];
  return out;
}

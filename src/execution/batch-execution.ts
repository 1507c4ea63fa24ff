import type { Scope } from "../core/contracts.js";
import { performance } from "node:perf_hooks";
import type { ItemState, Step } from "../core/execution-plan.js";
import { callControlled, throwAborted } from "./cancellation.js";
import { announceStart, fail, finish, since, useHit, type NodeInvoker } from "./node-execution.js";

/** Where a batch step reports the items that failed, and whether a failure has stopped the map. */
export interface ItemFailures {
  fail(state: ItemState, error: unknown): void;
  /** True once a failure ends the map: no further batch call starts. */
  readonly stopped: boolean;
}

/** The items the batch function must compute, and their signatures (undefined when uncached). */
interface Misses {
  states: readonly ItemState[];
  signatures: readonly (string | undefined)[];
}

/**
 * Executes a batch node's step for items of a map chunk whose upstream steps are done. Cache hits are
 * served per item, as executeStep serves them; the misses go through the node's batch function in
 * calls of at most `batchSize` items (default: all of them), up to `limit` calls at once. Each result
 * is then finished per item exactly like a single call's (outputs, a write under the item's own
 * signature, onNodeEnd), so the cache cannot tell which path computed an entry. `invoker` makes the calls.
 */
export async function executeBatchStep(
  step: Step,
  states: readonly ItemState[],
  scope: Scope,
  limit: number,
  failures: ItemFailures,
  invoker: NodeInvoker,
): Promise<void> {
  const misses = await serveHits(step, states, scope, failures);
  const n = misses.states.length;
  const size = step.node.batchSize ?? n;
  const calls: Misses[] = [];
  for (let k = 0; k < n; k += size) {
    calls.push(size >= n ? misses : { states: misses.states.slice(k, k + size), signatures: misses.signatures.slice(k, k + size) });
  }
  let next = 0;
  const worker = async () => {
    while (next < calls.length && !failures.stopped) await callBatch(step, calls[next++]!, scope, failures, invoker);
  };
  await Promise.all(Array.from({ length: Math.min(limit, calls.length) }, worker));
}

/** Serves the cached items; returns the others. */
async function serveHits(step: Step, states: readonly ItemState[], scope: Scope, failures: ItemFailures): Promise<Misses> {
  if (!scope.cache || !step.node.cache) return { states, signatures: [] };
  const signed: ItemState[] = [];
  const signatures: string[] = [];
  for (const state of states) {
    try {
      signatures.push(state.signatureOf(step, scope.envHash));
      signed.push(state);
    } catch (error) {
      failures.fail(state, error); // an input of a deferred step that cannot be hashed
    }
  }
  // Downstream of a `cache: false` node nothing was prefetched: one lookup for the whole chunk.
  const looked = step.deferred ? await scope.cache.getMany(signatures) : undefined;
  const misses = { states: [] as ItemState[], signatures: [] as string[] };
  for (let k = 0; k < signed.length; k++) {
    const state = signed[k]!;
    const signature = signatures[k]!;
    const hits = looked ?? state.prefetched;
    if (!hits?.has(signature)) {
      misses.states.push(state);
      misses.signatures.push(signature);
      continue;
    }
    const pending = settle(state, failures, () => useHit(step, state, scope, signature, hits.get(signature)));
    if (pending) await pending;
  }
  return misses;
}

/**
 * One call of the batch function: a start event per item, the call, then each item finished with its
 * share of the call's duration. A call that throws (or returns the wrong number of outputs) fails each
 * of its items with its own NodeExecutionError, and onError fires per item, as for single calls.
 */
async function callBatch(
  step: Step,
  { states, signatures }: Misses,
  scope: Scope,
  failures: ItemFailures,
  invoker: NodeInvoker,
): Promise<void> {
  if (scope.events.listens("onNodeStart")) {
    for (const state of states) {
      const pending = settle(state, failures, () => announceStart(step, scope, state.argsOf(step)));
      if (pending) await pending;
    }
    // Only a callback can fail a start event, and a callback error stops the map.
    if (failures.stopped) return;
  }
  const clock = scope.events.timed ? performance.now() : 0;
  let outputs: ArrayLike<unknown>;
  try {
    if (scope.signal?.aborted) throwAborted(step, scope.signal);
    const columns = step.argSlots.map((slot) => states.map((state) => state.values[slot]));
    // The call's signal bounds a batch call; a node's timeout is per item, so it does not.
    const called = scope.signal ? callControlled({ call: () => invoker.callBatch(step, columns) }, step, [], scope, false) : invoker.callBatch(step, columns);
    outputs = checkOutputs(await called, states.length);
  } catch (error) {
    for (const state of states) await settle(state, failures, () => fail(step, scope, error));
    return;
  }
  const durationMs = since(scope, clock) / states.length;
  for (let k = 0; k < states.length; k++) {
    const state = states[k]!;
    // settle() spelled out: no closure per item on this hot path.
    let pending: void | Promise<void>;
    try {
      pending = finish(step, state, scope, signatures[k], outputs[k], durationMs);
    } catch (error) {
      failures.fail(state, error);
      continue;
    }
    if (pending) await caught(pending, state, failures);
  }
}

/** A batch function's result: an array or typed array with one output per item. */
function checkOutputs(value: unknown, items: number): ArrayLike<unknown> {
  const isList = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (isList && (value as ArrayLike<unknown>).length === items) return value as ArrayLike<unknown>;
  const got = isList ? `${(value as ArrayLike<unknown>).length} outputs` : value === null ? "null" : typeof value;
  throw new TypeError(`its batch function returned ${got} for ${items} items (it must return one output per item)`);
}

/** Runs one item's part of the step, reporting a failure as that item's; synchronous when the work is. */
function settle(state: ItemState, failures: ItemFailures, work: () => void | Promise<void>): void | Promise<void> {
  let pending: void | Promise<void>;
  try {
    pending = work();
  } catch (error) {
    return failures.fail(state, error);
  }
  return pending && caught(pending, state, failures);
}

/** `pending`, its rejection reported as the item's failure (a function of its own: callers' loops capture nothing). */
function caught(pending: Promise<void>, state: ItemState, failures: ItemFailures): Promise<void> {
  return pending.catch((error) => failures.fail(state, error));
}

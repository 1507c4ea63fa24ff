import type { Scope } from "../core/contracts.js";
import { performance } from "node:perf_hooks";
import { isThenable } from "../observe/callbacks.js";
import type { Cache } from "../cache/cache.js";
import { AbortError, CallbackError, messageOf, NodeExecutionError, UnserializableValueError } from "../core/errors.js";
import { callControlled, throwAborted } from "./cancellation.js";
import type { ItemState, Step } from "../core/execution-plan.js";
import { recordKey, type SignatureRecord } from "../identity/signature.js";
import type { LevelTally } from "../observe/tally.js";
import { warn } from "../core/warnings.js";

/**
 * How a step's node gets called: here, in this thread, by default; WorkerEngine sends the nodes it
 * can ship to worker threads. Everything around the call (cache, events, errors) stays in this thread.
 */
export interface NodeInvoker {
  /** Calls the node on one item's inputs (in rootArgs order); returns its value or a promise of it. */
  call(step: Step, args: unknown[], scope: Scope): unknown;
  /** Calls the node's batch function on one array per input; returns one output per item (or a promise). */
  callBatch(step: Step, columns: unknown[][]): unknown;
  /**
   * True when stateful resource handles reach `call` unresolved, so the invoker creates each resource
   * in the thread that uses it; otherwise they are created here before anything runs.
   */
  readonly keepsResources?: boolean;
}

/** Calls nodes in this thread. */
export const IN_THREAD: NodeInvoker = {
  call: (step, args, scope) => step.node.execute(args, scope),
  callBatch: (step, columns) => step.node.executeBatch!(columns),
};

/**
 * Executes one step of one item — the part every engine shares: cache hit check (against the
 * item's prefetched hits), the node itself, output unpacking, cache write after it succeeds,
 * callbacks, and error wrapping. Returns a promise only when something asynchronous happens (an
 * async node, cache I/O, an async callback), so a cache hit or a synchronous node costs no microtask.
 */
export function executeStep(step: Step, state: ItemState, scope: Scope, invoker = IN_THREAD): void | Promise<void> {
  if (scope.cache && step.node.cache) {
    const signature = state.signatureOf(step, scope.envHash);
    const hits = step.deferred ? undefined : state.prefetched;
    if (!hits) return lookupThenExecute(step, state, scope, signature, invoker);
    if (hits.has(signature)) return useHit(step, state, scope, signature, hits.get(signature));
    return execute(step, state, scope, signature, invoker);
  }
  return execute(step, state, scope, undefined, invoker);
}

/** Serves a step from a cache hit: outputs from the cached value, then onNodeCached. */
export function useHit(step: Step, state: ItemState, scope: Scope, signature: string, value: unknown): void | Promise<void> {
  storeOutputs(step, state, value);
  if (scope.tally) scope.tally.step(step.index, step.node.name).cached++;
  if (scope.events.listens("onNodeCached")) return scope.events.emit("onNodeCached", step.node.name, signature, scope.ctx);
}

/** A step whose hit could not be prefetched (downstream of a `cache: false` node): one lookup of its own. */
async function lookupThenExecute(step: Step, state: ItemState, scope: Scope, signature: string, invoker: NodeInvoker): Promise<void> {
  const hits = await scope.cache!.getMany([signature]);
  if (hits.has(signature)) return useHit(step, state, scope, signature, hits.get(signature));
  return execute(step, state, scope, signature, invoker);
}

/**
 * Looks up the signatures of every cached step of these items that can be known before they run,
 * in one batched query; engines call it before running items when a cache is set.
 */
export async function prefetch(states: readonly ItemState[], scope: Scope): Promise<void> {
  const signatures: string[] = [];
  for (const state of states) signatures.push(...state.knownSignatures(scope.envHash));
  const hits = await scope.cache!.getMany(signatures);
  for (const state of states) state.prefetched = hits;
}

/** Runs `next` after `pending` settles, or at once when nothing is pending (no microtask). */
export function after(pending: void | Promise<void>, next: () => void | Promise<void>): void | Promise<void> {
  return pending ? pending.then(next) : next();
}

/** Start event, the call, then outputs, cache write and end event; each part synchronous when it can be. */
function execute(step: Step, state: ItemState, scope: Scope, signature: string | undefined, invoker: NodeInvoker): void | Promise<void> {
  if (scope.signal?.aborted) throwAborted(step, scope.signal);
  const args = state.argsOf(step);
  const announced = announceStart(step, scope, args);
  // `after` spelled out: no closure allocated per node when nothing was announced (the hot path).
  return announced
    ? announced.then(() => call(step, state, scope, signature, args, invoker))
    : call(step, state, scope, signature, args, invoker);
}

/** The step's start event (a nested pipeline's, or onNodeStart with its inputs), if anyone listens. */
export function announceStart(step: Step, scope: Scope, args: readonly unknown[]): void | Promise<void> {
  const { node } = step;
  const { events, ctx } = scope;
  if (node.kind === "pipeline") return events.emit("onNestedPipelineStart", ctx.pipelineId, node.name, ctx);
  if (events.listens("onNodeStart")) return events.emit("onNodeStart", node.name, record(node.rootArgs, args), ctx);
}

function call(
  step: Step,
  state: ItemState,
  scope: Scope,
  signature: string | undefined,
  args: unknown[],
  invoker: NodeInvoker,
): void | Promise<void> {
  // Durations only matter to callbacks that take them; the clock is skipped otherwise.
  const started = scope.events.timed ? performance.now() : 0;
  let value: unknown;
  try {
    value =
      scope.signal === undefined && scope.timeout === undefined && step.node.timeout === undefined
        ? invoker.call(step, args, scope)
        : callControlled(invoker, step, args, scope);
  } catch (error) {
    return fail(step, scope, error);
  }
  if (!isThenable(value)) return finish(step, state, scope, signature, value, since(scope, started));
  return settle(step, state, scope, signature, value, started);
}

/** After a node returned a promise: its value finishes the step once it resolves; a rejection fails it. */
export function settle(step: Step, state: ItemState, scope: Scope, signature: string | undefined, value: PromiseLike<unknown>, started: number): Promise<void> {
  return Promise.resolve(value).then(
    (resolved) => finish(step, state, scope, signature, resolved, since(scope, started)),
    (error) => fail(step, scope, error),
  );
}

/** Milliseconds since `started` (0 when no callback takes durations: the clock was not read). */
export function since(scope: Scope, started: number): number {
  return scope.events.timed ? performance.now() - started : 0;
}

/**
 * After a step's function returned `value` for this item: its outputs, the cache write under the
 * item's signature (when cached), then the end event with `durationMs`.
 */
export function finish(step: Step, state: ItemState, scope: Scope, signature: string | undefined, value: unknown, durationMs: number) {
  try {
    storeOutputs(step, state, value);
    state.hashOutputsByValue(step);
  } catch (error) {
    return fail(step, scope, error);
  }
  state.executed++;
  const stored = signature !== undefined ? store(scope.cache!, signature, value, step, state, scope) : undefined;
  // `after` spelled out, its closure in a function of its own: none allocated when nothing was stored.
  return stored ? announceAfter(stored, step, state, scope, durationMs) : announceEnd(step, state, scope, durationMs);
}

function announceAfter(stored: Promise<void>, step: Step, state: ItemState, scope: Scope, durationMs: number): Promise<void> {
  return stored.then(() => announceEnd(step, state, scope, durationMs));
}

function announceEnd(step: Step, state: ItemState, scope: Scope, durationMs: number): void | Promise<void> {
  const { node } = step;
  const { events, ctx } = scope;
  if (scope.tally) scope.tally.step(step.index, node.name).done++;
  if (node.kind === "pipeline") return events.emit("onNestedPipelineEnd", ctx.pipelineId, node.name, durationMs, ctx);
  if (!events.listens("onNodeEnd")) return;
  const outputs = record(node.outputNames, step.outSlots.map((slot) => state.values[slot]));
  return events.emit("onNodeEnd", node.name, outputs, durationMs, ctx);
}

/** Rejects with the step's error, after reporting a node failure to onError. */
export function fail(step: Step, scope: Scope, error: unknown): Promise<never> {
  const failure = toNodeError(step, error);
  if (scope.tally && failure instanceof NodeExecutionError) countFailure(scope.tally, step, failure);
  const reported = failure instanceof NodeExecutionError ? scope.events.emit("onError", step.node.name, failure.cause, scope.ctx) : undefined;
  if (reported) return reported.then(() => Promise.reject(failure));
  throw failure;
}

/** A node failure at this level: the node's count and, in a map, its item's. */
function countFailure(tally: LevelTally, step: Step, failure: NodeExecutionError): void {
  const counts = tally.step(step.index, step.node.name);
  counts.failed++;
  counts.error = messageOf(failure.cause).split("\n")[0];
  tally.itemsFailed++;
}

/**
 * Writes a result, and (once per node per call) what its signature was made of, for `explain`.
 * A value the cache cannot store is returned uncached, with one warning per node.
 */
async function store(cache: Cache, signature: string, value: unknown, step: Step, state: ItemState, scope: Scope) {
  try {
    await cache.set(signature, value);
    if (scope.firstTime(`record|${scope.ctx.hierarchyPath.join("/")}|${step.node.name}`)) {
      const key = recordKey(scope.envHash, scope.ctx.hierarchyPath, step.node.name);
      const record: SignatureRecord = {
        codeHash: state.codeHashes[step.index]!,
        argNames: [...step.node.rootArgs],
        argHashes: state.argHashesOf(step),
        codeParts: step.node.codeParts?.(),
      };
      await cache.set(key, record);
    }
  } catch (error) {
    if (!(error instanceof UnserializableValueError)) throw error;
    if (!scope.firstTime(`warn|${step.node.name}`)) return;
    const message = `Node '${step.node.name}': its output cannot be cached (${error.message}); it is returned but will be recomputed next time`;
    // Shown when the node finishes (not on a later tick, which a notebook cell may never reach).
    warn(message, "HYPERNODES_UNCACHED_VALUE");
  }
}

/** Writes a node's result into its output slots, checking a multi-output node returned a tuple. */
export function storeOutputs(step: Step, state: ItemState, value: unknown): void {
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
 * `cause` still the original) with this node added to its path; callback errors and aborts pass through.
 */
function toNodeError(step: Step, error: unknown): unknown {
  if (error instanceof CallbackError || error instanceof AbortError) return error;
  if (step.node.kind === "pipeline" && error instanceof NodeExecutionError) return error.withinNode(step.node.name);
  return new NodeExecutionError(step.node.name, error);
}

function record(names: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) out[names[i]!] = values[i];
  return out;
}

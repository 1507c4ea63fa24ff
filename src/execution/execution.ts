import { performance } from "node:perf_hooks";
import { digest } from "../identity/digest.js";
import type { EngineMapOptions, EngineRunOptions, ExecutionTarget, Scope } from "../core/contracts.js";
import { AbortError, NodeExecutionError } from "../core/errors.js";
import { executeBatchStep, type ItemFailures } from "./batch-execution.js";
import { planOf, type ExecutionPlan, type ItemState, type Step } from "../core/execution-plan.js";
import { MapPlan } from "../core/map-plan.js";
import { markMapItems, type MapItems } from "../notebook/table.js";
import { isThenable } from "../observe/callbacks.js";
import { boundedBySignal, enterNodeCall, throwAborted } from "./cancellation.js";
import { after, executeStep, fail, finish, IN_THREAD, prefetch, settle, type NodeInvoker } from "./node-execution.js";

/** Runs the steps of one item (in order, or as a DAG); returns a promise only if something was async. */
export type StepRunner = (state: ItemState, scope: Scope, invoker: NodeInvoker) => void | Promise<void>;

/** Runs steps [from, to) of one map item; returns a promise only if something was async. */
export type ItemStepRunner = (state: ItemState, scope: Scope, invoker: NodeInvoker, from: number, to: number) => void | Promise<void>;

/** How an engine schedules a map: how many map items may be in flight, and where nodes are called. */
export interface Schedule {
  concurrency: number;
  /** Runs an item's steps (default: in order, each node through the invoker); BullMQEngine sends whole items to its workers. */
  runSteps?: ItemStepRunner;
  /** Calls the nodes (default: in this thread). */
  invoker?: NodeInvoker;
  /** Failed items become their NodeExecutionError in the results instead of rejecting the map. */
  collectErrors?: boolean;
  /** Batch nodes run through their batch function over chunks of items (else item by item). */
  batch: boolean;
}

/** Map items whose cache hits are fetched in one batched query; also a batch node's default chunk. */
const CHUNK = 1000;

/** Steps [from, to) in execution order, staying synchronous until a step returns a promise. */
export function runStepsInOrder(
  state: ItemState,
  scope: Scope,
  invoker: NodeInvoker,
  from = 0,
  to = state.plan.steps.length,
): void | Promise<void> {
  if (invoker === IN_THREAD && !scope.cache && !scope.events.nodeEvents && scope.timeout === undefined) {
    return runBareSteps(state, scope, from, to);
  }
  const steps = state.plan.steps;
  for (let i = from; i < to; i++) {
    const pending = executeStep(steps[i]!, state, scope, invoker);
    if (pending) return pending.then(() => runStepsInOrder(state, scope, invoker, i + 1, to));
  }
}

/**
 * runStepsInOrder for a call with no cache, no time limit and no callback taking a function node's
 * own start or end, where a step is nothing but its node's call (with the call's signal, if any, as
 * currentSignal()): a step with a `direct` function is called right here, without the per-step
 * machinery (in a session's first calls, before the JIT compiles it, that machinery cost more than
 * the nodes). Any other step, and a node that returns a promise, go the general way.
 */
function runBareSteps(state: ItemState, scope: Scope, from: number, to: number): void | Promise<void> {
  const steps = state.plan.steps;
  const values = state.values;
  const { signal, tally } = scope;
  for (let i = from; i < to; i++) {
    const step = steps[i]!;
    const fn = step.direct;
    let value: unknown;
    if (fn === undefined) value = executeStep(step, state, scope, IN_THREAD);
    else {
      if (signal?.aborted) throwAborted(step, signal);
      const slots = step.argSlots;
      const previous = enterNodeCall(signal);
      try {
        value =
          slots.length === 1 ? fn(values[slots[0]!]) : slots.length === 2 ? fn(values[slots[0]!], values[slots[1]!]) : fn(...state.argsOf(step));
      } catch (error) {
        return fail(step, scope, error);
      } finally {
        enterNodeCall(previous);
      }
      // No start time: durations go to onNodeEnd alone, which no callback of such a call takes.
      if (isThenable(value)) value = settle(step, state, scope, undefined, signal ? boundedBySignal(value, signal, step.node.name) : value, 0);
      else if (step.outSlots.length === 1) {
        values[step.outSlots[0]!] = value;
        state.executed++;
        if (tally) tally.step(i, step.node.name).done++;
        continue;
      } else value = finish(step, state, scope, undefined, value, 0);
    }
    if (value) return (value as Promise<void>).then(() => runBareSteps(state, scope, i + 1, to));
  }
}

/**
 * Starts every step whose producers are done, up to `limit` at once. On a failure nothing new starts;
 * the steps in flight finish and the first error rejects.
 */
export async function runStepsAsDag(state: ItemState, scope: Scope, invoker: NodeInvoker, limit: number): Promise<void> {
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
        .then(() => executeStep(step, state, scope, invoker))
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

/** `run` as every engine executes it: checks, events, prefetch, then the engine's step runner. */
export async function executeRun(
  target: ExecutionTarget,
  inputs: Record<string, unknown>,
  options: EngineRunOptions,
  runSteps: StepRunner,
  invoker = IN_THREAD,
): Promise<Record<string, unknown>> {
  const { scope } = options;
  const plan = planOf(target);
  plan.checkInputs(inputs);
  checkCallNotAborted(scope, "run");
  const state = plan.initialState(inputs, scope.cache !== undefined);
  // Awaits only what is pending: an await of nothing still costs a turn of the microtask queue.
  const resolving = invoker.keepsResources ? undefined : state.resolveResources();
  if (resolving) await resolving;
  const { events, ctx } = scope;
  const started = events.active ? performance.now() : 0;
  if (events.active) await events.emit("onPipelineStart", ctx.pipelineId, inputs, ctx);
  if (scope.cache) await prefetch([state], scope);
  try {
    const pending = runSteps(state, scope, invoker);
    if (pending) await pending;
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    const done = `${state.executed} node${state.executed === 1 ? "" : "s"} had run${scope.cache && state.executed ? " (their results are cached)" : ""}`;
    throw new AbortError(`The run was ${error.message}; ${done}`, { cause: scope.signal?.reason });
  }
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
  target: ExecutionTarget,
  inputs: Record<string, unknown>,
  options: EngineMapOptions,
  schedule: Schedule,
): Promise<(Record<string, unknown> | NodeExecutionError)[]> {
  const { scope } = options;
  const plan = planOf(target);
  const items = new MapPlan(inputs, options.mapOver, options.mapMode);
  plan.checkMapOver(items.names);
  plan.checkInputs(inputs);
  checkCallNotAborted(scope, "map");
  const initial = plan.initialState(inputs, scope.cache !== undefined, items.names);
  const resolving = schedule.invoker?.keepsResources ? undefined : initial.resolveResources();
  if (resolving) await resolving;
  const { events, ctx } = scope;
  const started = performance.now();
  if (events.active) {
    await events.emit("onPipelineStart", ctx.pipelineId, inputs, ctx);
    await events.emit("onMapStart", items.length, ctx);
  }
  const batchSteps = schedule.batch ? plan.batchSteps : [];
  // A chunk holds enough items for `concurrency` full calls of each batch node, so that many can run at once.
  const chunkSize = Math.max(CHUNK, ...batchSteps.map((step) => (step.node.batchSize ?? 0) * schedule.concurrency));
  const run = new MapRun(plan, scope, schedule, items.length);
  const mapped = new Array<unknown>(items.names.length);
  for (let first = 0; first < items.length && !run.stopped; first += chunkSize) {
    const chunk: ItemState[] = [];
    for (let i = first; i < Math.min(first + chunkSize, items.length); i++) {
      items.itemValues(i, mapped);
      chunk.push(initial.forItem(i, mapped));
    }
    if (scope.cache) await prefetch(chunk, scope);
    await run.runChunk(chunk, batchSteps);
  }
  await run.settled();
  if (scope.signal?.aborted) {
    const done = `${run.finished.toLocaleString("en")} of ${items.length.toLocaleString("en")} items had finished${scope.cache && run.finished ? " (their results are cached)" : ""}`;
    throw new AbortError(`The map was aborted; ${done}, and no node started after the abort`, { cause: scope.signal.reason });
  }
  if (run.failure) throw run.failure.error;
  if (ctx.depth === 0) markMapItems(run.results, mapItems(items.snapshot(), run.results.slice(), run.cachedItems));
  if (events.active) {
    const durationMs = performance.now() - started;
    await events.emit("onMapEnd", durationMs, ctx);
    await events.emit("onPipelineEnd", ctx.pipelineId, run.results, durationMs, ctx);
  }
  return run.results;
}

/** What a results table shows of a map's items beside their outputs: the values mapped over, and which came from the cache. */
function mapItems(items: MapPlan, results: readonly object[], cached: readonly number[] | undefined): MapItems {
  const valuesOf = (index: number) => {
    const values = new Array<unknown>(items.names.length);
    items.itemValues(index, values);
    return values;
  };
  return cached ? { inputs: items.names, valuesOf, results, cached } : { inputs: items.names, valuesOf, results };
}

/** Rejects a call whose signal was aborted before it started. */
function checkCallNotAborted(scope: Scope, call: "run" | "map"): void {
  if (scope.signal?.aborted) throw new AbortError(`The ${call} was aborted before it started`, { cause: scope.signal.reason });
}

/** One map call in progress: its results, the items in flight, and the failure that stops it. */
class MapRun implements ItemFailures {
  readonly results: (Record<string, unknown> | NodeExecutionError)[];
  failure: { error: unknown; index: number } | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #invoker: NodeInvoker;
  readonly #runSteps: ItemStepRunner;
  readonly #signal: AbortSignal | undefined;
  #lastYield = performance.now();
  /**
   * Items between two looks at the clock, less one (a power of two less one): from every item, up to
   * 63 while items are fast, back down when they are slow, so the map yields about every 25 ms either way.
   */
  #checkMask = 0;
  #lastCheck = this.#lastYield;

  constructor(
    readonly plan: ExecutionPlan,
    readonly scope: Scope,
    readonly schedule: Schedule,
    length: number,
  ) {
    this.results = new Array(length);
    this.#invoker = schedule.invoker ?? IN_THREAD;
    this.#runSteps = schedule.runSteps ?? runStepsInOrder;
    this.#signal = scope.signal;
    this.cachedItems = scope.tally && scope.ctx.depth === 0 ? [] : undefined;
  }

  /** Items whose every step finished. */
  finished = 0;

  /**
   * The indices of the top-level map's items served wholly from the cache, for a notebook's results
   * table; kept only where a callback reads the tally (the notebook's progress does), so that a map
   * elsewhere pays nothing per item for it.
   */
  readonly cachedItems: number[] | undefined;

  /** True once a failure or the call's signal ends the map: no further item starts. */
  get stopped(): boolean {
    return this.failure !== undefined || this.#signal?.aborted === true;
  }

  /**
   * Runs a chunk of items. Without batch steps each item runs whole, and may still be in flight when
   * the next chunk starts. With them the chunk runs in stages: every item's steps up to a batch step,
   * then that step for all of them at once, and so on; items that failed drop out.
   */
  async runChunk(states: readonly ItemState[], batchSteps: readonly Step[]): Promise<void> {
    let live = states;
    let from = 0;
    for (const step of batchSteps) {
      await this.#start(live, from, step.index);
      await this.settled();
      if (this.stopped) return;
      await executeBatchStep(step, this.#alive(live), this.scope, this.schedule.concurrency, this, this.#invoker);
      if (this.stopped) return;
      live = this.#alive(live);
      from = step.index + 1;
    }
    await this.#start(live, from, this.plan.steps.length);
  }

  /** Resolves once no item is in flight. */
  async settled(): Promise<void> {
    await Promise.all(this.#inFlight);
  }

  /** Items in flight in parallel can fail in any order: the map reports the failed item that comes first. */
  fail(state: ItemState, error: unknown): void {
    const i = state.itemIndex!;
    const located = error instanceof NodeExecutionError ? error.withinItem(i) : error;
    if (this.schedule.collectErrors && located instanceof NodeExecutionError) this.results[i] = located;
    else if (!this.failure || i < this.failure.index) this.failure = { error: located, index: i };
  }

  /** Items not failed yet. Only collected errors leave failed items behind (any other failure stops the map). */
  #alive(states: readonly ItemState[]): readonly ItemState[] {
    if (!this.schedule.collectErrors) return states;
    return states.filter((state) => this.results[state.itemIndex!] === undefined);
  }

  /** Starts steps [from, to) of each item in order, up to `concurrency` items in flight; returns once all started. */
  async #start(states: readonly ItemState[], from: number, to: number): Promise<void> {
    const { scope, schedule, plan } = this;
    const last = to === plan.steps.length;
    // An index, not for-of: in an async function the iterator's result objects cost an allocation per item.
    for (let k = 0; k < states.length; k++) {
      const state = states[k]!;
      if (this.stopped) return;
      let pending: void | Promise<void>;
      try {
        pending = runItemSteps(state, scope, this.#runSteps, this.#invoker, from, to);
      } catch (error) {
        this.fail(state, error);
        continue;
      }
      if (!pending) {
        if (last) this.#finish(state);
      } else {
        this.#track(state, pending, last);
        if (this.#inFlight.size >= schedule.concurrency) await Promise.race(this.#inFlight);
      }
      // Let timers and I/O run during a long synchronous map: progress redraws, notebook display updates,
      // and what aborts the call's signal (an interrupt, a timer, a message).
      if ((state.itemIndex! & this.#checkMask) === this.#checkMask && (scope.events.active || this.#signal)) {
        const now = performance.now();
        const sinceCheck = now - this.#lastCheck;
        if (sinceCheck > 5) this.#checkMask >>= 1;
        else if (sinceCheck < 0.5 && this.#checkMask < 63) this.#checkMask = this.#checkMask * 2 + 1;
        this.#lastCheck = now;
        if (now - this.#lastYield > 25) {
          await new Promise(setImmediate);
          this.#lastYield = this.#lastCheck = performance.now();
        }
      }
    }
  }

  /** Keeps an item's pending steps in flight until they settle (apart from #start's loop, which then captures nothing per item). */
  #track(state: ItemState, pending: Promise<void>, last: boolean): void {
    const tracked: Promise<void> = pending
      .then(
        () => void (last && this.#finish(state)),
        (error) => this.fail(state, error),
      )
      .finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  #finish(state: ItemState): void {
    this.results[state.itemIndex!] = this.plan.outputsOf(state);
    this.finished++;
    const tally = this.scope.tally;
    if (tally) {
      tally.itemsDone++;
      if (isCached(state)) {
        tally.itemsCached++;
        this.cachedItems?.push(state.itemIndex!);
      }
    }
  }
}

/**
 * Steps [from, to) of one map item, with the item's start event before its first step and its end
 * event (and onMapItemCached) after its last; synchronous when everything in it is.
 */
function runItemSteps(
  state: ItemState,
  scope: Scope,
  runSteps: ItemStepRunner,
  invoker: NodeInvoker,
  from: number,
  to: number,
): void | Promise<void> {
  // The events in a function of their own: its closures would cost every item an allocation.
  return scope.events.itemEvents ? runItemStepsWithEvents(state, scope, runSteps, invoker, from, to) : runSteps(state, scope, invoker, from, to);
}

function runItemStepsWithEvents(state: ItemState, scope: Scope, runSteps: ItemStepRunner, invoker: NodeInvoker, from: number, to: number) {
  const { events, ctx } = scope;
  if (from === 0) state.startedAt = performance.now();
  const started = from === 0 ? events.emit("onMapItemStart", state.itemIndex!, ctx) : undefined;
  const ran = after(started, () => runSteps(state, scope, invoker, from, to));
  return to < state.plan.steps.length ? ran : after(ran, () => endItem(state, scope));
}

/** An item's last events: onMapItemCached when none of its nodes had to run, then onMapItemEnd. */
function endItem(state: ItemState, scope: Scope): void | Promise<void> {
  const { events, ctx } = scope;
  const i = state.itemIndex!;
  return after(isCached(state) ? events.emit("onMapItemCached", i, itemSignature(state), ctx) : undefined, () =>
    events.emit("onMapItemEnd", i, performance.now() - state.startedAt, ctx),
  );
}

/** An item none of whose nodes had to run: every one came from the cache. */
function isCached(state: ItemState): boolean {
  return state.executed === 0 && state.signatures !== undefined && state.plan.steps.length > 0;
}

/** One signature for a whole map item: the digest of its cached steps' signatures. */
function itemSignature(state: ItemState): string {
  return digest(state.signatures!.filter((s) => s !== undefined).join(","));
}

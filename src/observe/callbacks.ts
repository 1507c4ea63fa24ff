import { CallbackError } from "../core/errors.js";
import { READS_TALLY } from "./tally.js";

/**
 * A callback that keeps state for a call (live progress, DAG status) has a method under this key,
 * called with the top-level context and the error when the call rejects: an aborted call, or one that
 * failed outside a node, gets no end event (nor onError).
 */
export const ON_CALL_REJECTED: unique symbol = Symbol.for("hypernodes.onCallRejected");

/**
 * A callback class with this key set draws something a pipeline needs once (live progress): a default
 * callback of it (setPipelineDefaults) is left out of a pipeline that brings its own of that class.
 */
export const ONE_PER_PIPELINE: unique symbol = Symbol.for("hypernodes.onePerPipeline");

/**
 * State shared by every callback during one `run` or `map` call, nested pipelines included.
 * Each nesting level sees its own view (`depth`, `hierarchyPath`) over the same `get`/`set` store,
 * so levels that run concurrently never see each other's position.
 */
export class CallbackContext {
  readonly depth: number;
  /** Pipeline ids from the top-level pipeline down to the current one. */
  readonly hierarchyPath: readonly string[];
  /** The top-level context, which holds the data (made on first `set`: most calls have no callback that keeps any). */
  readonly #root: CallbackContext;
  #data: Map<string, unknown> | undefined;

  constructor(pipelineId: string, parent?: CallbackContext) {
    this.#root = parent ? parent.#root : this;
    this.hierarchyPath = parent ? [...parent.hierarchyPath, pipelineId] : [pipelineId];
    this.depth = this.hierarchyPath.length - 1;
  }

  /** The id of the pipeline at this level. */
  get pipelineId(): string {
    return this.hierarchyPath[this.hierarchyPath.length - 1]!;
  }

  /** The value `set` under `key` by any callback of this call, else `fallback` (undefined without one). */
  get<T = unknown>(key: string): T | undefined;
  get<T>(key: string, fallback: T): T;
  get(key: string, fallback?: unknown): unknown {
    const data = this.#root.#data;
    return data?.has(key) ? data.get(key) : fallback;
  }

  set(key: string, value: unknown): void {
    (this.#root.#data ??= new Map()).set(key, value);
  }

  has(key: string): boolean {
    return this.#root.#data?.has(key) ?? false;
  }

  /** A view one nesting level down, sharing this context's data. */
  child(pipelineId: string): CallbackContext {
    return new CallbackContext(pipelineId, this);
  }
}

type Awaitable = void | Promise<void>;

/** Lifecycle hooks. Implement the ones you need; each may be async (it is awaited). */
export interface CallbackMethods {
  onPipelineStart(pipelineId: string, inputs: Record<string, unknown>, ctx: CallbackContext): Awaitable;
  onPipelineEnd(pipelineId: string, outputs: unknown, durationMs: number, ctx: CallbackContext): Awaitable;
  onNodeStart(nodeId: string, inputs: Record<string, unknown>, ctx: CallbackContext): Awaitable;
  onNodeEnd(nodeId: string, outputs: Record<string, unknown>, durationMs: number, ctx: CallbackContext): Awaitable;
  onNodeCached(nodeId: string, signature: string, ctx: CallbackContext): Awaitable;
  onError(nodeId: string, error: unknown, ctx: CallbackContext): Awaitable;
  onNestedPipelineStart(parentId: string, childId: string, ctx: CallbackContext): Awaitable;
  onNestedPipelineEnd(parentId: string, childId: string, durationMs: number, ctx: CallbackContext): Awaitable;
  onMapStart(totalItems: number, ctx: CallbackContext): Awaitable;
  onMapItemStart(index: number, ctx: CallbackContext): Awaitable;
  onMapItemEnd(index: number, durationMs: number, ctx: CallbackContext): Awaitable;
  onMapItemCached(index: number, signature: string, ctx: CallbackContext): Awaitable;
  onMapEnd(durationMs: number, ctx: CallbackContext): Awaitable;
}

export type CallbackEvent = keyof CallbackMethods;

/**
 * Base class of callbacks. A callback that throws (or rejects) aborts the run with a CallbackError
 * naming the callback and the event; results already written to the cache stay valid, because a
 * node's result is stored before its end event fires.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class PipelineCallback {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface PipelineCallback {
  onPipelineStart?(pipelineId: string, inputs: Record<string, unknown>, ctx: CallbackContext): Awaitable;
  onPipelineEnd?(pipelineId: string, outputs: unknown, durationMs: number, ctx: CallbackContext): Awaitable;
  onNodeStart?(nodeId: string, inputs: Record<string, unknown>, ctx: CallbackContext): Awaitable;
  onNodeEnd?(nodeId: string, outputs: Record<string, unknown>, durationMs: number, ctx: CallbackContext): Awaitable;
  onNodeCached?(nodeId: string, signature: string, ctx: CallbackContext): Awaitable;
  onError?(nodeId: string, error: unknown, ctx: CallbackContext): Awaitable;
  onNestedPipelineStart?(parentId: string, childId: string, ctx: CallbackContext): Awaitable;
  onNestedPipelineEnd?(parentId: string, childId: string, durationMs: number, ctx: CallbackContext): Awaitable;
  onMapStart?(totalItems: number, ctx: CallbackContext): Awaitable;
  onMapItemStart?(index: number, ctx: CallbackContext): Awaitable;
  onMapItemEnd?(index: number, durationMs: number, ctx: CallbackContext): Awaitable;
  onMapItemCached?(index: number, signature: string, ctx: CallbackContext): Awaitable;
  onMapEnd?(durationMs: number, ctx: CallbackContext): Awaitable;
}

export const EVENTS: readonly CallbackEvent[] = [
  "onPipelineStart",
  "onPipelineEnd",
  "onNodeStart",
  "onNodeEnd",
  "onNodeCached",
  "onError",
  "onNestedPipelineStart",
  "onNestedPipelineEnd",
  "onMapStart",
  "onMapItemStart",
  "onMapItemEnd",
  "onMapItemCached",
  "onMapEnd",
];

/**
 * Delivers events to the callbacks that implement them, in registration order, awaiting async ones.
 * Only callbacks that define a method are called for it, so unused events cost one array check.
 */
export class CallbackDispatcher {
  readonly callbacks: readonly PipelineCallback[];
  readonly #listeners: Record<CallbackEvent, PipelineCallback[]>;
  /** Whether any callback listens to anything (lets hot paths skip event work entirely). */
  readonly active: boolean;
  /** Whether any callback listens to map item events (else items run without their event wrapper). */
  readonly itemEvents: boolean;
  /** Whether any callback takes node durations (else nodes run without reading the clock). */
  readonly timed: boolean;
  /** Whether any callback listens to a function node's own start or end (else such nodes can be called directly). */
  readonly nodeEvents: boolean;
  /** Whether any callback reads the call's Tally (so the engine counts into it). */
  readonly readsTally: boolean;

  constructor(callbacks: readonly PipelineCallback[]) {
    this.callbacks = callbacks;
    this.#listeners = {} as Record<CallbackEvent, PipelineCallback[]>;
    for (const event of EVENTS) {
      this.#listeners[event] = callbacks.filter((cb) => typeof cb[event] === "function");
    }
    this.active = callbacks.length > 0;
    this.itemEvents = this.listens("onMapItemStart") || this.listens("onMapItemEnd") || this.listens("onMapItemCached");
    this.timed = this.listens("onNodeEnd") || this.listens("onNestedPipelineEnd");
    this.nodeEvents = this.listens("onNodeStart") || this.listens("onNodeEnd");
    this.readsTally = callbacks.some((cb) => (cb as { [READS_TALLY]?: boolean })[READS_TALLY] === true);
  }

  /** Calls ON_CALL_REJECTED of every callback that has it (see there); the call's own error is what the caller gets, whatever they throw. */
  callRejected(ctx: CallbackContext, error: unknown): void {
    for (const cb of this.callbacks) {
      try {
        (cb as { [ON_CALL_REJECTED]?: (ctx: CallbackContext, error: unknown) => void })[ON_CALL_REJECTED]?.(ctx, error);
      } catch {
        // Nothing to add to the call's error: the callback's own state is all it could not settle.
      }
    }
  }

  listens(event: CallbackEvent): boolean {
    return this.#listeners[event].length > 0;
  }

  /** Calls every listener of `event`; returns a promise only when a listener returned one. */
  emit<E extends CallbackEvent>(event: E, ...args: Parameters<CallbackMethods[E]>): void | Promise<void> {
    const listeners = this.#listeners[event];
    for (let i = 0; i < listeners.length; i++) {
      const cb = listeners[i]!;
      let result: unknown;
      try {
        result = (cb[event] as (...a: unknown[]) => unknown).apply(cb, args);
      } catch (error) {
        throw new CallbackError(callbackName(cb, this.callbacks), event, error);
      }
      if (isThenable(result)) return this.#finishAsync(result, listeners, i, event, args);
    }
  }

  async #finishAsync(
    pending: PromiseLike<unknown>,
    listeners: PipelineCallback[],
    index: number,
    event: CallbackEvent,
    args: unknown[],
  ): Promise<void> {
    for (let i = index; i < listeners.length; i++) {
      const cb = listeners[i]!;
      try {
        await (i === index ? pending : (cb[event] as (...a: unknown[]) => unknown).apply(cb, args));
      } catch (error) {
        throw new CallbackError(callbackName(cb, this.callbacks), event, error);
      }
    }
  }
}

/** A class instance by its class; a plain object by its position in the callbacks list. */
function callbackName(cb: PipelineCallback, all: readonly PipelineCallback[]): string {
  const name = cb.constructor?.name;
  return name && name !== "Object" ? name : `callbacks[${all.indexOf(cb)}]`;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

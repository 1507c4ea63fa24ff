// Cancellation and time limits of node calls: the call's AbortSignal and each node's timeout. The
// hot path pays nothing for them: without a signal or a timeout a node is called as before.
import type { Scope } from "../core/contracts.js";
import { AbortError, TimeoutError } from "../core/errors.js";
import type { Step } from "../core/execution-plan.js";

/** The signal of the node call running now (during its synchronous part), else undefined. */
let running: AbortSignal | undefined;
const NEVER_ABORTED = new AbortController().signal;

/**
 * The signal of the running node call, to cancel its own work (`fetch(url, { signal: currentSignal() })`):
 * aborted when the call's `run`/`map` is aborted or the node's timeout passes. Read it in the node's
 * synchronous part (before its first `await`), where HyperNodes knows which call is running; outside a
 * node, or in a call with neither a signal nor a timeout, it is a signal that never aborts.
 */
export function currentSignal(): AbortSignal {
  return running ?? NEVER_ABORTED;
}

/** A step's time limit in this call: its node's own, else the call's default (a node's, not a nested pipeline's as a whole). */
export function timeoutOf(step: Step, scope: Scope): number | undefined {
  return step.node.kind === "pipeline" ? undefined : (step.node.timeout ?? scope.timeout);
}

/** Throws the AbortError of a step that may not start: the call's signal is aborted. */
export function throwAborted(step: Step, signal: AbortSignal): never {
  throw new AbortError(`aborted before node '${step.node.name}' started`, { cause: signal.reason });
}

/** Makes `signal` what currentSignal() returns, for the node call about to start; returns the one to restore after it. */
export function enterNodeCall(signal: AbortSignal | undefined): AbortSignal | undefined {
  const previous = running;
  running = signal;
  return previous;
}

/** An async node's result under the call's signal alone (no time limit): rejected as soon as it aborts. */
export function boundedBySignal(value: PromiseLike<unknown>, signal: AbortSignal, nodeName: string): Promise<unknown> {
  return bounded(value, signal, signal, undefined, undefined, nodeName);
}

/** What calls a node: node-execution's NodeInvoker, as far as this module needs it. */
interface Caller {
  call(step: Step, args: unknown[], scope: Scope): unknown;
}

/**
 * Calls the step's node through `invoker` with `currentSignal()` set, and bounds what it returns: a
 * promise rejects with an AbortError as soon as the call's signal aborts, and with a TimeoutError once
 * the node's time limit passes (its work is not stopped — JavaScript cannot stop a promise from
 * outside — but nothing waits on it any more, and its signal tells it to stop). A synchronous node
 * cannot be stopped while it runs. `timed`: false for a batch call, which a per-item limit does not
 * bound. No closure per call: in a notebook every node call comes here.
 */
export function callControlled(invoker: Caller, step: Step, args: unknown[], scope: Scope, timed = true): unknown {
  const { signal } = scope;
  const timeoutMs = timed ? timeoutOf(step, scope) : undefined;
  if (!signal && timeoutMs === undefined) return invoker.call(step, args, scope); // a nested pipeline under a call's default timeout
  const limit = timeoutMs === undefined ? undefined : new AbortController();
  const nodeSignal = (signal && limit ? AbortSignal.any([signal, limit.signal]) : (signal ?? limit?.signal))!;
  const previous = enterNodeCall(nodeSignal);
  let value: unknown;
  try {
    value = invoker.call(step, args, scope);
  } finally {
    enterNodeCall(previous);
  }
  if (typeof (value as PromiseLike<unknown> | null)?.then !== "function") return value;
  return bounded(value as PromiseLike<unknown>, signal, nodeSignal, limit, timeoutMs, step.node.name);
}

/** An async node's result, rejected early by an abort or its time limit. */
function bounded(
  value: PromiseLike<unknown>,
  signal: AbortSignal | undefined,
  nodeSignal: AbortSignal,
  limit: AbortController | undefined,
  timeoutMs: number | undefined,
  nodeName: string,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = limit && setTimeout(() => limit.abort(new TimeoutError(timeoutMs!)), timeoutMs);
    const stop = () => {
      reject(signal?.aborted ? new AbortError(`aborted while node '${nodeName}' ran`, { cause: signal.reason }) : nodeSignal.reason);
    };
    if (nodeSignal.aborted) stop();
    else nodeSignal.addEventListener("abort", stop, { once: true });
    Promise.resolve(value)
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(timer);
        nodeSignal.removeEventListener("abort", stop);
      });
  });
}

// What runs inside WorkerEngine's worker threads (Piscina calls the default export once per task).
// Workers only compute: cache, callbacks and errors' wrapping stay in the main thread.
import { AsyncLocalStorage } from "node:async_hooks";
import { isLoaded, loadShipped, type Shipment } from "./function-shipping.js";
import { callBatchWithInputs, callWithInputs } from "../../core/node.js";
import type { ParameterStyle } from "../../core/parameters.js";
import { checkRoundTrip } from "../../cache/serialization.js";
import { sharedResource } from "../../core/stateful.js";
import { packError, standInIdentity, type PackedError } from "../wire-format.js";

/** A function as a task refers to it: the id, and the shipment when the worker may not have it yet. */
export interface FunctionRef {
  id: string;
  code?: Shipment;
}

export interface WorkerTask {
  /** The node's name, for what its code throws after the task replied. */
  node: string;
  fn: FunctionRef;
  style: ParameterStyle;
  /** The node's input names (an object-style function receives them as keys). */
  names: readonly string[];
  /** `args` are one array per input for the node's batch function. */
  batch: boolean;
  args: unknown[];
  /** The factory of each stateful resource among the inputs (as stand-ins: see wire-format.ts), by the resource's id. */
  factories: Record<string, FunctionRef>;
}

/**
 * The call's output, or what it threw (rebuilt in the main thread by unpackError). `missing`: the worker
 * has not loaded a function the task names without its shipment; send it again with them.
 */
export type WorkerReply = ({ value: unknown } | { error: PackedError } | { missing: true }) & {
  /** What tasks this thread ran earlier threw or left rejected, unawaited, after they had replied (their node named). */
  strays?: string[];
};

/**
 * A task's own failures nobody awaited (a promise it left rejected, a throw in its timer): they end it
 * as if its function had thrown, rather than kill the thread and fail whichever task runs there next.
 */
interface TaskState {
  node: string;
  replied: boolean;
  fail(error: unknown): void;
}

const tasks = new AsyncLocalStorage<TaskState>();
const strays: string[] = [];

function onStray(error: unknown): void {
  const task = tasks.getStore();
  if (task && !task.replied) task.fail(error);
  else strays.push(`${task ? `node '${task.node}': ` : ""}${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
}
process.on("unhandledRejection", onStray);
process.on("uncaughtException", onStray);

export default function runTask(task: WorkerTask): Promise<WorkerReply> {
  let failure: WorkerReply | undefined;
  let fail!: (error: unknown) => void;
  const failed = new Promise<WorkerReply>((resolve) => (fail = (error) => resolve((failure ??= { error: packError(error) }))));
  const state: TaskState = { node: task.node, replied: false, fail };
  return tasks.run(state, async () => {
    const reply = await Promise.race([compute(task), failed]);
    // A promise the function left rejected is reported once this turn's microtasks ran: wait for it.
    if (!failure) await Promise.race([new Promise(setImmediate), failed]);
    state.replied = true;
    const own = failure ?? reply;
    return strays.length ? { ...own, strays: strays.splice(0) } : own;
  });
}

async function compute(task: WorkerTask): Promise<WorkerReply> {
  if ([task.fn, ...Object.values(task.factories)].some((ref) => !ref.code && !isLoaded(ref.id))) return { missing: true };
  try {
    const fn = await loadShipped(task.fn);
    const resolve = (value: unknown) => liveResource(value, task.factories);
    const args = await Promise.all(task.args.map((arg) => (task.batch ? Promise.all((arg as unknown[]).map(resolve)) : resolve(arg))));
    const value = await (task.batch
      ? callBatchWithInputs(fn, task.style, task.names, args as unknown[][])
      : callWithInputs(fn, task.style, task.names, args));
    try {
      checkRoundTrip(value, "the output");
    } catch (error) {
      throw new Error(`its output cannot be sent back from the worker thread: ${(error as Error).message}`);
    }
    return { value };
  } catch (error) {
    return { error: packError(error) };
  }
}

/** A resource's stand-in becomes the resource, created on first use in this worker and reused (by identity). */
function liveResource(value: unknown, factories: Record<string, FunctionRef>): unknown {
  const resource = standInIdentity(value);
  if (!resource) return value;
  return sharedResource(resource.id, resource.key, async () => (await loadShipped(factories[resource.id]!))());
}

// What runs inside WorkerEngine's worker threads (Piscina calls the default export once per task).
// Workers only compute: cache, callbacks and errors' wrapping stay in the main thread.
import { isLoaded, loadShipped, type Shipment } from "./function-shipping.js";
import { callBatchWithInputs, callWithInputs } from "./node.js";
import type { ParameterStyle } from "./parameters.js";
import { checkRoundTrip } from "./serialization.js";
import { sharedResource } from "./stateful.js";

/** The property of the stand-in object that a stateful resource input crosses to a worker as. */
export const RESOURCE_KEY = "hypernodes:stateful";

/** A function as a task refers to it: the id, and the shipment when the worker may not have it yet. */
export interface FunctionRef {
  id: string;
  code?: Shipment;
}

export interface WorkerTask {
  fn: FunctionRef;
  style: ParameterStyle;
  /** The node's input names (an object-style function receives them as keys). */
  names: readonly string[];
  /** `args` are one array per input for the node's batch function. */
  batch: boolean;
  args: unknown[];
  /** The factory of each stateful resource among the inputs, by key. */
  factories: Record<string, FunctionRef>;
}

/** An Error as it crosses back: rebuilt in the main thread with the same name, message, stack and fields. */
export interface SentError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

/** `missing`: the worker has not loaded a function the task names without its shipment; send it again with them. */
export type WorkerReply = { value: unknown } | { error: SentError } | { thrown: unknown } | { missing: true };

export default async function runTask(task: WorkerTask): Promise<WorkerReply> {
  if ([task.fn, ...Object.values(task.factories)].some((ref) => !ref.code && !isLoaded(ref.id))) return { missing: true };
  try {
    const fn = await loadShipped(task.fn);
    const resolve = (value: unknown) => resolveResource(value, task.factories);
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
    return sendable(error);
  }
}

/** A resource stand-in becomes the resource, created on first use in this worker and reused (by key). */
function resolveResource(value: unknown, factories: Record<string, FunctionRef>): unknown {
  const key = (value as Record<string, unknown> | null)?.[RESOURCE_KEY];
  if (typeof key !== "string") return value;
  return sharedResource(key, key, async () => (await loadShipped(factories[key]!))());
}

function sendable(error: unknown): WorkerReply {
  if (!(error instanceof Error)) {
    try {
      checkRoundTrip(error);
      return { thrown: error };
    } catch {
      return { thrown: String(error) };
    }
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol")) fields[key] = value;
  }
  return { error: { name: error.name, message: error.message, stack: error.stack, fields } };
}

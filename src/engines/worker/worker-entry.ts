// What runs inside WorkerEngine's worker threads (Piscina calls the default export once per task).
// Workers only compute: cache, callbacks and errors' wrapping stay in the main thread.
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
export type WorkerReply = { value: unknown } | { error: PackedError } | { missing: true };

export default async function runTask(task: WorkerTask): Promise<WorkerReply> {
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

// What WorkerEngine (to its worker threads) and BullMQEngine (to hypernodes-worker processes) send
// besides plain values, in one format for both: what a node threw, with the node and item it failed
// at when that is known, and stateful resources as stand-ins. Values themselves cross as they always
// did — by structured clone checked with checkRoundTrip, or as serialization.ts's bytes — and so does
// everything here: it is plain data that survives both.
import { NodeExecutionError } from "../core/errors.js";
import { checkRoundTrip } from "../cache/serialization.js";
import type { Stateful } from "../core/stateful.js";

/**
 * What a node threw, as it crosses. An Error travels as its class name, message, stack and the own
 * enumerable fields whose values cross faithfully (`code`, `status`, plain data; a function or a class
 * instance is left behind); any other thrown value as itself when it crosses faithfully, else as its
 * String(). Rebuilt by `unpackError`.
 */
export type PackedError = { name: string; message: string; stack?: string; fields: Record<string, unknown> } | { thrown: unknown };

/** A NodeExecutionError as it crosses: what the node threw, the nested pipeline nodes down to it, and its item path. */
export interface PackedNodeFailure {
  error: PackedError;
  /** The nested pipeline nodes from the sender's pipeline down to the node that threw. */
  path: string[];
  /** The item index at every map level below the ones the receiver numbers itself (see packNodeFailure). */
  itemPath: number[];
}

export function packError(thrown: unknown): PackedError {
  if (!(thrown instanceof Error)) return { thrown: crosses(thrown) ? thrown : String(thrown) };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(thrown)) if (crosses(value)) fields[key] = value;
  return { name: thrown.name, message: thrown.message, stack: thrown.stack, fields };
}

/** The thrown value again: an Error of the same name, message, stack and fields (an Error instance, whatever its class was). */
export function unpackError(packed: PackedError): unknown {
  if ("thrown" in packed) return packed.thrown;
  const error = new Error(packed.message);
  error.name = packed.name;
  if (packed.stack !== undefined) error.stack = packed.stack;
  return Object.assign(error, packed.fields);
}

/**
 * `ownLevels`: outer map levels left out of the item path, as the receiver puts its own index there
 * (a BullMQ job's item index is its place in the job; the caller's map knows the item's place in the map).
 */
export function packNodeFailure(failure: NodeExecutionError, ownLevels = 0): PackedNodeFailure {
  return { error: packError(failure.cause), path: [...failure.path], itemPath: failure.itemPath.slice(ownLevels) };
}

/** The NodeExecutionError again: same node path, item path and message, its `cause` rebuilt by unpackError. */
export function unpackNodeFailure(packed: PackedNodeFailure): NodeExecutionError {
  const error = new NodeExecutionError(packed.path.at(-1)!, unpackError(packed.error));
  for (const name of packed.path.slice(0, -1).reverse()) error.withinNode(name);
  for (const index of [...packed.itemPath].reverse()) error.withinItem(index);
  return error;
}

/** Whether a value comes back as it left, by structured clone and so by serialization.ts's portable bytes too. */
function crosses(value: unknown): boolean {
  try {
    checkRoundTrip(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * A stateful resource as it crosses: its identity (`Stateful.id`: the key and the factory's code hash)
 * and its key. The other side never receives the resource itself: a worker thread creates its own from
 * the factory shipped with the task, a hypernodes-worker takes the handle its module binds with the same
 * identity.
 */
export interface StatefulStandIn {
  "hypernodes:stateful": { id: string; key: string };
}

export function standInFor(resource: Stateful): StatefulStandIn {
  return { "hypernodes:stateful": { id: resource.id, key: resource.key } };
}

/** The identity and key a stand-in carries; undefined for any other value. */
export function standInIdentity(value: unknown): { id: string; key: string } | undefined {
  const identity = (value as Partial<StatefulStandIn> | null | undefined)?.["hypernodes:stateful"];
  return typeof identity?.id === "string" ? identity : undefined;
}

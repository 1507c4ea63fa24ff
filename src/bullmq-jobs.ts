// What BullMQEngine and its workers send each other through Redis. Values travel as base64 of
// Node's structured serialization (the cache's encoding), so Maps, Dates and typed arrays survive
// and a value that would not come back as it went (a class instance, a function) is refused by name.
import type { CallbackEvent } from "./callbacks.js";
import { HyperNodesError, NodeExecutionError, messageOf } from "./errors.js";
import type { PipelinePath } from "./pipeline-module.js";
import { encode, fromBytes, toBytes } from "./serialization.js";
import type { NodeCounts } from "./tally.js";
import type { RedisOptions } from "bullmq";

/** One job: some map items of the pipeline at `path`, and what the worker must check and run them with. */
export interface JobData {
  path: PipelinePath;
  outputName?: readonly string[];
  /** [node name, codeHash] of every step of the caller's plan: a worker with other code refuses the job. */
  code: [string, string][];
  envHash: string;
  hierarchyPath: readonly string[];
  mapOver: readonly string[];
  /** Encoded Record of the inputs every item shares (stateful resources as their keys: see StatefulKey). */
  fixed: string;
  /** Encoded unknown[][]: per item, its mapped values in `mapOver` order. */
  items: string;
  /** The events the caller's callbacks listen to: the worker records them for the caller to replay. */
  events: CallbackEvent[];
}

/** A stateful resource input, sent as its identity (key and factory hash): the worker creates its own from the pipeline bound in its module. */
export interface StatefulKey {
  hypernodesStateful: string;
}

/** A node failure, as plain data. */
export interface RemoteFailure {
  path: string[];
  /** Item indices of nested maps below the job's own item. */
  itemPath: number[];
  name: string;
  message: string;
  stack?: string;
}

/** An event a worker's callbacks saw: its name, the nesting path below the job's level, its arguments but the context. */
export type RecordedEvent = [event: CallbackEvent, path: string[], args: unknown[]];

/**
 * A finished job (encoded): per item its outputs or its failure, the worker's node counts, and the
 * recorded events (none when their values could not be sent).
 */
export interface JobResult {
  items: ({ outputs: Record<string, unknown> } | { failure: RemoteFailure })[];
  nodes: [string, NodeCounts][];
  events: RecordedEvent[];
}

export function pack(value: unknown, what: string): string {
  try {
    return toBytes(encode(value)).toString("base64");
  } catch (error) {
    throw new HyperNodesError(`${what} cannot be sent through Redis: ${messageOf(error)}`, { cause: error });
  }
}

export function unpack<T>(text: string): T {
  return fromBytes(Buffer.from(text, "base64")).value as T;
}

export function toRemoteFailure(error: NodeExecutionError): RemoteFailure {
  const cause = error.cause instanceof Error ? error.cause : new Error(String(error.cause));
  return { path: error.path, itemPath: error.itemPath.slice(1), name: cause.name, message: cause.message, stack: cause.stack };
}

/** The NodeExecutionError a worker reported, rebuilt in the caller: same node path, message and nested item path. */
export function fromRemoteFailure(failure: RemoteFailure): NodeExecutionError {
  const cause = new Error(failure.message);
  cause.name = failure.name;
  if (failure.stack) cause.stack = failure.stack;
  const error = new NodeExecutionError(failure.path.at(-1)!, cause);
  for (const name of failure.path.slice(0, -1).reverse()) error.withinNode(name);
  for (const index of [...failure.itemPath].reverse()) error.withinItem(index);
  return error;
}

/** Redis to connect to: a `redis://` URL, or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** The queue both sides use unless told otherwise. */
export const DEFAULT_QUEUE = "hypernodes";

export function connectionOptions(connection: RedisConnection): RedisOptions {
  return typeof connection === "string" ? { url: connection } : connection;
}

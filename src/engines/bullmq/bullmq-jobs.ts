// What BullMQEngine and its workers send each other through Redis. Values travel as base64 of
// Node's structured serialization (the cache's encoding), so Maps, Dates and typed arrays survive
// and a value that would not come back as it went (a class instance, a function) is refused by name.
// Node failures and stateful resources travel as WorkerEngine's do (wire-format.ts).
import type { CallbackEvent } from "../../observe/callbacks.js";
import { HyperNodesError, messageOf } from "../../core/errors.js";
import type { PipelinePath } from "../pipeline-module.js";
import { encode, fromBytes, toBytes } from "../../cache/serialization.js";
import type { NodeCounts } from "../../observe/tally.js";
import type { PackedNodeFailure } from "../wire-format.js";
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
  /** Encoded Record of the inputs every item shares (stateful resources as stand-ins: see wire-format.ts). */
  fixed: string;
  /** Encoded unknown[][]: per item, its mapped values in `mapOver` order. */
  items: string;
  /** The events the caller's callbacks listen to: the worker records them for the caller to replay. */
  events: CallbackEvent[];
  /** The call's default time limit per node, ms (`run`/`map` option `timeout`). */
  timeout?: number;
}

/**
 * The event (on the queue's event stream) by which a caller whose map was aborted tells the workers to
 * drop its jobs they are running: `{ map }`, the id every job of that map starts with (`<map>-<n>`).
 */
export const CANCEL_EVENT = "hypernodes:cancel";

/** An event a worker's callbacks saw: its name, the nesting path below the job's level, its arguments but the context. */
export type RecordedEvent = [event: CallbackEvent, path: string[], args: unknown[]];

/**
 * A finished job (encoded): per item its outputs or its failure, the worker's node counts, and the
 * recorded events (none when their values could not be sent).
 */
export interface JobResult {
  /** A failure's item path starts below the job's own item: the caller's map adds the item's index in the map. */
  items: ({ outputs: Record<string, unknown> } | { failure: PackedNodeFailure })[];
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

/** Redis to connect to: a `redis://` URL, or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** The queue both sides use unless told otherwise. */
export const DEFAULT_QUEUE = "hypernodes";

export function connectionOptions(connection: RedisConnection): RedisOptions {
  return typeof connection === "string" ? { url: connection } : connection;
}

/** Where a connection goes, as messages may show it: a URL with its password replaced by "***". */
export function describeRedis(connection: RedisConnection): string {
  const { url, host = "localhost", port = 6379 } = connectionOptions(connection) as RedisOptions & { url?: string };
  if (!url) return `redis://${host}:${port}`;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href;
  } catch {
    return "a Redis URL that cannot be parsed";
  }
}

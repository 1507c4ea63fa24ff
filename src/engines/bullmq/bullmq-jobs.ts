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
import { FORGED, SECRET_ENV, type Signer } from "../../security/signing.js";
import { redact, rememberSecret } from "../../security/redaction.js";

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

/** A job as queued: with a secret, the hex HMAC of its data's JSON, bound to its queue and id (see signJob). */
export type SignedJobData = JobData & { mac?: string };

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

/** What a job's MAC is bound to: a job copied to another id or queue does not verify. */
function jobKey(queue: string, jobId: string): string {
  return JSON.stringify([queue, jobId]);
}

/** The job's data as queued: with a signer, its MAC over the data's JSON (what Redis stores) added. */
export function signJob(signer: Signer | undefined, queue: string, jobId: string, data: JobData): SignedJobData {
  return signer ? { ...data, mac: signer.mac("job", jobKey(queue, jobId), JSON.stringify(data)).toString("hex") } : data;
}

/**
 * The job's data once its MAC verifies with the worker's secret (its JSON again is what the caller
 * signed: JSON round-trips it exactly); throws, naming why, for a job this worker must not run.
 */
export function checkJob(signer: Signer | undefined, queue: string, jobId: string, queued: SignedJobData): JobData {
  const { mac, ...data } = queued;
  if (!signer) {
    if (mac !== undefined) throw new HyperNodesError(`the job is signed and this worker has no secret: start it with ${SECRET_ENV} or --secret-file, as the caller`);
    return data;
  }
  if (typeof mac !== "string") {
    throw new HyperNodesError(`the job is not signed and this worker has a secret: its caller has no ${SECRET_ENV}, or it was not queued by BullMQEngine`);
  }
  if (!signer.verifies("job", jobKey(queue, jobId), JSON.stringify(data), Buffer.from(mac, "hex"))) {
    throw new HyperNodesError("the job's signature does not verify with this worker's secret: it was forged or altered in Redis, or queued by a caller with another secret");
  }
  return data;
}

/** A job's result as the worker sends it: packed, and sealed when it has a secret. */
export function packResult(signer: Signer | undefined, queue: string, jobId: string, result: JobResult): string {
  const text = pack(result, "A map item's outputs");
  return signer ? signer.seal("job result", jobKey(queue, jobId), Buffer.from(text, "base64")).toString("base64") : text;
}

/** The result a worker sent; throws, before reading it, when it does not verify with the caller's secret. */
export function unpackResult(signer: Signer | undefined, queue: string, jobId: string, text: string): JobResult {
  if (!signer) return unpack<JobResult>(text);
  const bytes = typeof text === "string" ? signer.open("job result", jobKey(queue, jobId), Buffer.from(text, "base64")) : FORGED;
  if (bytes === FORGED) {
    throw new HyperNodesError(`the result of job ${jobId} does not verify with this engine's secret: it was forged or altered in Redis, or sent by a worker with another secret`);
  }
  return fromBytes(bytes).value as JobResult;
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
    return redact(new URL(url).href);
  } catch {
    return "a Redis URL that cannot be parsed";
  }
}

/** Keeps the connection's password out of all this process redacts: a driver's error may quote it bare. */
export function rememberPassword(connection: RedisConnection): void {
  const { url, password } = connectionOptions(connection) as RedisOptions & { url?: string };
  rememberSecret(password);
  if (!url) return;
  try {
    const parsed = new URL(url);
    for (const text of [parsed.password, parsed.searchParams.get("password") ?? ""]) {
      rememberSecret(text);
      rememberSecret(decodeURIComponent(text));
    }
  } catch {
    // Not a URL: it cannot connect either, and its text is redacted as a URL would be.
  }
}

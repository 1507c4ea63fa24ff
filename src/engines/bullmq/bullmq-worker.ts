// The worker side of BullMQEngine (`npx hypernodes-worker`, see worker-cli.ts, starts one): imports the
// module once, then runs the map items of the jobs it takes, on its own SequentialEngine.
import { hostname } from "node:os";
import type { Job, QueueEventsListener, Worker } from "bullmq";
import { CallbackContext, CallbackDispatcher, type CallbackEvent, type PipelineCallback } from "../../observe/callbacks.js";
import { ExecutionScope } from "../../execution/execution-scope.js";
import { HyperNodesError, NodeExecutionError, UnserializableValueError, messageOf } from "../../core/errors.js";
import { executeMap } from "../../execution/execution.js";
import type { ExecutionPlan } from "../../core/execution-plan.js";
import type { Pipeline } from "../../core/pipeline.js";
import { importModule, moduleUrl, pipelineAt } from "../pipeline-module.js";
import { SequentialEngine } from "../sequential-engine.js";
import { Stateful } from "../../core/stateful.js";
import { READS_TALLY, Tally } from "../../observe/tally.js";
import { packNodeFailure, standInIdentity, type PackedNodeFailure } from "../wire-format.js";
import {
  CANCEL_EVENT,
  DEFAULT_QUEUE,
  checkJob,
  connectionOptions,
  describeRedis,
  packResult,
  rememberPassword,
  unpack,
  type JobData,
  type JobResult,
  type RecordedEvent,
  type RedisConnection,
  type SignedJobData,
} from "./bullmq-jobs.js";
import { SECRET_ENV, signerFor } from "../../security/signing.js";
import { redact, redactDeep } from "../../security/redaction.js";
import { warn } from "../../core/warnings.js";

export interface PipelineWorkerOptions {
  /** The module exporting the pipeline(s): a path (relative to the working directory) or a URL. */
  module: string;
  connection: RedisConnection;
  queue?: string;
  /** Jobs run at once by this worker (useful for async, I/O-bound nodes). Default 1. */
  concurrency?: number;
  /**
   * Milliseconds a job's lock lasts without renewal (default 30000): a killed worker's job goes to
   * another worker once its lock expired. A synchronous node must not block the event loop that long.
   */
  lockDuration?: number;
  /**
   * The secret shared with the callers (default: $HYPERNODES_SECRET): a job runs only when its HMAC
   * verifies with it, and results go back signed with it. Without one, jobs are unauthenticated.
   */
  secret?: string;
}

/** Starts a worker; resolves once the module is loaded. `await worker.close()` stops it. */
export async function startPipelineWorker(options: PipelineWorkerOptions): Promise<Worker> {
  // First, so that whatever fails from here on (loading the module included) is reported with the password hidden.
  rememberPassword(options.connection);
  const signer = signerFor(options.secret, "startPipelineWorker");
  const url = moduleUrl(options.module);
  const exports = await importModule(url);
  const where = `worker ${hostname()}/${process.pid} (module ${url})`;
  const lockDuration = options.lockDuration ?? 30_000;
  const { Worker, QueueEvents, UnrecoverableError } = await import("bullmq"); // on first use, as in BullMQEngine
  const queue = options.queue ?? DEFAULT_QUEUE;
  if (!signer) {
    warn(
      `Queue '${queue}' at ${describeRedis(options.connection)} is unauthenticated: whoever can write to this Redis can have this worker run its pipelines on inputs of their choosing, and forge results. Set ${SECRET_ENV}, the same for callers and workers, to sign jobs and results`,
      "HYPERNODES_UNSIGNED_QUEUE",
    );
  }
  /** The jobs running here, by id: a caller whose map was aborted has them dropped (CANCEL_EVENT). */
  const running = new Map<string, AbortController>();
  const processor = async (job: Job<SignedJobData>) => {
    const cancel = new AbortController();
    running.set(job.id!, cancel);
    try {
      let data: JobData;
      try {
        data = checkJob(signer, queue, job.id!, job.data);
      } catch (error) {
        throw new JobRefused(`refused by ${where}: ${messageOf(error)}`);
      }
      return await runJob(exports, url, where, data, cancel.signal, (result) => packResult(signer, queue, job.id!, result));
    } catch (error) {
      // Another worker has the same module: retrying cannot help; nor can it for a map that was aborted.
      // The reason goes through Redis to the caller: no secret in it.
      if (cancel.signal.aborted) throw new UnrecoverableError(`dropped, its map was aborted by the caller: ${messageOf(redactDeep(error))}`);
      throw redactDeep(error instanceof JobRefused ? new UnrecoverableError(error.message) : error);
    } finally {
      running.delete(job.id!);
    }
  };
  const worker = new Worker(queue, processor, {
    connection: connectionOptions(options.connection),
    concurrency: options.concurrency ?? 1,
    lockDuration,
    stalledInterval: Math.max(100, Math.floor(lockDuration / 2)),
  });
  const cancels = new QueueEvents(queue, { connection: connectionOptions(options.connection) });
  cancels.on("error", (error) => worker.emit("error", error));
  cancels.on<CancelListener>(CANCEL_EVENT, ({ map }: { map: string }) => {
    for (const [jobId, cancel] of running) if (jobId.startsWith(`${map}-`)) cancel.abort(new HyperNodesError("its map was aborted by the caller"));
  });
  worker.once("closing", () => void cancels.close().catch(() => {}));
  return worker;
}

/** The caller's CANCEL_EVENT, as QueueEvents delivers it. */
interface CancelListener extends QueueEventsListener {
  [CANCEL_EVENT]: (args: { map: string }, id: string) => void;
}

/** A job this worker's module cannot run (stale code, no such pipeline): no worker of it can. */
class JobRefused extends HyperNodesError {}

/** Runs a checked job's items; `send` packs (and signs) its result. */
async function runJob(
  exports: Record<string, unknown>,
  url: string,
  where: string,
  data: JobData,
  signal: AbortSignal,
  send: (result: JobResult) => string,
): Promise<string> {
  let pipeline: Pipeline<any>;
  try {
    pipeline = pipelineAt(exports, data.path, url);
    checkCode(pipeline.planFor(data.outputName), data.code, where);
  } catch (error) {
    throw new JobRefused(messageOf(error));
  }
  const root = exports[data.path[0]] as Pipeline<any>;
  const inputs = handlesForStandIns(unpack<Record<string, unknown>>(data.fixed), [root, pipeline], data);
  const rows = unpack<unknown[][]>(data.items);
  data.mapOver.forEach((name, k) => (inputs[name] = rows.map((row) => row[k])));
  let ctx = new CallbackContext(data.hierarchyPath[0]!);
  for (const id of data.hierarchyPath.slice(1)) ctx = ctx.child(id);
  const recorded: RecordedEvent[] = [];
  const events = new CallbackDispatcher([recorder(data.events, data.hierarchyPath.length, recorded)]);
  const control = { signal, timeout: data.timeout };
  const scope = new ExecutionScope(new SequentialEngine(), root.cache ?? pipeline.cache, data.envHash, events, ctx, control);
  try {
    const results = await executeMap(
      pipeline.planFor(data.outputName),
      inputs,
      { mapOver: data.mapOver, mapMode: "zip", scope },
      { concurrency: 1, collectErrors: true, batch: true },
    );
    const result: JobResult = {
      items: results.map((r) => (r instanceof NodeExecutionError ? { failure: packFailure(r) } : { outputs: r })),
      nodes: [...Tally.of(ctx).level(ctx.hierarchyPath).nodes].map(([name, counts]) => [name, counts.error === undefined ? counts : { ...counts, error: redact(counts.error) }]),
      events: recorded,
    };
    try {
      return send(result);
    } catch (error) {
      // An event's inputs may hold what cannot travel (a live resource): the results still can.
      if (!((error as Error).cause instanceof UnserializableValueError) || recorded.length === 0) throw error;
      return send({ ...result, events: [] });
    }
  } finally {
    // The caller's next map must see these results in the shared cache.
    await scope.flushCaches();
  }
}

/**
 * A node failure as it goes through Redis to the caller's notebook: no secret in what the node threw
 * (message, stack, fields); its item path without the item's index in the job (the caller adds its index in the map).
 */
function packFailure(failure: NodeExecutionError): PackedNodeFailure {
  return redactDeep(packNodeFailure(failure, 1));
}

/** The job's own map and item events: the caller fires its own for these. */
const CALLERS_OWN = new Set<CallbackEvent>(["onPipelineStart", "onPipelineEnd", "onMapStart", "onMapEnd", "onMapItemStart", "onMapItemEnd", "onMapItemCached"]);

/**
 * A callback that records `events` (but the job's own map and item events) for the caller to replay,
 * and has the engine count nodes (done, cached, failed) into the tally for the caller's progress.
 */
function recorder(events: readonly CallbackEvent[], jobLevel: number, into: RecordedEvent[]): PipelineCallback {
  const callback: Record<string | symbol, unknown> = { [READS_TALLY]: true };
  for (const event of events) {
    callback[event] = (...args: unknown[]) => {
      const ctx = args.pop() as CallbackContext;
      const path = ctx.hierarchyPath.slice(jobLevel);
      // What a node threw (an Error, a string, an object) goes to the caller's progress: no secret in it.
      if (path.length > 0 || !CALLERS_OWN.has(event)) into.push([event, path, event === "onError" ? redactDeep(args) : args]);
    };
  }
  return callback as PipelineCallback;
}

/** Refuses a job planned on other code than this worker's, naming the first node that differs. */
function checkCode(plan: ExecutionPlan, expected: readonly [string, string][], where: string): void {
  const actual = plan.steps.map((s) => [s.node.name, s.node.codeHash] as const);
  const names = (list: readonly (readonly [string, string])[]) => list.map(([name]) => name).join(", ");
  if (actual.length !== expected.length || actual.some(([name], i) => name !== expected[i]![0])) {
    throw new HyperNodesError(`Stale code: the caller runs nodes ${names(expected)} but ${where} has ${names(actual)}; restart the workers on the current code`);
  }
  const i = actual.findIndex(([, hash], k) => hash !== expected[k]![1]);
  if (i >= 0) {
    throw new HyperNodesError(`Stale code: node '${actual[i]![0]}' has other code in ${where} than in the caller; restart the workers on the current code`);
  }
}

/**
 * Stateful inputs arrive as stand-ins (their identity: key and factory code hash) and become the
 * handle bound in the worker's module with the same identity, so the worker creates its own resource
 * from it (another factory there is stale code).
 */
function handlesForStandIns(fixed: Record<string, unknown>, pipelines: Pipeline<any>[], data: JobData): Record<string, unknown> {
  for (const [name, value] of Object.entries(fixed)) {
    const resource = standInIdentity(value);
    if (!resource) continue;
    const bound = pipelines.flatMap((p) => Object.values(p.boundInputs));
    const handle = bound.find((v): v is Stateful => v instanceof Stateful && v.id === resource.id);
    if (!handle) {
      throw new JobRefused(
        `Input '${name}' is the stateful resource '${resource.key}', which pipeline '${data.path.join(" > ")}' does not bind in the worker's module with the same factory code: bind it there, and run the worker on the caller's code`,
      );
    }
    fixed[name] = handle;
  }
  return fixed;
}

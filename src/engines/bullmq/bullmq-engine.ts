import { randomUUID } from "node:crypto";
import type { Queue, QueueEvents } from "bullmq";
import { EVENTS, type CallbackEvent } from "../../observe/callbacks.js";
import type { Engine, EngineMapOptions, EngineRunOptions, ExecutionTarget, Scope } from "../../core/contracts.js";
import { AbortError, HyperNodesError } from "../../core/errors.js";
import { executeMap, executeRun, runStepsInOrder } from "../../execution/execution.js";
import { planOf, type ExecutionPlan, type ItemState } from "../../core/execution-plan.js";
import { IN_THREAD, type NodeInvoker } from "../../execution/node-execution.js";
import { Pipeline } from "../../core/pipeline.js";
import { findPipeline, importModule, moduleUrl, type PipelinePath } from "../pipeline-module.js";
import { Stateful } from "../../core/stateful.js";
import { warn, warnOnce } from "../../core/warnings.js";
import { checkOptions, checkTimeout, TAKES } from "../../core/option-checks.js";
import { standInFor, unpackNodeFailure } from "../wire-format.js";
import { SECRET_ENV, signerFor, type Signer } from "../../security/signing.js";
import { redact } from "../../security/redaction.js";
import {
  CANCEL_EVENT,
  DEFAULT_QUEUE,
  connectionOptions,
  describeRedis,
  pack,
  rememberPassword,
  signJob,
  unpackResult,
  type JobData,
  type JobResult,
  type RedisConnection,
} from "./bullmq-jobs.js";

export interface BullMQEngineOptions {
  /** Redis: a `redis://host:port` URL, or ioredis options. */
  connection: RedisConnection;
  /**
   * The module exporting the pipelines this engine maps — the one the workers load with `--module`:
   * a URL (e.g. `new URL("../../core/pipeline.js", import.meta.url)`, as for WorkerEngine) or a path relative
   * to the working directory.
   */
  module: string | URL;
  /** Queue name, the same as the workers' `--queue` (default "hypernodes"). */
  queue?: string;
  /**
   * Map items per job (default 1). More items per job cost less Redis traffic per item; fewer spread
   * better over workers, report progress more often, and a killed worker's retry redoes fewer items.
   */
  itemsPerJob?: number;
  /**
   * Keep going when items fail: each failed item's entry in the results is its NodeExecutionError
   * (with `itemIndex`), the others hold their outputs. Default false: the first node failure removes
   * the call's jobs no worker has taken yet and rejects the map once the running ones finish.
   */
  collectErrors?: boolean;
  /**
   * Milliseconds Redis may stay unreachable, when connecting or during a map, before the call
   * rejects with an error naming it (its password hidden). Default 30,000.
   */
  connectionTimeout?: number;
  /**
   * Milliseconds a map waits for a worker when none serves the queue, before it rejects naming the
   * queue. Default: it waits for one as long as it takes, with a warning after 5 s.
   */
  noWorkerTimeout?: number;
  /**
   * The secret shared with the workers (default: $HYPERNODES_SECRET): jobs are queued with an HMAC
   * over their data, which workers check before running them, and a result is read only when its HMAC
   * verifies. Without one, the queue is unauthenticated (one warning says so).
   */
  secret?: string;
}

/** A map whose queue has no worker warns once it has waited this long (unless `noWorkerTimeout` ends it first). */
const NO_WORKER_WARNING_MS = 5000;
/** How often a map checks Redis and the workers while it waits. */
const WATCH_EVERY_MS = 500;

/**
 * Only cache hits run in the caller: nodes execute on the workers, which create stateful resources
 * themselves, so the caller leaves them unresolved (it never loads a model it would not use).
 */
const ON_WORKERS: NodeInvoker = { ...IN_THREAD, keepsResources: true };

/** Most map items queued and not yet finished, per map call. */
const MAX_IN_FLIGHT = 10_000;

/** A connected queue and its event stream, with the jobs being waited for. */
interface Link {
  queue: Queue<JobData>;
  /** A connection of its own to Redis, whose status tells whether Redis is reachable; it also tells workers to drop jobs. */
  redis: Pick<import("ioredis").Redis, "status" | "quit" | "disconnect" | "xadd">;
  events: QueueEvents;
  waiting: Map<string, { completed(result: string): void; failed(reason: string): void }>;
}

const BULLMQ_ENGINE_OPTIONS = {
  connection: TAKES.either(TAKES.name, TAKES.record("ioredis options")),
  module: TAKES.either(TAKES.name, TAKES.url),
  queue: TAKES.name,
  itemsPerJob: TAKES.count,
  collectErrors: TAKES.boolean,
  connectionTimeout: null,
  noWorkerTimeout: null,
  secret: null,
};

/**
 * Distributed `map` on BullMQ + Redis: the map items the cache cannot serve become jobs, which
 * `hypernodes-worker` processes on any number of machines run from the same module; results come
 * back in input order. A mapped nested pipeline's items become jobs too. `run` itself, and the nodes
 * around a mapped nested pipeline, execute in the calling process.
 */
export class BullMQEngine implements Engine {
  readonly module: string;
  readonly queueName: string;
  readonly itemsPerJob: number;
  readonly collectErrors: boolean;
  readonly connectionTimeout: number;
  readonly noWorkerTimeout: number | undefined;
  readonly #connection: RedisConnection;
  readonly #signer: Signer | undefined;
  #link: Promise<Link> | undefined;
  #exports: Promise<Record<string, unknown>> | undefined;

  constructor(options: BullMQEngineOptions) {
    if (!options?.connection) throw new HyperNodesError("BullMQEngine needs { connection }: the Redis URL its workers use too");
    if (!options.module) {
      throw new HyperNodesError(
        "BullMQEngine needs { module }: the module that exports your pipeline (e.g. its import.meta.url), which workers load with --module",
      );
    }
    checkOptions(options, BULLMQ_ENGINE_OPTIONS, "new BullMQEngine");
    this.module = moduleUrl(options.module);
    this.queueName = options.queue ?? DEFAULT_QUEUE;
    this.itemsPerJob = options.itemsPerJob ?? 1;
    this.collectErrors = options.collectErrors ?? false;
    checkTimeout(options.connectionTimeout, "BullMQEngine: connectionTimeout");
    checkTimeout(options.noWorkerTimeout, "BullMQEngine: noWorkerTimeout");
    this.connectionTimeout = options.connectionTimeout ?? 30_000;
    this.noWorkerTimeout = options.noWorkerTimeout;
    this.#connection = options.connection;
    this.#signer = signerFor(options.secret, "new BullMQEngine");
    rememberPassword(options.connection);
    if (!this.#signer) {
      const where = `queue '${this.queueName}' at ${describeRedis(this.#connection)}`;
      warnOnce(
        `BullMQEngine: ${where} is unauthenticated: whoever can write to this Redis can forge its jobs and results. Set ${SECRET_ENV} (or the secret option), the same for the workers, to sign them`,
        "HYPERNODES_UNSIGNED_QUEUE",
        `HYPERNODES_UNSIGNED_QUEUE ${where}`,
      );
    }
  }

  run(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineRunOptions): Promise<Record<string, unknown>> {
    return executeRun(target, inputs, options, runStepsInOrder);
  }

  async map(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineMapOptions): Promise<Record<string, unknown>[]> {
    const plan = planOf(target);
    const path = await this.#locate(plan.source);
    const link = await this.#connect();
    const remote = new RemoteMap(link, path, plan, inputs, options, this, this.#signer);
    const { signal } = options.scope;
    const abort = () => void remote.abort(new AbortError("aborted while its items were queued or running on workers", { cause: signal!.reason }));
    signal?.addEventListener("abort", abort, { once: true });
    const unwatch = this.#watch(link, remote);
    try {
      const results = await executeMap(plan, inputs, options, {
        runSteps: (state, scope) => remote.runItem(state, scope),
        concurrency: MAX_IN_FLIGHT,
        collectErrors: this.collectErrors,
        invoker: ON_WORKERS,
        batch: false, // batch nodes run on the workers, over each job's items
      });
      return results as Record<string, unknown>[];
    } finally {
      signal?.removeEventListener("abort", abort);
      unwatch();
    }
  }

  /** Closes the Redis connections (the engine connects again if used afterwards). */
  async close(): Promise<void> {
    const link = this.#link;
    this.#link = undefined;
    if (!link) return;
    await closeLink(await link);
  }

  /** Where the workers find the pipeline a plan comes from: refused up front when the engine's module does not export it. */
  async #locate(pipeline: object): Promise<PipelinePath> {
    if (!(pipeline instanceof Pipeline)) throw new HyperNodesError("BullMQEngine runs the plans of pipelines only");
    this.#exports ??= importModule(this.module);
    const path = findPipeline(await this.#exports, pipeline);
    if (!path) {
      throw new HyperNodesError(
        `BullMQEngine: pipeline '${pipeline.id}' is not exported by ${this.module} (nor nested in a pipeline it exports), ` +
          "so workers cannot load it: export it from that module and import it from there",
      );
    }
    return path;
  }

  /** The queue, connected within `connectionTimeout` (else an error naming Redis; the next call tries again). */
  #connect(): Promise<Link> {
    if (this.#link) return this.#link;
    const linking = connect(this.queueName, this.#connection);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.#unreachable("connecting")), this.connectionTimeout);
    });
    this.#link = Promise.race([linking, timedOut]).finally(() => clearTimeout(timer));
    this.#link.catch(() => {
      this.#link = undefined;
      void linking.then(closeLink).catch(() => {});
    });
    return this.#link;
  }

  #unreachable(when: string): HyperNodesError {
    return new HyperNodesError(
      `BullMQEngine: Redis at ${describeRedis(this.#connection)} was unreachable for ${this.connectionTimeout / 1000} s while ${when} (connectionTimeout)`,
    );
  }

  /**
   * While a map waits on the queue: Redis unreachable for `connectionTimeout`, or no worker for
   * `noWorkerTimeout`, fails it; no worker for 5 s warns once. Returns the function that stops watching.
   */
  #watch(link: Link, remote: RemoteMap): () => void {
    const started = performance.now();
    let downSince: number | undefined;
    let workerSeen = false;
    let warned = false;
    let counting = false;
    const check = () => {
      const now = performance.now();
      if (link.redis.status !== "ready") {
        downSince ??= now;
        if (now - downSince > this.connectionTimeout) remote.abort(this.#unreachable("a map waited for its jobs"));
        return;
      }
      downSince = undefined;
      if (workerSeen || counting) return;
      counting = true;
      link.queue
        .getWorkersCount()
        .then((count) => {
          workerSeen = count > 0;
          const waited = performance.now() - started;
          if (workerSeen) return;
          if (this.noWorkerTimeout !== undefined && waited > this.noWorkerTimeout) {
            remote.abort(new HyperNodesError(`BullMQEngine: no hypernodes-worker served queue '${this.queueName}' within ${this.noWorkerTimeout / 1000} s (noWorkerTimeout)`));
          } else if (waited > NO_WORKER_WARNING_MS && !warned) {
            warned = true;
            warn(`No hypernodes-worker has served queue '${this.queueName}' for ${NO_WORKER_WARNING_MS / 1000} s: the map waits until one starts`, "HYPERNODES_NO_WORKER");
          }
        })
        .catch(() => {})
        .finally(() => (counting = false));
    };
    check();
    const timer = setInterval(check, WATCH_EVERY_MS);
    return () => clearInterval(timer);
  }
}

/** Closes the link's connections; with Redis unreachable, at once (a polite close would wait for it forever). */
async function closeLink({ queue, events, redis }: Link): Promise<void> {
  if (redis.status === "ready") await Promise.all([events.close(), queue.close(), redis.quit().catch(() => {})]);
  else {
    // Stops their reconnecting; BullMQ's own wait for the closing to finish is not awaited (it may never end).
    redis.disconnect();
    void Promise.all([events.disconnect(), queue.disconnect()]).catch(() => {});
  }
}

async function connect(name: string, connection: RedisConnection): Promise<Link> {
  // Loaded on first use: importing BullMQ costs every `import "hypernodes"` about 350 ms otherwise.
  const [{ Queue, QueueEvents }, { Redis }] = await Promise.all([import("bullmq"), import("ioredis")]);
  // Once per connection: Redis down makes every reconnection attempt fail the same way (a waiting map's watch reports it).
  let warned = false;
  const warnRedis = (error: Error) => {
    if (!warned) warn(`BullMQEngine: ${error.message}`, "HYPERNODES_REDIS");
    warned = true;
  };
  const queue = new Queue<JobData>(name, { connection: connectionOptions(connection) }).on("error", warnRedis);
  // Events are read from the stream's current end, so none of our jobs' can be missed.
  const { url, ...rest } = connectionOptions(connection);
  const client = (url ? new Redis(url, rest) : new Redis(rest)).on("error", () => {}); // the map's watch reports Redis down
  // Kept open: its status tells a waiting map whether Redis is reachable.
  const [last] = await client.xrevrange(queue.keys.events!, "+", "-", "COUNT", 1);
  const events = new QueueEvents(name, { connection: connectionOptions(connection), lastEventId: last?.[0] ?? "0-0" }).on("error", warnRedis);
  const waiting: Link["waiting"] = new Map();
  // Each job is settled once: a retried job's second result (or a late event) finds no one waiting.
  events.on("completed", ({ jobId, returnvalue }) => {
    waiting.get(jobId)?.completed(returnvalue as unknown as string);
    waiting.delete(jobId);
  });
  events.on("failed", ({ jobId, failedReason }) => {
    waiting.get(jobId)?.failed(failedReason);
    waiting.delete(jobId);
  });
  await events.waitUntilReady();
  return { queue, events, waiting, redis: client };
}

interface QueuedItem {
  state: ItemState;
  resolve(result: JobResult["items"][number]): void;
  reject(error: unknown): void;
}

/** One map call on the queue: items gathered into jobs, and their results handed back to the items. */
class RemoteMap {
  readonly #id = randomUUID();
  readonly #base: Omit<JobData, "items">;
  #gathered: QueuedItem[] = [];
  #jobs = 0;
  /** Jobs queued and not settled, by id. */
  readonly #open = new Map<string, QueuedItem[]>();
  #failed = false;
  readonly #scope: Scope;

  constructor(
    readonly link: Link,
    path: PipelinePath,
    readonly plan: ExecutionPlan,
    inputs: Record<string, unknown>,
    options: EngineMapOptions,
    readonly engine: Pick<BullMQEngine, "itemsPerJob" | "collectErrors" | "queueName">,
    readonly signer: Signer | undefined,
  ) {
    const mapOver = typeof options.mapOver === "string" ? [options.mapOver] : [...new Set(options.mapOver)];
    const fixed: Record<string, unknown> = {};
    for (const name of plan.rootArgs) {
      if (!Object.hasOwn(inputs, name) || mapOver.includes(name)) continue;
      const value = inputs[name];
      fixed[name] = value instanceof Stateful ? standInFor(value) : value;
    }
    const { scope } = options;
    this.#scope = scope;
    this.#base = {
      path,
      outputName: plan.outputNames,
      code: plan.steps.map((s) => [s.node.name, s.node.codeHash]),
      envHash: scope.envHash,
      hierarchyPath: scope.ctx.hierarchyPath,
      mapOver,
      fixed: pack(fixed, "The map's inputs"),
      events: EVENTS.filter((event: CallbackEvent) => scope.events.listens(event)),
      timeout: scope.timeout,
    };
  }

  /** An item served whole by the prefetched cache hits runs here; any other is queued for a worker. */
  runItem(state: ItemState, scope: Scope): void | Promise<void> {
    if (servedByCache(state, scope)) return runStepsInOrder(state, scope, IN_THREAD);
    return new Promise<JobResult["items"][number]>((resolve, reject) => {
      this.#gathered.push({ state, resolve, reject });
      if (this.#gathered.length === 1) setImmediate(() => this.#send());
    }).then((result) => this.#receive(state, scope, result));
  }

  /**
   * Ends the map with `error` (its signal aborted, Redis or the workers gone too long): its queued jobs
   * are removed, the workers running its other jobs are told to drop them, and no item waits for a
   * job any more.
   */
  async abort(error: Error): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    for (const item of this.#gathered.splice(0)) item.reject(error);
    for (const [jobId, items] of open) {
      this.link.waiting.delete(jobId);
      for (const item of items) item.reject(error);
    }
    // Workers drop the jobs of this map they are running (a job no worker runs any more is removed below).
    const { redis, queue } = this.link;
    if (redis.status === "ready") void redis.xadd(queue.keys.events!, "MAXLEN", "~", 10_000, "*", "event", CANCEL_EVENT, "map", this.#id).catch(() => {});
    await Promise.all(open.map(([jobId]) => queue.remove(jobId).catch(() => 0)));
  }

  /** Removes this call's jobs no worker has taken yet (after a failure); settles the items they held. */
  async #cancel(): Promise<void> {
    for (const [jobId, items] of this.#open) {
      if ((await this.link.queue.remove(jobId)) !== 1) continue;
      this.#open.delete(jobId);
      this.link.waiting.delete(jobId);
      for (const item of items) item.reject(new HyperNodesError("cancelled: the map failed"));
    }
  }

  #receive(state: ItemState, scope: Scope, result: JobResult["items"][number]): void | Promise<void> {
    if ("outputs" in result) {
      this.plan.storeOutputs(state, result.outputs);
      state.executed++; // ran on a worker: not a cached item
      return;
    }
    // onError was fired with the worker's other events.
    if (scope.tally) scope.tally.itemsFailed++;
    if (!this.engine.collectErrors) this.#stop();
    throw unpackNodeFailure(result.failure);
  }

  /** Queues the gathered items as jobs of `itemsPerJob` items each. */
  #send(): void {
    const gathered = this.#gathered;
    this.#gathered = [];
    const jobs: { name: string; data: JobData; opts: { jobId: string; removeOnComplete: boolean; removeOnFail: { age: number } } }[] = [];
    for (let first = 0; first < gathered.length; first += this.engine.itemsPerJob) {
      const items = gathered.slice(first, first + this.engine.itemsPerJob);
      const jobId = `${this.#id}-${this.#jobs++}`;
      let data: JobData;
      try {
        const rows = items.map(({ state }) => state.mappedSlots.map((slot) => state.values[slot]));
        data = signJob(this.signer, this.engine.queueName, jobId, { ...this.#base, items: pack(rows, `Map item ${items[0]!.state.itemIndex}`) });
      } catch (error) {
        for (const item of items) item.reject(error);
        continue;
      }
      this.#open.set(jobId, items);
      this.link.waiting.set(jobId, {
        completed: (text) => void this.#settle(jobId, items, text),
        // The reason comes from Redis: whoever wrote it, no secret of this process is shown.
        failed: (reason) => this.#fail(jobId, items, new HyperNodesError(`BullMQ job ${jobId} (map items ${indices(items)}) failed: ${redact(String(reason))}`)),
      });
      jobs.push({ name: "map", data, opts: { jobId, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } } });
    }
    this.link.queue.addBulk(jobs).catch((error: unknown) => {
      for (const { opts } of jobs) this.#fail(opts.jobId, this.#open.get(opts.jobId) ?? [], error);
    });
  }

  async #settle(jobId: string, items: QueuedItem[], text: string): Promise<void> {
    this.#open.delete(jobId);
    let result: JobResult;
    try {
      result = unpackResult(this.signer, this.engine.queueName, jobId, text);
      await this.#replay(result.events);
    } catch (error) {
      return this.#fail(jobId, items, error);
    }
    // The workers' node counts join this level's, for ProgressCallback.
    const tally = this.#scope.tally;
    if (tally) {
      for (const [name, counts] of result.nodes) {
        const mine = tally.node(name);
        mine.done += counts.done;
        mine.cached += counts.cached;
        mine.failed += counts.failed;
        if (counts.error !== undefined) mine.error = counts.error;
      }
    }
    items.forEach((item, k) => item.resolve(result.items[k]!));
  }

  /** Fires the events a worker's callbacks saw, at their nesting level below this map's. */
  async #replay(events: JobResult["events"]): Promise<void> {
    const { events: dispatcher, ctx } = this.#scope;
    for (const [event, path, args] of events) {
      const at = path.reduce((level, id) => level.child(id), ctx);
      await (dispatcher.emit as (event: CallbackEvent, ...args: unknown[]) => void | Promise<void>)(event, ...args, at);
    }
  }

  #fail(jobId: string, items: QueuedItem[], error: unknown): void {
    this.#open.delete(jobId);
    this.link.waiting.delete(jobId);
    this.#stop();
    for (const item of items) item.reject(error);
  }

  /** After the map's first failure: the jobs not taken yet are removed (once). */
  #stop(): void {
    if (this.#failed) return;
    this.#failed = true;
    // Jobs that could not be removed run to the end: their items settle as results arrive.
    this.#cancel().catch(() => {});
  }
}

/** Every step of the item is a prefetched cache hit: nothing to send to a worker. */
function servedByCache(state: ItemState, scope: Scope): boolean {
  if (!scope.cache || !state.prefetched) return false;
  const hits = state.prefetched;
  return state.plan.steps.every((step) => step.node.cache && !step.deferred && hits.has(state.signatureOf(step, scope.envHash)));
}

function indices(items: QueuedItem[]): string {
  return items.map(({ state }) => state.itemIndex).join(", ");
}

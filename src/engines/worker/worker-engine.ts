import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import type { Engine, EngineMapOptions, EngineOptions, EngineRunOptions, ExecutionTarget, NestedPipeline, Scope } from "../../core/contracts.js";
import { HyperNodesError, messageOf, UnshippableFunctionError } from "../../core/errors.js";
import { checkOptions, ENGINE_OPTIONS, TAKES } from "../../core/option-checks.js";
import { executeMap, executeRun, runStepsAsDag } from "../../execution/execution.js";
import { currentSignal } from "../../execution/cancellation.js";
import type { Step } from "../../core/execution-plan.js";
import { FunctionShipper, type Refusal, type ShippedFunction } from "./function-shipping.js";
import type { ExecutableNode } from "../../core/contracts.js";
import type { NodeInvoker } from "../../execution/node-execution.js";
import type { Node } from "../../core/node.js";
import { checkRoundTrip } from "../../cache/serialization.js";
import { Stateful } from "../../core/stateful.js";
import { standInFor, unpackError } from "../wire-format.js";
import { warn } from "../../core/warnings.js";
import type { FunctionRef, WorkerReply, WorkerTask } from "./worker-entry.js";

export interface WorkerEngineOptions extends EngineOptions {
  /** Worker threads (default: the machine's available parallelism). */
  workers?: number;
  /**
   * URL(s) of ES modules that define the pipeline's functions, e.g. `new URL("../../core/pipeline.js", import.meta.url)`:
   * workers import them and find each function among their exports (a function, a node's function, a
   * node of an exported pipeline, a stateful resource's factory), so such functions may use imports and
   * module-level values. The modules must not run pipelines when imported.
   */
  module?: string | URL | readonly (string | URL)[];
  /**
   * A node whose function can neither be found in `module` nor shipped by source: "throw" (default)
   * rejects the call before any node runs, naming the function and the variables it cannot send;
   * "main-thread" runs such nodes (and items whose inputs cannot be sent) in the main thread.
   */
  unshippable?: "throw" | "main-thread";
  /** As ConcurrentEngine's: failed map items become their NodeExecutionError in the results. Default false. */
  collectErrors?: boolean;
}

/** How a node reaches the workers: its function and, when it has one, its batch function. */
interface Placement {
  fn: ShippedFunction;
  batch: ShippedFunction | undefined;
}

/** A value that must stay in the main thread; the caller runs the call there (`unshippable: "main-thread"`). */
class StaysHere {
  constructor(readonly reason: string) {}
}

const WORKER_ENGINE_OPTIONS = {
  ...ENGINE_OPTIONS,
  workers: TAKES.count,
  unshippable: TAKES.oneOf("throw", "main-thread"),
  collectErrors: TAKES.boolean,
  module: TAKES.either(TAKES.name, TAKES.url, TAKES.list("module paths or URLs")),
};

// The compiled entry sits next to this module; when this module runs from the TypeScript sources (the
// tests), workers use the build's, as plain Node cannot load .ts files.
const WORKER_ENTRY = import.meta.url.endsWith(".ts")
  ? new URL("../../../dist/engines/worker/worker-entry.js", import.meta.url).href
  : new URL("./worker-entry.js", import.meta.url).href;

/**
 * For CPU-bound nodes: map items (and independent nodes of a `run`) are computed on a pool of worker
 * threads (Piscina), while cache lookups and writes, callbacks and errors stay in the main thread, so
 * caching per item, progress and error reporting work as with the other engines. Results keep input
 * order. Functions reach the workers from `module` or by source (see `unshippable`); inputs and outputs
 * cross by structured clone. Idle workers do not keep a script alive; `close()` ends them.
 */
export class WorkerEngine implements Engine {
  readonly workers: number;
  readonly unshippable: "throw" | "main-thread";
  readonly collectErrors: boolean;
  readonly batch: boolean;
  readonly #shipper: FunctionShipper;
  readonly #placements = new WeakMap<ExecutableNode, Placement>();
  readonly #factories = new WeakMap<Stateful, ShippedFunction | Refusal>();
  /** Created on first use: importing piscina with `import "hypernodes"` would cost every script 20-35 ms. */
  #pool: Promise<Piscina> | undefined;
  readonly #invoker: NodeInvoker = {
    call: (step, args, scope) => {
      const here = () => callHere(step, args, scope);
      const placement = this.#placements.get(step.node);
      return placement ? this.#send(step, placement.fn, args, false, here) : here();
    },
    callBatch: (step, columns) => {
      const here = () => callWithLiveResources(columns, true, (ready) => step.node.executeBatch!(ready as unknown[][]));
      const placement = this.#placements.get(step.node);
      return placement?.batch ? this.#send(step, placement.batch, columns, true, here) : here();
    },
    keepsResources: true,
  };

  constructor(options: WorkerEngineOptions = {}) {
    checkOptions(options, WORKER_ENGINE_OPTIONS, "new WorkerEngine");
    this.workers = options.workers ?? availableParallelism();
    this.unshippable = options.unshippable ?? "throw";
    this.collectErrors = options.collectErrors ?? false;
    this.batch = options.batch ?? true;
    const modules = options.module === undefined ? [] : typeof options.module === "string" || options.module instanceof URL ? [options.module] : options.module;
    this.#shipper = new FunctionShipper(modules);
  }

  async run(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineRunOptions): Promise<Record<string, unknown>> {
    await this.#prepare(target, options);
    return executeRun(target, inputs, options, (state, scope, invoker) => runStepsAsDag(state, scope, invoker, this.#inFlight), this.#invoker);
  }

  async map(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineMapOptions): Promise<Record<string, unknown>[]> {
    await this.#prepare(target, options);
    return executeMap(target, inputs, options, {
      concurrency: this.#inFlight,
      invoker: this.#invoker,
      collectErrors: this.collectErrors,
      batch: this.batch,
    }) as Promise<Record<string, unknown>[]>;
  }

  /** Ends the worker threads (a later call starts new ones). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await (await pool)?.destroy();
  }

  /** Calls in flight: two per worker, so each worker has its next task queued while a result travels back. */
  get #inFlight(): number {
    return this.workers * 2;
  }

  /**
   * Decides, before anything runs, how each node of the call (nested pipelines' included) reaches the
   * workers, or refuses it. Done again on each top-level call: values a function reads from notebook
   * cells may have changed since.
   */
  async #prepare(target: ExecutionTarget, options: EngineRunOptions): Promise<void> {
    if (options.scope.ctx.depth > 0) return;
    await this.#shipper.load();
    await this.#place(target.nodes);
  }

  async #place(nodes: readonly ExecutableNode[]): Promise<void> {
    for (const hyper of nodes) {
      if (hyper.kind === "pipeline") {
        await this.#place((hyper as unknown as { pipeline: NestedPipeline }).pipeline.graph.executionOrder as ExecutableNode[]);
        continue;
      }
      const node = hyper as Node;
      const fn = this.#shipper.ship(node.func);
      const batch = node.batch && this.#shipper.ship(node.batch);
      if (!("unshippable" in fn) && !(batch && "unshippable" in batch)) {
        this.#placements.set(node, { fn, batch: batch || undefined });
        continue;
      }
      this.#placements.delete(node);
      if (this.unshippable === "main-thread") continue;
      const [refused, what] = "unshippable" in fn ? [fn, describe(node.func)] : [batch as Refusal, "its batch function"];
      throw new UnshippableFunctionError(node.name, what, refused.unshippable);
    }
  }

  /**
   * One call in a worker: inputs checked and resources replaced by stand-ins here, the function there.
   * An input that cannot cross fails the call, or with `unshippable: "main-thread"` runs it `here`.
   */
  async #send(step: Step, shipped: ShippedFunction, args: unknown[], batch: boolean, here: () => unknown): Promise<unknown> {
    // Read before the first await: aborted by the call's signal or the node's timeout, it ends the
    // worker thread running the task (Piscina replaces it), so a stuck item stops using a core.
    const signal = currentSignal();
    const factories = new Map<string, ShippedFunction>();
    const outgoing: unknown[] = [];
    for (let k = 0; k < args.length; k++) {
      const sent = batch
        ? this.#columnToSend(args[k] as unknown[], step, k, factories)
        : this.#valueToSend(args[k], step, k, factories);
      if (sent instanceof StaysHere) {
        if (this.unshippable === "throw") throw new HyperNodesError(sent.reason);
        return here();
      }
      outgoing.push(sent);
    }
    const node = step.node as Node;
    const task: WorkerTask = { node: node.name, fn: { id: shipped.id }, style: node.parameterStyle, names: node.rootArgs, batch, args: outgoing, factories: {} };
    for (const [key, factory] of factories) task.factories[key] = { id: factory.id };
    let reply = await this.#run(task, signal);
    if ("missing" in reply) {
      const withCode = (f: ShippedFunction): FunctionRef => ({ id: f.id, code: f.code });
      task.fn = withCode(shipped);
      for (const [key, factory] of factories) task.factories[key] = withCode(factory);
      reply = await this.#run(task, signal);
    }
    if ("value" in reply) return reply.value;
    if ("error" in reply) throw unpackError(reply.error);
    throw new HyperNodesError("a worker thread did not load a function it was sent");
  }

  async #run(task: WorkerTask, signal: AbortSignal): Promise<WorkerReply> {
    this.#pool ??= import("piscina").then(
      ({ Piscina }) => new Piscina({ filename: WORKER_ENTRY, minThreads: this.workers, maxThreads: this.workers, atomics: "async" }),
    );
    let reply: WorkerReply;
    try {
      reply = await (await this.#pool).run(task, { signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason; // the call or the node's timeout ended it: its own error reports it
      // The worker entry replies with the node's own errors: a rejection is the thread's (it exited, or a value did not clone).
      throw new HyperNodesError(`its worker thread failed: ${messageOf(error)}`, { cause: error });
    }
    if (reply.strays) {
      const what = reply.strays.join("; ");
      warn(`WorkerEngine: code that had already returned its item's result threw, or left a promise rejected, in a worker thread (${what})`, "HYPERNODES_WORKER_STRAY");
    }
    return reply;
  }

  /** An input as it crosses: a stateful resource as a stand-in (its factory shipped), anything else if it clones faithfully. */
  #valueToSend(value: unknown, step: Step, k: number, factories: Map<string, ShippedFunction>): unknown {
    const input = `input '${step.node.rootArgs[k]}'`;
    if (value instanceof Stateful) {
      let factory = this.#factories.get(value);
      if (!factory) {
        factory = this.#shipper.ship(value.create);
        this.#factories.set(value, factory);
      }
      if ("unshippable" in factory) {
        const why = factory.unshippable.length ? `it reads ${factory.unshippable.join(", ")}` : "its source cannot be read";
        return new StaysHere(`its ${input} is the stateful resource '${value.key}', whose factory cannot be sent to a worker thread: ${why}`);
      }
      const sent = standInFor(value);
      factories.set(sent["hypernodes:stateful"].id, factory);
      return sent;
    }
    try {
      checkRoundTrip(value, input);
    } catch (error) {
      return new StaysHere(`its ${input} cannot be sent to a worker thread: ${messageOf(error)}`);
    }
    return value;
  }

  #columnToSend(column: unknown[], step: Step, k: number, factories: Map<string, ShippedFunction>): unknown {
    const sent = new Array<unknown>(column.length);
    for (let i = 0; i < column.length; i++) {
      const value = this.#valueToSend(column[i], step, k, factories);
      if (value instanceof StaysHere) return value;
      sent[i] = value;
    }
    return sent;
  }
}

/** A call in the main thread. A nested pipeline gets resources as handles: its own nodes decide where they are created. */
function callHere(step: Step, args: unknown[], scope: Scope): unknown {
  if (step.node.kind === "pipeline") return step.node.execute(args, scope);
  return callWithLiveResources(args, false, (ready) => step.node.execute(ready, scope));
}

/** Calls `call` with stateful resource handles among the inputs (or columns' entries) replaced by the resources, created on first use. */
function callWithLiveResources(args: unknown[], columns: boolean, call: (ready: unknown[]) => unknown): unknown {
  const has = (v: unknown) => v instanceof Stateful;
  if (!args.some((a) => (columns ? (a as unknown[]).some(has) : has(a)))) return call(args);
  const resolve = (v: unknown) => (v instanceof Stateful ? v.get() : v);
  return Promise.all(args.map((a) => (columns ? Promise.all((a as unknown[]).map(resolve)) : resolve(a)))).then(call);
}

function describe(fn: Function): string {
  return fn.name ? `function ${fn.name}` : "an anonymous function";
}

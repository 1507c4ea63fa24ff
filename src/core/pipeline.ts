import { hashValue } from "../identity/code-identity.js";
import type { Cache } from "../cache/cache.js";
import { CallbackContext, CallbackDispatcher, ONE_PER_PIPELINE, type PipelineCallback } from "../observe/callbacks.js";
import { ExecutionScope } from "../execution/execution-scope.js";
import { type Engine } from "./contracts.js";
import { HyperNodesError, MapInputError, messageOf, UnknownInputError } from "./errors.js";
import { ExecutionPlan } from "./execution-plan.js";
import { defaultCache, defaultEngine, pipelineDefaults } from "./defaults.js";
import { digest } from "../identity/digest.js";
import { explainPlan, type NodeExplanation } from "./explain.js";
import { Graph } from "./graph.js";
import type { HyperNode, InputsOf, OutputsOf, Simplify, UnionToIntersection } from "./contracts.js";
import type { MapMode } from "./map-plan.js";
import { Node } from "./node.js";
import { checkName, checkOptionNames, checkOptions, checkTimeout, describeValue, didYouMean, TAKES } from "./option-checks.js";
import { PipelineNode, type AsNodeOptions, type PipelineNodeOutputs } from "./pipeline-node.js";
import { envHash, nodeTag } from "../identity/signature.js";
import type { VizOptions } from "../viz/viz-model.js";
import { JUPYTER_MIMEBUNDLE, visualize, type Visualization } from "../viz/viz.js";
import { warn } from "./warnings.js";

export interface PipelineOptions<N extends readonly HyperNode<any, any>[]> {
  nodes: N;
  name?: string;
  cache?: Cache;
  callbacks?: readonly PipelineCallback[];
  engine?: Engine;
  /** Joins every signature: change it to invalidate this pipeline's cache entries on purpose. */
  cacheSalt?: string;
}

export interface RunOptions<K extends string = string> {
  /** Only these outputs (and the nodes they need) are computed and returned. */
  outputName?: K | readonly K[];
  /** Engine for this call only. */
  engine?: Engine;
  /**
   * Aborting it stops the call: no node starts after, nodes in flight are no longer waited for, and
   * the call rejects with an AbortError saying how far it got; what finished stays cached. A node
   * reads it through `currentSignal()` to cancel its own work. In a notebook, Interrupt aborts it.
   */
  signal?: AbortSignal;
  /** Milliseconds each node call may take, unless the node sets its own `timeout` (then a TimeoutError fails it). */
  timeout?: number;
  /**
   * An input that no node reads is refused before anything runs ("error", the default: it is usually
   * a misspelt optional input, which would otherwise silently take its default); "ignore" allows it.
   */
  extraInputs?: "error" | "ignore";
}

export interface MapOptions<K extends string = string> extends RunOptions<K> {
  /** The input(s) holding the lists to map over. */
  mapOver: string | readonly string[];
  /** "zip" (default) pairs the lists item by item; "product" runs every combination. */
  mapMode?: MapMode;
}

/** The outputs record of a pipeline made of nodes N. */
export type PipelineOutputs<N extends readonly unknown[]> = [N[number]] extends [never]
  ? {}
  : Simplify<UnionToIntersection<OutputsOf<N[number]>>>;
/** Inputs of a pipeline: those known to the type system are type-checked, any other name is allowed. */
export type PipelineInputs<N extends readonly unknown[]> = Partial<UnionToIntersection<InputsOf<N[number]>>> &
  Record<string, unknown>;

/** A map's inputs: each typed input is one value (passed whole to every item) or, mapped over, a list of them. */
export type PipelineMapInputs<N extends readonly unknown[]> = Partial<ListOrValue<UnionToIntersection<InputsOf<N[number]>>>> &
  Record<string, unknown>;

type ListOrValue<T> = { [K in keyof T]: T[K] | readonly T[K][] };

type Selected<Out, K extends string> = string extends K ? Out : Pick<Out, K & keyof Out>;

/** A DAG of nodes wired by name, run once (`run`) or per item of lists (`map`). */
export class Pipeline<const N extends readonly HyperNode<any, any>[] = readonly HyperNode<any, any>[]> {
  readonly nodes: N;
  readonly name: string | undefined;
  readonly cache: Cache | undefined;
  readonly callbacks: readonly PipelineCallback[];
  readonly engine: Engine;
  readonly cacheSalt: string | undefined;
  readonly graph: Graph;
  #bound: Record<string, unknown> = {};
  /** envHash for the cache's salt it was computed with (a digest: worth keeping across calls). */
  #env: { salt: string | undefined; hash: string } | undefined;
  readonly #plans = new Map<string, ExecutionPlan>();
  /** @internal Delivers events to this pipeline's callbacks. */
  readonly events: CallbackDispatcher;

  constructor(options: PipelineOptions<N>) {
    if (!options || !Array.isArray(options.nodes)) {
      throw new HyperNodesError("new Pipeline({ nodes }) needs an array of nodes");
    }
    checkPipelineOptions(options);
    options.nodes.forEach((n, i) => {
      if (!(n instanceof Node) && !(n instanceof PipelineNode)) {
        const what = typeof n === "function" ? `the plain function '${(n as Function).name || "anonymous"}'` : String(n);
        throw new HyperNodesError(`Pipeline node ${i} is ${what}: wrap functions with node(fn), pipelines with pipeline.asNode()`);
      }
    });
    this.nodes = options.nodes;
    this.name = options.name;
    const defaults = pipelineDefaults();
    this.cache = options.cache ?? defaultCache();
    const own = options.callbacks ?? [];
    this.callbacks = [...(defaults.callbacks ?? []).filter((d) => !replacedBy(d, own)), ...own];
    this.engine = options.engine ?? defaultEngine();
    this.cacheSalt = options.cacheSalt;
    this.graph = new Graph(this.nodes);
    this.events = new CallbackDispatcher(this.callbacks);
  }

  /** The id callbacks see for this pipeline. */
  get id(): string {
    return this.name ?? "pipeline";
  }

  /** Inputs no node produces. */
  get rootArgs(): string[] {
    return [...this.graph.rootArgs];
  }

  /** A copy of the bound inputs. */
  get boundInputs(): Record<string, unknown> {
    return { ...this.#bound };
  }

  /**
   * What the pipeline computes, for hashing it as a value (a node whose code runs it, a pipeline
   * passed as an input): its nodes' code and wiring and its bound inputs — not its cache, engine or
   * callbacks, which do not change results.
   */
  cacheKey(): string {
    const nodes = this.graph.executionOrder.map((n) => [n.name, n.codeHash, n.rootArgs, n.outputNames]);
    return `pipeline:${digest(`${JSON.stringify(nodes)}|${hashValue(this.#bound, `bound inputs of pipeline '${this.id}'`)}`)}`;
  }

  /** Root inputs still needed: neither bound nor optional. */
  get unfulfilledArgs(): string[] {
    return this.graph.rootArgs.filter((a) => !Object.hasOwn(this.#bound, a) && !this.graph.optionalArgs.has(a));
  }

  /** Merges default inputs (later calls override keys; inputs given to run/map override bound ones). */
  bind(inputs: PipelineInputs<N>): this {
    this.#bound = { ...this.#bound, ...this.#checkInputs(inputs, "bind", "error") };
    return this;
  }

  /** Removes the named bound inputs, or all of them when called without names. */
  unbind(...keys: string[]): this {
    for (const key of keys) checkName(key, "unbind: input");
    this.#checkInputs(Object.fromEntries(keys.map((key) => [key, undefined])), "unbind", "error");
    if (keys.length === 0) this.#bound = {};
    else for (const k of keys) delete this.#bound[k];
    return this;
  }

  run(inputs?: PipelineInputs<N>, options?: RunOptions<never>): Promise<PipelineOutputs<N>>;
  run<K extends string & keyof PipelineOutputs<N>>(
    inputs: PipelineInputs<N> | undefined,
    options: RunOptions<K>,
  ): Promise<Selected<PipelineOutputs<N>, K>>;
  /** Runs the pipeline once. Resolves to the outputs of every node that ran, or only the requested ones. */
  run(inputs: Record<string, unknown> = {}, options: RunOptions = {}): Promise<Record<string, unknown>> {
    return this.#call("run", inputs, options, RUN_OPTIONS, startRun);
  }

  map(inputs: PipelineMapInputs<N> | undefined, options: MapOptions<never>): Promise<PipelineOutputs<N>[]>;
  map<K extends string & keyof PipelineOutputs<N>>(
    inputs: PipelineMapInputs<N> | undefined,
    options: MapOptions<K>,
  ): Promise<Selected<PipelineOutputs<N>, K>[]>;
  /** Runs the pipeline once per item of the `mapOver` lists; resolves to one outputs record per item, in order. */
  map(inputs: Record<string, unknown> = {}, options: MapOptions): Promise<Record<string, unknown>[]> {
    if (!options || options.mapOver === undefined) {
      return Promise.reject(new MapInputError("map needs { mapOver }: the name(s) of the list input(s) to map over"));
    }
    return this.#call("map", inputs, options, MAP_OPTIONS, startMap);
  }

  /**
   * For each node the next `run(inputs)` would execute: whether it would hit the cache, and on a
   * miss what changed since its last recorded execution (its code, a named input, an upstream node).
   */
  async explain(inputs: PipelineInputs<N> = {}, options: Pick<RunOptions, "outputName"> = {}): Promise<NodeExplanation[]> {
    const scope = this.#scope(this.engine, {});
    return explainPlan(this.planFor(options.outputName), this.#withBound(inputs, "explain", {}), this.cache, scope.envHash, scope.ctx.hierarchyPath);
  }

  /**
   * Deletes this pipeline's results from its cache: every entry of its nodes, nested pipelines'
   * included, as their code is now; returns how many. Other pipelines' entries stay (unless they run a
   * node with the very same code). Needs a cache that can delete by tag (`Cache.deleteByTag`:
   * MemoryCache, DiskCache).
   */
  async clearCache(): Promise<number> {
    const cache = this.cache;
    if (!cache) throw new HyperNodesError(`pipeline '${this.id}' has no cache to clear`);
    if (!cache.deleteByTag) throw new HyperNodesError(`the cache of pipeline '${this.id}' cannot delete one pipeline's entries: use cache.clear()`);
    const tags = new Set<string>();
    const collect = (nodes: readonly HyperNode[]) => {
      for (const n of nodes) {
        tags.add(nodeTag(n.codeHash));
        if (n instanceof PipelineNode) collect(n.pipeline.nodes);
      }
    };
    collect(this.nodes);
    let deleted = 0;
    for (const tag of tags) deleted += await cache.deleteByTag(tag);
    return deleted;
  }

  /** This pipeline drawn as a Graphviz DAG: `model`, `toDot()`, `await toSvg()`, `await mimeBundle()`. */
  visualize(options?: VizOptions): Visualization {
    return visualize(this, options);
  }

  /** Displayed in a notebook, a pipeline shows its DAG. */
  [JUPYTER_MIMEBUNDLE]() {
    return visualize(this).mimeBundle();
  }

  /** This pipeline as a node of another pipeline. */
  asNode<const M extends Record<string, string> = {}, const O extends string | readonly string[] = never>(
    options: AsNodeOptions<M, O> = {},
  ): PipelineNode<PipelineNodeOutputs<PipelineOutputs<N>, M, O>, this> {
    return new PipelineNode(this, options);
  }

  /** @internal The compiled plan for a selection of outputs (memoised). */
  planFor(outputName: string | readonly string[] | undefined): ExecutionPlan {
    const names = typeof outputName === "string" ? [outputName] : outputName;
    const key = names ? names.join("\u0000") : "\u0001all";
    let plan = this.#plans.get(key);
    if (!plan) {
      plan = new ExecutionPlan(this.graph, names, this);
      this.#plans.set(key, plan);
    }
    return plan;
  }

  toString(): string {
    return `Pipeline(${this.name ? `${this.name}: ` : ""}${this.graph.executionOrder.map((n) => n.name).join(" -> ")})`;
  }

  /**
   * A run or map call: options and inputs checked, then the engine's work, committed when it ends.
   * Not an async function itself (one promise fewer per call), so its checks' errors are turned into
   * a rejection here, as an async function would.
   */
  #call<T>(call: "run" | "map", inputs: Record<string, unknown>, options: RunOptions, known: readonly string[], start: Start<T>): Promise<T> {
    let scope: ExecutionScope;
    let work: Promise<T>;
    try {
      checkOptionNames(options, known, call);
      const engine = options.engine ?? this.engine;
      scope = this.#scope(engine, options);
      work = start(engine, this.planFor(options.outputName), this.#withBound(inputs, call, options), options as MapOptions, scope);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#committing(scope, work);
  }

  /**
   * Commits the caches' buffered writes when a call ends, failed or not, so finished nodes stay
   * cached. A commit that fails does not fail the call (its results are good): the writes stay
   * pending for the next commit, and a warning says why.
   */
  async #committing<T>(scope: ExecutionScope, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      scope.events.callRejected(scope.ctx, error);
      throw error;
    } finally {
      const flushed = scope.flushCaches();
      if (flushed) {
        await flushed.catch((error: unknown) =>
          warn(`Cache writes could not be committed yet (${messageOf(error)}); they will be retried`, "HYPERNODES_CACHE_WRITE"),
        );
      }
    }
  }

  /** @internal The environment part of signatures: cache format version and salts. */
  get envHash(): string {
    const salt = this.cache?.salt;
    if (this.#env?.salt !== salt || this.#env === undefined) this.#env = { salt, hash: envHash(salt, this.cacheSalt) };
    return this.#env.hash;
  }

  #withBound(inputs: Record<string, unknown>, call: string, { extraInputs = "error" }: RunOptions): Record<string, unknown> {
    if (extraInputs !== "error" && extraInputs !== "ignore") {
      throw new HyperNodesError(`${call} option extraInputs must be "error" or "ignore", got ${JSON.stringify(extraInputs) ?? describeValue(extraInputs)}`);
    }
    return { ...this.#bound, ...this.#checkInputs(inputs, call, extraInputs) };
  }

  /** Inputs as `call` was given them: an object of named values, each read by some node (unless `extraInputs` is "ignore"). */
  #checkInputs(inputs: unknown, call: string, extraInputs: "error" | "ignore"): Record<string, unknown> {
    if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
      throw new HyperNodesError(`${call}: inputs must be an object of named values, got ${Array.isArray(inputs) ? "an array" : describeValue(inputs)}`);
    }
    const known = this.graph.rootArgs;
    for (const name of Object.keys(inputs)) {
      if (known.includes(name)) continue;
      checkName(name, `${call}: input`);
      if (extraInputs === "ignore") continue;
      throw new UnknownInputError(
        `${call}: unknown input '${name}'${didYouMean(name, known)}: no node of pipeline '${this.id}' reads it ` +
          `(its inputs: ${known.map((k) => `'${k}'`).join(", ") || "none"})${call === "run" || call === "map" ? '; pass { extraInputs: "ignore" } to allow it' : ""}`,
      );
    }
    return inputs as Record<string, unknown>;
  }

  #scope(engine: Engine, { signal = pipelineDefaults().signal?.(), timeout }: RunOptions): ExecutionScope {
    if (!TAKES.engine.accepts(engine)) throw new HyperNodesError(`run/map option engine must be ${TAKES.engine.takes}, got ${describeValue(engine)}`);
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new HyperNodesError(`run/map option signal must be an AbortSignal, got ${describeValue(signal)}`);
    }
    checkTimeout(timeout, "run/map option timeout");
    return new ExecutionScope(engine, this.cache, this.envHash, this.events, new CallbackContext(this.id), { signal, timeout });
  }
}

/** How a call hands its plan to the engine (module functions: nothing allocated per call). */
type Start<T> = (engine: Engine, plan: ExecutionPlan, inputs: Record<string, unknown>, options: MapOptions, scope: ExecutionScope) => Promise<T>;
const startRun: Start<Record<string, unknown>> = (engine, plan, inputs, _options, scope) => engine.run(plan, inputs, { scope });
/**
 * A default callback the pipeline's own callbacks replace: one whose class draws once per pipeline
 * (ONE_PER_PIPELINE: live progress), when the pipeline brings its own of that class. Other defaults (a
 * team-wide telemetry exporter, an audit log) always stay.
 */
function replacedBy(fallback: PipelineCallback, own: readonly PipelineCallback[]): boolean {
  if ((fallback as { [ONE_PER_PIPELINE]?: boolean })[ONE_PER_PIPELINE] !== true) return false;
  const kind = fallback.constructor;
  return own.some((callback) => callback instanceof kind);
}

const startMap: Start<Record<string, unknown>[]> = (engine, plan, inputs, { mapOver, mapMode }, scope) => engine.map(plan, inputs, { mapOver, mapMode, scope });

const RUN_OPTIONS = ["outputName", "engine", "signal", "timeout", "extraInputs"] as const;
const MAP_OPTIONS = [...RUN_OPTIONS, "mapOver", "mapMode"] as const;

/** The shapes of `new Pipeline` options, named before anything uses them (a cache or engine of the wrong kind would fail mid-run). */
function checkPipelineOptions(options: PipelineOptions<readonly HyperNode[]>): void {
  checkOptions(options, PIPELINE_OPTIONS, "new Pipeline");
  options.callbacks?.forEach((callback, i) => {
    if (callback === null || typeof callback !== "object") {
      throw new HyperNodesError(`new Pipeline: option callbacks[${i}] must be a callback object (a PipelineCallback, or an object of on… methods), got ${describeValue(callback)}`);
    }
  });
}

const PIPELINE_OPTIONS = {
  nodes: null,
  name: TAKES.string,
  cacheSalt: TAKES.string,
  cache: TAKES.cache,
  engine: TAKES.engine,
  callbacks: TAKES.list("callbacks"),
};

// The contracts the pieces of HyperNodes meet each other through, types only: what a node is to a
// pipeline and to an engine, what an engine is given, and what a nested pipeline offers the level
// above. Implementations import these; this module imports only types of leaf modules, so the data
// path input → pipeline → plan → engine → node execution → cache and callbacks never steps back up.
import type { Cache } from "../cache/cache.js";
import type { CallbackContext, CallbackDispatcher } from "../observe/callbacks.js";
import type { CodePart } from "../identity/code-identity.js";
import type { MapMode } from "./map-plan.js";
import type { LevelTally } from "../observe/tally.js";

/**
 * What every node-like thing in a pipeline has: a function `Node` or the `PipelineNode` that
 * `Pipeline.asNode` returns. `Out` and `In` are type-level only (the outputs record and the inputs
 * known to the type system); they never exist at run time.
 */
export interface HyperNode<Out extends object = Record<string, unknown>, In extends object = {}> {
  readonly name: string;
  readonly cache: boolean;
  readonly rootArgs: string[];
  readonly outputName: string | readonly string[];
  readonly codeHash: string;
  /** Output names as a list (one entry for a single output). */
  readonly outputNames: readonly string[];
  /** Root args that have a default value: they may be left out. */
  readonly optionalArgs: ReadonlySet<string>;
  /** @internal type carrier, never set. */
  readonly __types?: { outputs: Out; inputs: In };
}

/** The outputs record a HyperNode contributes to a pipeline. */
export type OutputsOf<N> = N extends HyperNode<infer Out, any> ? Out : never;
/** The inputs a HyperNode declares to the type system. */
export type InputsOf<N> = N extends HyperNode<any, infer In> ? In : never;

export type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void
  ? I
  : never;
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** @internal How engines run a HyperNode: both Node and PipelineNode implement it. */
export interface ExecutableNode extends HyperNode<any, any> {
  /** "pipeline" for nested pipelines: they fire nested-pipeline events instead of node events. */
  readonly kind: "node" | "pipeline";
  /**
   * Runs with inputs in `rootArgs` order (undefined for an optional input not given). Returns the
   * output value, or the tuple of outputs in `outputNames` order for several outputs; may be a Promise.
   */
  execute(args: unknown[], scope: Scope): unknown;
  /** A function node's batch implementation, when it has one: `map` then calls `executeBatch` on chunks of items. */
  readonly batch?: Function;
  /** Most items per `executeBatch` call (default: every item of a chunk that missed the cache). */
  readonly batchSize?: number;
  /** Milliseconds a call of it may take (over the call's default `timeout`). */
  readonly timeout?: number;
  /** Runs many items at once, given one array of values per input in `rootArgs` order; returns one output per item (may be a Promise). */
  executeBatch?(columns: readonly unknown[][]): unknown;
  /** What `codeHash` is made of (own code, each binding its code reads), for `explain` to say what changed. */
  codeParts?(): CodePart[];
}

/**
 * What a pipeline hands its engine for one call: its plan, compiled for the requested outputs. Opaque
 * outside the built-in engines (execution-plan.ts), which read it; an engine that wraps another
 * forwards it unchanged.
 */
export interface ExecutionTarget {
  readonly kind: "plan";
  /** The root inputs the planned nodes read. */
  readonly rootArgs: readonly string[];
  /** The planned nodes, in execution order. */
  readonly nodes: readonly ExecutableNode[];
}

/**
 * What one `run`/`map` call executes with at one nesting level: the cache, callbacks and engine of
 * the top-level pipeline (they flow into nested pipelines), and this level's callback context.
 */
export interface Scope {
  readonly engine: Engine;
  readonly cache: Cache | undefined;
  /** The environment part of signatures at this level: cache format version and salts. */
  readonly envHash: string;
  readonly events: CallbackDispatcher;
  readonly ctx: CallbackContext;
  /** This level's counts, when a callback reads them (see tally.ts). */
  readonly tally: LevelTally | undefined;
  /** The call's AbortSignal (`run`/`map` option `signal`), shared by every nesting level. */
  readonly signal: AbortSignal | undefined;
  /** The call's default time limit per node, in ms (`run`/`map` option `timeout`). */
  readonly timeout: number | undefined;
  /** The scope one level down, for the nested pipeline run by the node `pipelineNodeName`. */
  child(pipelineNodeName: string, inner: NestedPipeline): Scope;
  /** True the first time a key is seen in this run/map call. */
  firstTime(key: string): boolean;
  /** Commits the buffered writes of every cache used during the call (undefined: none was used). */
  flushCaches(): Promise<void> | undefined;
}

export interface EngineRunOptions {
  scope: Scope;
}

export interface EngineMapOptions extends EngineRunOptions {
  mapOver: string | readonly string[];
  mapMode?: MapMode;
}

/** Options of the built-in engines. */
export interface EngineOptions {
  /**
   * In `map`, nodes with a batch implementation run it over chunks of items (default true); false
   * runs every item through the single-item function. Results and cache entries are the same either way.
   */
  batch?: boolean;
}

/**
 * Decides how a pipeline's nodes and map items are scheduled. Node execution itself (signatures,
 * cache, callbacks, errors) is shared in node-execution.ts, so an engine only orders the work.
 * `inputs` arrive with bound inputs already merged in.
 */
export interface Engine {
  run(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineRunOptions): Promise<Record<string, unknown>>;
  map(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineMapOptions): Promise<Record<string, unknown>[]>;
}

/** A pipeline's graph as the levels above and the views read it. */
export interface GraphView {
  readonly executionOrder: readonly HyperNode[];
  readonly rootArgs: readonly string[];
  readonly optionalArgs: ReadonlySet<string>;
  readonly availableOutputNames: readonly string[];
}

/** What a pipeline offers when it runs nested in another one (`asNode`), and when it is drawn. */
export interface NestedPipeline {
  readonly name: string | undefined;
  /** The id callbacks see for it. */
  readonly id: string;
  readonly nodes: readonly HyperNode[];
  readonly graph: GraphView;
  /** A copy of its bound inputs. */
  readonly boundInputs: Record<string, unknown>;
  readonly cache: Cache | undefined;
  readonly cacheSalt: string | undefined;
  readonly envHash: string;
  readonly events: CallbackDispatcher;
  /** Its plan for a selection of outputs (all when undefined). */
  planFor(outputName: string | readonly string[] | undefined): ExecutionTarget;
}

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
  execute(args: unknown[], scope: import("./engine.js").ExecutionScope): unknown;
  /** A function node's batch implementation, when it has one: `map` then calls `executeBatch` on chunks of items. */
  readonly batch?: Function;
  /** Most items per `executeBatch` call (default: every item of a chunk that missed the cache). */
  readonly batchSize?: number;
  /** Runs many items at once, given one array of values per input in `rootArgs` order; returns one output per item (may be a Promise). */
  executeBatch?(columns: readonly unknown[][]): unknown;
  /** What `codeHash` is made of (own code, each binding its code reads), for `explain` to say what changed. */
  codeParts?(): import("./code-identity.js").CodePart[];
}

import { describeFunction, functionHash, nextHashEpoch, type CodePart, hashValue } from "../identity/code-identity.js";
import { checkName, checkOptions, checkTimeout, describeValue, TAKES } from "./option-checks.js";
import { digest } from "../identity/digest.js";
import { NodeDefinitionError, UnhashableValueError, messageOf } from "./errors.js";
import type { ExecutableNode, HyperNode, Simplify } from "./contracts.js";
import { hasReadableSource, readParameters, type ParameterList, type ParameterStyle } from "./parameters.js";

export type AnyFunction = (...args: any[]) => any;
export type OutputNames = string | readonly string[];

export interface NodeOptions<
  O extends OutputNames = OutputNames,
  I extends readonly string[] = readonly string[],
  F extends AnyFunction = AnyFunction,
> {
  /** Name of the output (or a tuple of names: the function then returns a tuple). Default: the function's name. */
  outputName?: O;
  /** Node name used in callbacks, errors and visualization. Default: the function's name, else the output name. */
  name?: string;
  /** Cache this node's results (default true). */
  cache?: boolean;
  /** Explicit input names, passed positionally in this order, instead of the parameters read from the source. */
  inputs?: I;
  /** Used instead of the source for `codeHash` (bump it to invalidate the cache on purpose). */
  version?: string;
  /**
   * Values or helpers that join `codeHash` besides what the function's code reads (which joins it on
   * its own: closure variables, module bindings, helpers and classes, recursively).
   */
  deps?: unknown[];
  /**
   * The same computation over many items at once, used by `map` on chunks of items. It takes the
   * function's parameters in the same shape (positional, or one object), each holding an array with
   * one entry per item, and returns an array (or typed array) with one output per item — for several
   * outputs, one tuple per item. Its code joins `codeHash`.
   */
  batch?: BatchFunction<F>;
  /** Most items per call of `batch` (default: every item of a map chunk that missed the cache). */
  batchSize?: number;
  /**
   * Milliseconds a call may take (over the `run`/`map` option `timeout`): past it the node fails with a
   * NodeExecutionError whose cause is a TimeoutError, and `currentSignal()` aborts. An async node is
   * no longer waited for; a synchronous one cannot be stopped while it runs (WorkerEngine's can).
   */
  timeout?: number;
}

/**
 * A node's batch implementation: the function's parameters, each an array across items, and one output
 * per item back. A batch function declaring a parameter as one value, where it gets an array, does not
 * compile.
 */
export type BatchFunction<F extends AnyFunction = AnyFunction> = (
  ...columns: BatchColumns<Parameters<F>>
) => ArrayLike<Awaited<ReturnType<F>>> | Promise<ArrayLike<Awaited<ReturnType<F>>>>;

/**
 * One array per parameter. A single object parameter may be destructured (then the batch gets one
 * object of arrays) or not (one array of objects): its type cannot say which, so the column is typed as both.
 */
type BatchColumns<P extends readonly unknown[]> = number extends P["length"]
  ? P[number][][] // rest parameters (with `inputs`): any number of columns of their type
  : P extends [infer Only]
  ? Only extends ValueObject
    ? [column: Only[]]
    : Only extends object
      ? [columns: Only[] & { [K in keyof Only]-?: Only[K][] }]
      : [column: Only[]]
  : { [K in keyof P]-?: ColumnOf<P, K> };

/** A parameter's column: an optional parameter's entries may be undefined (left out for that item). */
type ColumnOf<P, K extends keyof P> = ({} extends Pick<P, K> ? P[K] | undefined : P[K])[];

/** Object types that are one value, not a record of named inputs (a typed array, a Map, a Date…). */
type ValueObject = readonly unknown[] | Function | ArrayBufferView | ArrayBufferLike | Map<unknown, unknown> | Set<unknown> | Date | RegExp | Error | PromiseLike<unknown> | URL;

/** The outputs record of a node whose function is F and whose output names are O. */
export type NodeOutputs<F extends AnyFunction, O extends OutputNames> = string extends O
  ? Record<string, unknown>
  : O extends string
    ? { [K in O]: Awaited<ReturnType<F>> }
    : O extends readonly string[]
      ? TupleOutputs<O, Awaited<ReturnType<F>>>
      : never;

type TupleOutputs<O extends readonly string[], R> = Simplify<{
  [I in keyof O as I extends `${number}` ? O[I] & string : never]: R extends readonly unknown[]
    ? I extends keyof R
      ? R[I]
      : unknown
    : unknown;
}>;

/**
 * Inputs known to the type system: names given `as const`, or a single object parameter's fields
 * (a destructured `({ a, b })`). A single parameter of a built-in object type (a typed array, Map,
 * Date…) is one named value, not fields: its type says nothing about the pipeline's input names.
 */
export type NodeInputs<F extends AnyFunction, I extends readonly string[]> = string extends I[number]
  ? Parameters<F> extends [infer P]
    ? P extends ValueObject
      ? {}
      : P extends object
        ? Partial<P>
        : {}
    : {}
  : Partial<{ [K in keyof I as K extends `${number}` ? I[K] & string : never]: K extends keyof Parameters<F> ? Parameters<F>[K] : unknown }>;

const ASYNC_TAGS = new Set(["[object AsyncFunction]", "[object AsyncGeneratorFunction]"]);

/** A plain function wired into pipelines by the names of its parameters and outputs. */
export class Node<F extends AnyFunction = AnyFunction, O extends OutputNames = OutputNames, I extends readonly string[] = readonly string[]>
  implements ExecutableNode, HyperNode<NodeOutputs<F, O>, NodeInputs<F, I>>
{
  readonly kind = "node";
  readonly func: F;
  readonly name: string;
  readonly outputName: O;
  readonly outputNames: readonly string[];
  readonly rootArgs: string[];
  readonly optionalArgs: ReadonlySet<string>;
  /** Source text of each optional input's default value (for display). */
  readonly defaults: Readonly<Record<string, string>>;
  readonly cache: boolean;
  readonly isAsync: boolean;
  readonly version: string | undefined;
  readonly deps: readonly unknown[];
  readonly batch: BatchFunction<F> | undefined;
  readonly batchSize: number | undefined;
  readonly timeout: number | undefined;
  /** Whether the function takes its inputs as one object (a destructured parameter) or positionally. */
  readonly parameterStyle: ParameterStyle;
  declare readonly __types?: { outputs: NodeOutputs<F, O>; inputs: NodeInputs<F, I> };

  constructor(func: F, options: NodeOptions<O, I, F> = {}) {
    if (typeof func !== "function") throw new NodeDefinitionError(`node() expects a function, got ${describeValue(func)}`);
    if (/^class\b/.test(Function.prototype.toString.call(func))) {
      throw new NodeDefinitionError(`node() expects a function, got the class '${func.name || "anonymous"}': wrap a method or a function that uses it`);
    }
    checkOptions(options, NODE_OPTIONS, `node(${func.name || "anonymous"})`, NodeDefinitionError);
    const fnName = func.name;
    const outputName = options.outputName ?? (fnName || undefined);
    if (outputName === undefined) {
      throw new NodeDefinitionError(
        "node() was given an unnamed function and no outputName: name the function or pass { outputName }",
      );
    }
    const outputNames: readonly string[] = typeof outputName === "string" ? [outputName] : [...outputName];
    this.name = options.name ?? (fnName || outputNames.join(","));
    if (outputNames.length === 0) throw new NodeDefinitionError(`Node '${this.name}': outputName must be a non-empty string or a list of them`);
    for (const output of outputNames) checkName(output, `Node '${this.name}': outputName`, NodeDefinitionError);
    if (new Set(outputNames).size !== outputNames.length) {
      throw new NodeDefinitionError(`Node '${this.name}': outputName lists the same name twice (${outputNames.join(", ")})`);
    }
    this.func = func;
    this.outputName = outputName as O;
    this.outputNames = outputNames;
    this.cache = options.cache ?? true;
    this.version = options.version;
    this.deps = options.deps ?? [];
    this.isAsync = ASYNC_TAGS.has(Object.prototype.toString.call(func));
    this.batch = options.batch;
    this.batchSize = options.batchSize;
    this.#checkBatch();
    checkTimeout(options.timeout, `Node '${this.name}': timeout`, NodeDefinitionError);
    this.timeout = options.timeout;

    let parsed: ParameterList | undefined;
    let sourceReadable = true;
    try {
      parsed = readParameters(func);
      sourceReadable = parsed !== undefined;
    } catch (error) {
      // Readable source with parameters we cannot wire by name (rest, array patterns): `inputs` names them.
      if (!options.inputs) {
        throw new NodeDefinitionError(`Node '${this.name}': ${messageOf(error)}; pass { inputs } to name them`);
      }
    }
    if (!sourceReadable && !options.inputs) {
      throw new NodeDefinitionError(
        `Node '${this.name}': the function's source cannot be read (a bound or native function); pass { inputs } ` +
          `and { version } (or { cache: false })`,
      );
    }
    if (!sourceReadable && this.version === undefined && this.cache) {
      throw new NodeDefinitionError(
        `Node '${this.name}': the function's source cannot be read, so its cache entries could collide with another ` +
          `such function's; pass { version } or { cache: false }`,
      );
    }
    const defaults: Record<string, string> = {};
    if (options.inputs) {
      this.rootArgs = [...options.inputs];
      this.parameterStyle = "positional";
      // Defaults still apply by position when the source shows them.
      if (parsed?.style === "positional") {
        parsed.parameters.forEach((p, i) => {
          const name = this.rootArgs[i];
          if (name !== undefined && p.defaultSource !== undefined) defaults[name] = p.defaultSource;
        });
      }
    } else {
      this.rootArgs = parsed!.parameters.map((p) => p.name);
      this.parameterStyle = parsed!.style;
      for (const p of parsed!.parameters) if (p.defaultSource !== undefined) defaults[p.name] = p.defaultSource;
    }
    for (const input of this.rootArgs) checkName(input, `Node '${this.name}': input`, NodeDefinitionError);
    if (new Set(this.rootArgs).size !== this.rootArgs.length) {
      throw new NodeDefinitionError(`Node '${this.name}': an input name appears twice (${this.rootArgs.join(", ")})`);
    }
    this.defaults = defaults;
    this.optionalArgs = new Set(Object.keys(defaults));
  }

  #checkBatch(): void {
    const { batch, batchSize } = this;
    if (batch === undefined) {
      if (batchSize !== undefined) throw new NodeDefinitionError(`Node '${this.name}': batchSize is given without a batch function`);
      return;
    }
    if (typeof batch !== "function") throw new NodeDefinitionError(`Node '${this.name}': batch must be a function, got ${typeof batch}`);
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
      throw new NodeDefinitionError(`Node '${this.name}': batchSize must be a positive integer, got ${batchSize}`);
    }
    // Same rule as for the function itself: an unreadable batch could share cache entries by accident.
    if (!hasReadableSource(batch) && this.version === undefined && this.cache) {
      throw new NodeDefinitionError(
        `Node '${this.name}': the batch function's source cannot be read (a bound or native function); pass { version } or { cache: false }`,
      );
    }
  }

  /**
   * Hash of what the node computes: its function's identity — normalised source and everything the
   * code can reach, by value (code-identity.ts) — and its batch function's, or `version` instead;
   * then its `deps`. Read fresh each time (engines read it once per call): an edited constant, a
   * reassigned variable, a mutated object the code reads count from the next call on.
   */
  get codeHash(): string {
    nextHashEpoch();
    try {
      const own = this.version !== undefined ? digest(`version:${this.version}`) : this.#functionsHash();
      if (this.deps.length === 0) return own;
      const depHashes = this.deps.map((dep, i) => hashValue(dep, `dependency ${i} of node '${this.name}'`));
      return digest(`${own}|deps:${depHashes.join(",")}`);
    } catch (error) {
      if (!(error instanceof UnhashableValueError)) throw error;
      throw new UnhashableValueError(
        `Node '${this.name}': ${error.message}. Its result could not be told apart from one computed with another value: ` +
          `give the value a cacheKey() method, pass it as an input, make it a stateful() resource, or set the node's { version }`,
        { cause: error },
      );
    }
  }

  /** What the node computes, for hashing it as a value (code that runs it): its code hash and wiring. */
  cacheKey(): string {
    return `node:${this.codeHash}|${JSON.stringify([this.name, this.rootArgs, this.outputNames])}`;
  }

  /** What the code hash is made of now (own code, each binding the code reads), for explain(). */
  codeParts(): CodePart[] {
    if (this.version !== undefined) return [{ label: "version", hash: digest(`version:${this.version}`) }];
    const parts = describeFunction(this.func);
    if (this.batch) parts.push({ label: "batch function", hash: functionHash(this.batch), parts: describeFunction(this.batch) });
    return parts;
  }

  /**
   * Calls the function with its inputs in `rootArgs` order. An input left `undefined` takes the
   * parameter's default (an absent key for object-style functions).
   */
  execute(args: readonly unknown[]): unknown {
    return callWithInputs(this.func, this.parameterStyle, this.rootArgs, args);
  }

  /** The function's identity, and the batch function's when there is one (a node without keeps its own). */
  #functionsHash(): string {
    const single = functionHash(this.func);
    return this.batch ? digest(`${single}|batch:${functionHash(this.batch)}`) : single;
  }

  /**
   * Calls the batch function on a chunk of items, given one array per input in `rootArgs` order,
   * passed positionally or as one object of arrays, the way `execute` passes single values.
   */
  executeBatch(columns: readonly unknown[][]): unknown {
    return callBatchWithInputs(this.batch!, this.parameterStyle, this.rootArgs, columns);
  }

  toString(): string {
    return `Node(${this.name}: (${this.rootArgs.join(", ")}) -> ${this.outputNames.join(", ")})`;
  }
}

/**
 * Calls a node function with its inputs in `names` order, positionally or as one object; an input left
 * `undefined` takes the parameter's default (an absent key for an object-style function). Shared by
 * Node.execute and the worker threads, which receive the function without its Node.
 */
export function callWithInputs(fn: Function, style: ParameterStyle, names: readonly string[], args: readonly unknown[]): unknown {
  if (style === "positional") return fn(...args);
  const input: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== undefined) input[names[i]!] = args[i];
  }
  return fn(input);
}

/** Calls a batch function with one array per input, positionally or as one object of arrays (as callWithInputs passes values). */
export function callBatchWithInputs(fn: Function, style: ParameterStyle, names: readonly string[], columns: readonly unknown[][]): unknown {
  if (style === "positional") return fn(...columns);
  const input: Record<string, unknown[]> = {};
  names.forEach((name, k) => (input[name] = columns[k]!));
  return fn(input);
}

/** T, but not a place TypeScript infers T from (the built-in NoInfer needs TypeScript 5.4). */
type NotInferred<T> = [T][T extends any ? 0 : never];

/** Wraps a plain function as a pipeline node. */
export function node<F extends AnyFunction, const O extends OutputNames = string, const I extends readonly string[] = readonly string[]>(
  fn: F,
  options?: NodeOptions<O, I, NotInferred<F>>,
): Node<F, O, I> {
  return new Node(fn, options);
}

/** The options' shapes (batch, batchSize and timeout are checked where they are used, with the node's name). */
const NODE_OPTIONS = {
  outputName: TAKES.either(TAKES.string, TAKES.list("strings")),
  name: TAKES.name,
  cache: TAKES.boolean,
  inputs: TAKES.list("input names"),
  version: TAKES.string,
  deps: TAKES.list("values"),
  batch: null,
  batchSize: null,
  timeout: null,
};

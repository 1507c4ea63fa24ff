import { hashFunctionSource } from "./code-hash.js";
import { digest } from "./digest.js";
import { NodeDefinitionError, messageOf } from "./errors.js";
import { hashValue } from "./hashing.js";
import { hashReferences } from "./references.js";
import type { ExecutableNode, HyperNode, Simplify } from "./hypernode.js";
import { readParameters, type ParameterList, type ParameterStyle } from "./parameters.js";

export type AnyFunction = (...args: any[]) => any;
export type OutputNames = string | readonly string[];

export interface NodeOptions<O extends OutputNames = OutputNames, I extends readonly string[] = readonly string[]> {
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
  /** Helpers the function calls: their code (functions) or content (values) joins `codeHash`. */
  deps?: unknown[];
}

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

/** Inputs known to the type system: names given `as const`, or a single object parameter's fields. */
export type NodeInputs<F extends AnyFunction, I extends readonly string[]> = string extends I[number]
  ? Parameters<F> extends [infer P]
    ? P extends readonly unknown[] | Function
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
  /** Whether the function takes its inputs as one object (a destructured parameter) or positionally. */
  readonly parameterStyle: ParameterStyle;
  declare readonly __types?: { outputs: NodeOutputs<F, O>; inputs: NodeInputs<F, I> };
  #codeHash: string | undefined;

  constructor(func: F, options: NodeOptions<O, I> = {}) {
    if (typeof func !== "function") {
      throw new NodeDefinitionError(`node() expects a function, got ${func === null ? "null" : typeof func}`);
    }
    const fnName = func.name;
    const outputName = options.outputName ?? (fnName || undefined);
    if (outputName === undefined) {
      throw new NodeDefinitionError(
        "node() was given an unnamed function and no outputName: name the function or pass { outputName }",
      );
    }
    const outputNames: readonly string[] = typeof outputName === "string" ? [outputName] : [...outputName];
    this.name = options.name ?? (fnName || outputNames.join(","));
    if (outputNames.length === 0 || outputNames.some((o) => typeof o !== "string" || o === "")) {
      throw new NodeDefinitionError(`Node '${this.name}': outputName must be a non-empty string or a list of them`);
    }
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
    if (new Set(this.rootArgs).size !== this.rootArgs.length) {
      throw new NodeDefinitionError(`Node '${this.name}': an input name appears twice (${this.rootArgs.join(", ")})`);
    }
    this.defaults = defaults;
    this.optionalArgs = new Set(Object.keys(defaults));
  }

  /**
   * Hash of what the node computes: its normalised source (or `version`), its `deps`, and what its
   * free names resolve to when a reference resolver is set (notebooks). The source part is computed
   * once; the rest on each read (engines read it once per call), so an edited helper counts from the
   * next call on.
   */
  get codeHash(): string {
    const own = (this.#codeHash ??= this.version !== undefined ? digest(`version:${this.version}`) : hashFunctionSource(this.func));
    const references = this.version === undefined ? hashReferences(this.func) : "";
    if (this.deps.length === 0 && !references) return own;
    const depHashes = this.deps.map((dep, i) => hashValue(dep, `dependency ${i} of node '${this.name}'`));
    return digest(`${own}|deps:${depHashes.join(",")}|refs:${references}`);
  }

  /**
   * Calls the function with its inputs in `rootArgs` order. An input left `undefined` takes the
   * parameter's default (an absent key for object-style functions).
   */
  execute(args: readonly unknown[]): unknown {
    if (this.parameterStyle === "positional") return this.func(...args);
    const input: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i++) {
      if (args[i] !== undefined) input[this.rootArgs[i]!] = args[i];
    }
    return this.func(input);
  }

  toString(): string {
    return `Node(${this.name}: (${this.rootArgs.join(", ")}) -> ${this.outputNames.join(", ")})`;
  }
}

/** Wraps a plain function as a pipeline node. */
export function node<F extends AnyFunction, const O extends OutputNames = string, const I extends readonly string[] = readonly string[]>(
  fn: F,
  options?: NodeOptions<O, I>,
): Node<F, O, I> {
  return new Node(fn, options);
}

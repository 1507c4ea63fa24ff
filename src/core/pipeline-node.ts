import { hashValue } from "../identity/code-identity.js";
import { digest } from "../identity/digest.js";
import { MappingError } from "./errors.js";
import { checkName, checkOptions, TAKES } from "./option-checks.js";
import type { ExecutableNode, ExecutionTarget, HyperNode, NestedPipeline, Scope } from "./contracts.js";
import type { MapMode } from "./map-plan.js";

export interface AsNodeOptions<M extends Record<string, string> = Record<string, string>, O extends string | readonly string[] = string | readonly string[]> {
  /** outer name -> inner input name */
  inputMapping?: Record<string, string>;
  /** inner output name -> outer name; when given, only these outputs are exposed (and computed). */
  outputMapping?: M;
  /** Outer list input(s) mapped item by item: the inner pipeline runs once per item, outputs come back as lists. */
  mapOver?: O;
  mapMode?: MapMode;
  /** Default: the inner pipeline's name. */
  name?: string;
  /**
   * Cache the nested pipeline's results as a whole (default: true unless an inner node has
   * `cache: false`); its inner nodes cache on their own either way.
   */
  cache?: boolean;
}

/** Outputs of a nested pipeline node: renamed by outputMapping, lists when mapped over. */
export type PipelineNodeOutputs<Out, M extends Record<string, string>, O> = Listed<
  {} extends M ? Out : { [K in keyof M as M[K] & string]: K extends keyof Out ? Out[K] : unknown },
  [O] extends [never] ? false : true
>;
type Listed<T, L extends boolean> = L extends true ? { [K in keyof T]: T[K][] } : T;

/** A pipeline used as one node of another pipeline (see `Pipeline.asNode`). */
export class PipelineNode<Out extends object = Record<string, unknown>, P extends NestedPipeline = NestedPipeline>
  implements ExecutableNode, HyperNode<Out, {}>
{
  readonly kind = "pipeline";
  /** The inner pipeline (typed as the Pipeline it is when made by `asNode`). */
  readonly pipeline: P;
  readonly name: string;
  readonly cache: boolean;
  readonly inputMapping: Readonly<Record<string, string>>;
  readonly outputMapping: Readonly<Record<string, string>> | undefined;
  readonly mapOver: string[] | undefined;
  readonly mapMode: MapMode;
  /** Outer names of the inputs the inner pipeline needs (bound inner inputs excluded unless mapped). */
  readonly rootArgs: string[];
  readonly optionalArgs: ReadonlySet<string>;
  readonly outputNames: readonly string[];
  declare readonly __types?: { outputs: Out; inputs: {} };
  /** Inner input name of each root arg. */
  readonly #innerArgs: readonly string[];
  /** Inner outputs to compute: the mapped ones, or all. */
  readonly #innerOutputs: readonly string[] | undefined;
  readonly #innerMapOver: readonly string[] | undefined;
  /** The mappings, as hashed. */
  readonly #structure: string;

  constructor(pipeline: P, options: AsNodeOptions<any, any>) {
    checkAsNodeOptions(options);
    this.pipeline = pipeline;
    this.name = options.name ?? pipeline.name ?? "pipeline";
    // Caching the whole nested pipeline would freeze an inner `cache: false` node: off by default then.
    this.cache = options.cache ?? pipeline.graph.executionOrder.every((n) => n.cache);
    this.mapMode = options.mapMode ?? "zip";
    this.inputMapping = { ...(options.inputMapping ?? {}) };
    this.outputMapping = options.outputMapping ? { ...options.outputMapping } : undefined;
    const where = `asNode '${this.name}'`;
    const innerRoot = pipeline.graph.rootArgs;
    const outerOf = new Map<string, string>();
    for (const [outer, inner] of Object.entries(this.inputMapping)) {
      if (!innerRoot.includes(inner)) {
        throw new MappingError(
          `${where}: inputMapping maps '${outer}' to '${inner}', but the inner pipeline has no input '${inner}' ` +
            `(its inputs: ${innerRoot.map((a) => `'${a}'`).join(", ") || "none"})`,
        );
      }
      if (outerOf.has(inner)) throw new MappingError(`${where}: inputMapping maps both '${outerOf.get(inner)}' and '${outer}' to '${inner}'`);
      outerOf.set(inner, outer);
    }
    const bound = pipeline.boundInputs;
    const innerArgs = innerRoot.filter((a) => !Object.hasOwn(bound, a) || outerOf.has(a));
    this.#innerArgs = innerArgs;
    this.rootArgs = innerArgs.map((a) => outerOf.get(a) ?? a);
    // Optional: the inner default applies, or the inner bound value does.
    this.optionalArgs = new Set(
      innerArgs.filter((a) => pipeline.graph.optionalArgs.has(a) || Object.hasOwn(bound, a)).map((a) => outerOf.get(a) ?? a),
    );

    const available = pipeline.graph.availableOutputNames;
    if (this.outputMapping) {
      for (const inner of Object.keys(this.outputMapping)) {
        if (!available.includes(inner)) {
          throw new MappingError(
            `${where}: outputMapping names '${inner}', but the inner pipeline has no output '${inner}' ` +
              `(its outputs: ${available.map((a) => `'${a}'`).join(", ") || "none"})`,
          );
        }
      }
      this.#innerOutputs = Object.keys(this.outputMapping);
      this.outputNames = Object.values(this.outputMapping);
      const twice = this.outputNames.find((o, i) => this.outputNames.indexOf(o) !== i);
      if (twice !== undefined) throw new MappingError(`${where}: outputMapping maps two inner outputs to '${twice}'`);
    } else {
      this.#innerOutputs = undefined;
      this.outputNames = available;
    }

    if (options.mapOver !== undefined) {
      const mapOver: string[] = typeof options.mapOver === "string" ? [options.mapOver] : [...options.mapOver];
      for (const name of mapOver) {
        if (!this.rootArgs.includes(name)) {
          throw new MappingError(
            `${where}: mapOver names '${name}', which is not one of its inputs ` +
              `(${this.rootArgs.map((a) => `'${a}'`).join(", ") || "none"}; mapOver uses outer names)`,
          );
        }
      }
      this.mapOver = mapOver;
      this.#innerMapOver = mapOver.map((outer) => this.#innerArgs[this.rootArgs.indexOf(outer)]!);
    } else {
      this.mapOver = undefined;
      this.#innerMapOver = undefined;
    }
    this.#structure = JSON.stringify([this.inputMapping, this.outputMapping ?? null, this.mapOver ?? null, this.mapMode]);
  }

  get outputName(): string | readonly string[] {
    return this.outputNames.length === 1 ? this.outputNames[0]! : this.outputNames;
  }

  get boundInputs(): Record<string, unknown> {
    return this.pipeline.boundInputs;
  }

  /** Inputs the outer pipeline must supply (optional ones excluded). */
  get unfulfilledArgs(): string[] {
    return this.rootArgs.filter((a) => !this.optionalArgs.has(a));
  }

  /**
   * The inner nodes' code hashes and wiring, the mappings, and the inner bound inputs' values.
   * Recomputed on each read (engines read it once per call): a rebind or an in-place edit of a bound
   * value at any depth changes it.
   */
  get codeHash(): string {
    const inner = this.pipeline.graph.executionOrder.map((n) => [n.codeHash, n.rootArgs, n.outputNames]);
    const bound = hashValue(this.pipeline.boundInputs, `bound inputs of '${this.name}'`);
    return digest(`pipeline|${this.#structure}|${JSON.stringify(inner)}|${bound}`);
  }

  /** What the node computes, for hashing it as a value: its code hash (inner nodes, wiring, bound inputs) and name. */
  cacheKey(): string {
    return `pipeline-node:${this.codeHash}|${JSON.stringify([this.name, this.rootArgs, this.outputNames])}`;
  }

  /** @internal The inner pipeline's inputs for the outer `args` (in rootArgs order), and its plan. */
  innerCall(args: readonly unknown[]): { inputs: Record<string, unknown>; plan: ExecutionTarget } {
    const inputs = this.pipeline.boundInputs;
    for (let i = 0; i < args.length; i++) {
      const outer = this.rootArgs[i]!;
      if (args[i] !== undefined || !this.optionalArgs.has(outer)) inputs[this.#innerArgs[i]!] = args[i];
    }
    return { inputs, plan: this.pipeline.planFor(this.#innerOutputs) };
  }

  /** Runs the inner pipeline (mapped when `mapOver`) on the outer scope's engine, cache and callbacks. */
  async execute(args: unknown[], scope: Scope): Promise<unknown> {
    const { inputs, plan } = this.innerCall(args);
    const inner = scope.child(this.name, this.pipeline);
    const innerNames = this.#innerOutputs ?? this.outputNames;
    let values: unknown[];
    if (this.#innerMapOver) {
      const rows = await scope.engine.map(plan, inputs, { scope: inner, mapOver: this.#innerMapOver, mapMode: this.mapMode });
      values = innerNames.map((name) => rows.map((row) => row[name]));
    } else {
      const outputs = await scope.engine.run(plan, inputs, { scope: inner });
      values = innerNames.map((name) => outputs[name]);
    }
    return values.length === 1 ? values[0] : values;
  }

  toString(): string {
    return `PipelineNode(${this.name}: (${this.rootArgs.join(", ")}) -> ${this.outputNames.join(", ")})`;
  }
}

const AS_NODE_OPTIONS = {
  inputMapping: TAKES.record("outer name → inner input name"),
  outputMapping: TAKES.record("inner output name → outer name"),
  mapOver: TAKES.either(TAKES.name, TAKES.list("input names")),
  mapMode: TAKES.oneOf("zip", "product"),
  name: TAKES.name,
  cache: TAKES.boolean,
};

/** The options' shapes, and every name in the mappings, before the mappings are read. */
function checkAsNodeOptions(options: AsNodeOptions<any, any>): void {
  checkOptions(options, AS_NODE_OPTIONS, "asNode", MappingError);
  for (const mapping of ["inputMapping", "outputMapping"] as const) {
    for (const [from, to] of Object.entries(options[mapping] ?? {})) {
      checkName(from, `asNode: ${mapping} name`, MappingError);
      checkName(to, `asNode: ${mapping} '${from}' →`, MappingError);
    }
  }
  if (Array.isArray(options.mapOver)) for (const name of options.mapOver) checkName(name, "asNode: mapOver", MappingError);
}

import { MissingInputError } from "./errors.js";
import type { Graph } from "./graph.js";
import { hashValue } from "./hashing.js";
import type { ExecutableNode } from "./hypernode.js";
import { DEFAULT_INPUT_HASH, nodeSignature } from "./signature.js";

/** One node of a plan, with the slots it reads its inputs from and writes its outputs to. */
export interface Step {
  readonly node: ExecutableNode;
  readonly index: number;
  readonly argSlots: readonly number[];
  readonly outSlots: readonly number[];
}

/**
 * A pipeline compiled for one selection of outputs: the nodes to run in order, and every value
 * (root input or output) given a numbered slot, so executing an item is array reads and writes.
 * Root inputs take the first slots. Compiled once per pipeline and selection, then reused.
 */
export class ExecutionPlan {
  readonly steps: readonly Step[];
  /** Root inputs the selected nodes read, in slot order. */
  readonly rootArgs: readonly string[];
  readonly #optional: readonly boolean[];
  readonly #slotCount: number;
  /** [output name, slot] of what a run returns. */
  readonly #returned: readonly (readonly [string, number])[];

  constructor(graph: Graph, outputNames: readonly string[] | undefined) {
    const nodes = graph.nodesFor(outputNames) as ExecutableNode[];
    this.rootArgs = graph.rootArgsOf(nodes);
    const optionalFor = (arg: string) => nodes.every((n) => !n.rootArgs.includes(arg) || n.optionalArgs.has(arg));
    this.#optional = this.rootArgs.map(optionalFor);
    const slots = new Map<string, number>(this.rootArgs.map((a, i) => [a, i]));
    for (const n of nodes) for (const out of n.outputNames) slots.set(out, slots.size);
    this.#slotCount = slots.size;
    this.steps = nodes.map((node, index) => ({
      node,
      index,
      argSlots: node.rootArgs.map((a) => slots.get(a)!),
      outSlots: node.outputNames.map((o) => slots.get(o)!),
    }));
    const returned = outputNames ?? nodes.flatMap((n) => [...n.outputNames]);
    this.#returned = returned.map((name) => [name, slots.get(name)!] as const);
  }

  /** Throws MissingInputError if a required root input is absent from `inputs`. */
  checkInputs(inputs: Record<string, unknown>, where = ""): void {
    const missing = this.rootArgs.filter((a, i) => !this.#optional[i] && !Object.hasOwn(inputs, a));
    if (missing.length) throw new MissingInputError(missing, where);
  }

  /**
   * The state every item starts from: root inputs read from `inputs` (names in `perItem` are filled
   * per item by `forItem`). `hashing` prepares signature computation (only when a cache is used).
   */
  initialState(inputs: Record<string, unknown>, hashing: boolean, perItem: readonly string[] = []): ItemState {
    const values = new Array<unknown>(this.#slotCount);
    const hashes = hashing ? new Array<string | undefined>(this.#slotCount) : undefined;
    const mappedSlots: number[] = [];
    this.rootArgs.forEach((arg, slot) => {
      if (perItem.includes(arg)) mappedSlots[perItem.indexOf(arg)] = slot;
      else if (Object.hasOwn(inputs, arg)) {
        values[slot] = inputs[arg];
        // Hashed once here, so a fixed input of a map is hashed once, not per item.
        if (hashes) hashes[slot] = hashValue(inputs[arg], `input '${arg}'`);
      } else if (hashes) hashes[slot] = DEFAULT_INPUT_HASH;
    });
    return new ItemState(this, values, hashes, mappedSlots);
  }

  /** The outputs record of a finished item. */
  outputsOf(state: ItemState): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, slot] of this.#returned) out[name] = state.values[slot];
    return out;
  }

  get returnedNames(): string[] {
    return this.#returned.map(([name]) => name);
  }
}

/** The values (and, with a cache, the hashes and signatures) of one run or map item. */
export class ItemState {
  /** Nodes executed (not served from the cache) for this item. */
  executed = 0;
  /** Cache hits prefetched for this item's signatures. */
  prefetched: Map<string, unknown> | undefined;
  readonly signatures: (string | undefined)[] | undefined;

  constructor(
    readonly plan: ExecutionPlan,
    readonly values: unknown[],
    readonly hashes: (string | undefined)[] | undefined,
    readonly mappedSlots: readonly number[],
  ) {
    this.signatures = hashes ? new Array(plan.steps.length) : undefined;
  }

  /** A copy of this (initial) state for one map item, with its mapped values. Fixed inputs' hashes are shared. */
  forItem(mapped: readonly unknown[]): ItemState {
    const values = this.values.slice();
    const hashes = this.hashes?.slice();
    for (let k = 0; k < this.mappedSlots.length; k++) values[this.mappedSlots[k]!] = mapped[k];
    return new ItemState(this.plan, values, hashes, this.mappedSlots);
  }

  /** The inputs of a step, in the node's rootArgs order. */
  argsOf(step: Step): unknown[] {
    const args = new Array<unknown>(step.argSlots.length);
    for (let i = 0; i < args.length; i++) args[i] = this.values[step.argSlots[i]!];
    return args;
  }

  /**
   * The step's signature (computed once). Mapped root inputs are hashed by value on first use; outputs
   * carry the signature of the step that produces them, so signatures of a whole item are known
   * before anything runs — which is what lets a map prefetch its cache hits in one query.
   */
  signatureOf(step: Step, envHash: string): string {
    const known = this.signatures![step.index];
    if (known !== undefined) return known;
    // Upstream steps come earlier in the plan: sign them first so their outputs' hashes exist.
    for (let i = 0; i < step.index; i++) {
      if (this.signatures![i] === undefined) this.signatureOf(this.plan.steps[i]!, envHash);
    }
    const hashes = this.hashes!;
    const argHashes = step.argSlots.map((slot): string => {
      let h = hashes[slot];
      if (h === undefined) {
        h = hashValue(this.values[slot], `input '${this.plan.rootArgs[slot]}'`); // a mapped root input
        hashes[slot] = h;
      }
      return h;
    });
    const signature = nodeSignature(step.node.codeHash, envHash, step.node.rootArgs, argHashes);
    this.signatures![step.index] = signature;
    const multi = step.outSlots.length > 1;
    step.outSlots.forEach((slot, k) => (hashes[slot] = multi ? `${signature}#${k}` : signature));
    return signature;
  }

  /** The hashes the step's signature was made of, in rootArgs order (after signatureOf). */
  argHashesOf(step: Step): string[] {
    return step.argSlots.map((slot) => this.hashes![slot]!);
  }

  /** Every step's signature, in order. */
  allSignatures(envHash: string): string[] {
    return this.plan.steps.map((step) => this.signatureOf(step, envHash));
  }
}

import { hashValue } from "../identity/code-identity.js";
import { HyperNodesError, MapInputError, MissingInputError } from "./errors.js";
import type { Graph } from "./graph.js";
import type { ExecutableNode, ExecutionTarget } from "./contracts.js";
import { DEFAULT_INPUT_HASH, SignatureMemo } from "../identity/signature.js";
import type { Node } from "./node.js";
import { Stateful } from "./stateful.js";

const NO_CODE_HASHES: readonly string[] = [];

/** One node of a plan, with the slots it reads its inputs from and writes its outputs to. */
export interface Step {
  readonly node: ExecutableNode;
  readonly index: number;
  readonly argSlots: readonly number[];
  readonly outSlots: readonly number[];
  /**
   * Downstream of a `cache: false` node: its signature needs that node's fresh output (hashed by
   * value), so it is known only once the item runs — it cannot be prefetched.
   */
  readonly deferred: boolean;
  /** A `cache: false` step whose outputs a cached step reads: they are hashed by value after it runs. */
  readonly hashOutputs: boolean;
  /**
   * The node's own function when calling it with the inputs in order is all the node does (a function
   * node with positional parameters and no timeout of its own), for calls that need nothing around it.
   */
  readonly direct: Function | undefined;
  /** Its recent signatures (for cached steps). */
  readonly signatures: SignatureMemo;
}

/**
 * A pipeline compiled for one selection of outputs: the nodes to run in order, and every value
 * (root input or output) given a numbered slot, so executing an item is array reads and writes.
 * Root inputs take the first slots. Compiled once per pipeline and selection, then reused. It is what
 * a pipeline hands its engine, so execution never calls back into the pipeline.
 */
export class ExecutionPlan implements ExecutionTarget {
  readonly kind = "plan";
  readonly steps: readonly Step[];
  readonly nodes: readonly ExecutableNode[];
  /** Steps whose node has a batch implementation, in order: a map runs them over chunks of items. */
  readonly batchSteps: readonly Step[];
  /** Root inputs the selected nodes read, in slot order. */
  readonly rootArgs: readonly string[];
  readonly #optional: ReadonlySet<string>;
  /** Root inputs some cached node reads: only these are ever hashed. */
  readonly #hashedRoots: ReadonlySet<string>;
  readonly #slotCount: number;
  /** The step producing each slot (undefined for root inputs). */
  readonly producers: readonly (Step | undefined)[];
  /** [output name, slot] of what a run returns. */
  readonly #returned: readonly (readonly [string, number])[];

  constructor(
    graph: Graph,
    /** The outputs selected (undefined: every node's). */
    readonly outputNames: readonly string[] | undefined,
    /** The pipeline it was compiled from, for engines that must find it again elsewhere (BullMQ workers). */
    readonly source: object,
  ) {
    const nodes = graph.nodesFor(outputNames) as ExecutableNode[];
    this.nodes = nodes;
    this.rootArgs = graph.rootArgsOf(nodes);
    this.#optional = graph.optionalArgsOf(nodes);
    this.#hashedRoots = new Set(nodes.filter((n) => n.cache).flatMap((n) => n.rootArgs));
    const slots = new Map<string, number>(this.rootArgs.map((a, i) => [a, i]));
    for (const n of nodes) for (const out of n.outputNames) slots.set(out, slots.size);
    this.#slotCount = slots.size;
    const deferredOutputs = new Set<string>();
    const readByCached = new Set(nodes.filter((n) => n.cache).flatMap((n) => n.rootArgs));
    // Signatures kept per plan: up to 65,536 in all, and at least 1,024 per step.
    const memoLimit = Math.max(1024, Math.floor(65_536 / Math.max(1, nodes.length)));
    this.steps = nodes.map((node, index) => {
      const deferred = node.rootArgs.some((a) => deferredOutputs.has(a));
      if (deferred || !node.cache) for (const out of node.outputNames) deferredOutputs.add(out);
      return {
        node,
        index,
        argSlots: node.rootArgs.map((a) => slots.get(a)!),
        outSlots: node.outputNames.map((o) => slots.get(o)!),
        deferred,
        hashOutputs: !node.cache && node.outputNames.some((o) => readByCached.has(o)),
        direct: directFunction(node),
        signatures: new SignatureMemo(memoLimit),
      };
    });
    this.batchSteps = this.steps.filter((step) => step.node.batch !== undefined);
    const producers = new Array<Step | undefined>(this.#slotCount);
    for (const step of this.steps) for (const slot of step.outSlots) producers[slot] = step;
    this.producers = producers;
    const returned = outputNames ?? nodes.flatMap((n) => [...n.outputNames]);
    this.#returned = returned.map((name) => [name, slots.get(name)!] as const);
  }

  /** Rejects mapOver names that the planned nodes do not read. */
  checkMapOver(names: readonly string[]): void {
    const unknown = names.filter((n) => !this.rootArgs.includes(n));
    if (unknown.length) {
      throw new MapInputError(
        `mapOver names ${unknown.map((u) => `'${u}'`).join(", ")}, which no node reads; ` +
          `the inputs are: ${this.rootArgs.map((a) => `'${a}'`).join(", ") || "(none)"}`,
      );
    }
  }

  /** Throws MissingInputError if a required root input is absent from `inputs`. */
  checkInputs(inputs: Record<string, unknown>): void {
    for (const a of this.rootArgs) {
      if (!Object.hasOwn(inputs, a) && !this.#optional.has(a)) {
        throw new MissingInputError(this.rootArgs.filter((b) => !this.#optional.has(b) && !Object.hasOwn(inputs, b)));
      }
    }
  }

  /**
   * The state every item starts from: root inputs read from `inputs` (names in `perItem` are filled
   * per item by `forItem`). `hashing` prepares signatures (only when a cache is used): fixed inputs
   * are hashed here, once per call, and each node's code hash is read once per call (so a rebound
   * nested pipeline or an edited `deps` value counts from the next call on).
   */
  initialState(inputs: Record<string, unknown>, hashing: boolean, perItem: readonly string[] = []): ItemState {
    const values = new Array<unknown>(this.#slotCount);
    const hashes = hashing ? new Array<string | undefined>(this.#slotCount) : undefined;
    const mappedSlots: number[] = [];
    for (let slot = 0; slot < this.rootArgs.length; slot++) {
      const arg = this.rootArgs[slot]!;
      const mapped = perItem.length ? perItem.indexOf(arg) : -1;
      if (mapped >= 0) mappedSlots[mapped] = slot;
      else if (Object.hasOwn(inputs, arg)) {
        values[slot] = inputs[arg];
        if (hashes && this.#hashedRoots.has(arg)) hashes[slot] = hashValue(inputs[arg], `input '${arg}'`);
      } else if (hashes) hashes[slot] = DEFAULT_INPUT_HASH;
    }
    const codeHashes = hashing ? this.steps.map((s) => (s.node.cache ? s.node.codeHash : "")) : NO_CODE_HASHES;
    return new ItemState(this, values, hashes, mappedSlots, codeHashes, undefined);
  }

  /** The outputs record of a finished item. */
  outputsOf(state: ItemState): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const returned = this.#returned;
    for (let i = 0; i < returned.length; i++) out[returned[i]![0]] = state.values[returned[i]![1]];
    return out;
  }

  /** Fills a finished item's output slots from an outputs record (an item that ran elsewhere). */
  storeOutputs(state: ItemState, outputs: Record<string, unknown>): void {
    for (const [name, slot] of this.#returned) state.values[slot] = outputs[name];
  }
}

/** The values (and, with a cache, the hashes and signatures) of one run or map item. */
export class ItemState {
  /** Nodes executed (not served from the cache) for this item. */
  executed = 0;
  /** Cache hits prefetched for this item's signatures. */
  prefetched: Map<string, unknown> | undefined;
  /** When the map item started (for onMapItemEnd's duration). */
  startedAt = 0;
  readonly signatures: (string | undefined)[] | undefined;

  constructor(
    readonly plan: ExecutionPlan,
    readonly values: unknown[],
    readonly hashes: (string | undefined)[] | undefined,
    readonly mappedSlots: readonly number[],
    readonly codeHashes: readonly string[],
    /** The map item this state is for (undefined in a run). */
    readonly itemIndex: number | undefined,
  ) {
    this.signatures = hashes ? new Array(plan.steps.length) : undefined;
  }

  /**
   * Replaces stateful resource handles among the fixed inputs with the resources themselves (created
   * on first use). Their hashes were taken from the handles' keys before.
   */
  resolveResources(): Promise<void> | undefined {
    for (let slot = 0; slot < this.plan.rootArgs.length; slot++) {
      if (this.values[slot] instanceof Stateful) return this.#resolveFrom(slot);
    }
    return undefined;
  }

  async #resolveFrom(first: number): Promise<void> {
    for (let slot = first; slot < this.plan.rootArgs.length; slot++) {
      const value = this.values[slot];
      if (value instanceof Stateful) this.values[slot] = await value.get();
    }
  }

  /** A copy of this (initial) state for map item `index`, with its mapped values. Fixed inputs' hashes are shared. */
  forItem(index: number, mapped: readonly unknown[]): ItemState {
    const values = this.values.slice();
    const hashes = this.hashes?.slice();
    for (let k = 0; k < this.mappedSlots.length; k++) values[this.mappedSlots[k]!] = mapped[k];
    return new ItemState(this.plan, values, hashes, this.mappedSlots, this.codeHashes, index);
  }

  /** The inputs of a step, in the node's rootArgs order. */
  argsOf(step: Step): unknown[] {
    const args = new Array<unknown>(step.argSlots.length);
    for (let i = 0; i < args.length; i++) args[i] = this.values[step.argSlots[i]!];
    return args;
  }

  /**
   * A cached step's signature (computed once). Mapped root inputs are hashed by value on first use;
   * a cached step's outputs carry its signature, so the signatures of an item's non-deferred steps
   * are known before anything runs — which is what lets a map prefetch its hits in one query.
   */
  signatureOf(step: Step, envHash: string): string {
    const known = this.signatures![step.index];
    if (known !== undefined) return known;
    const hashes = this.hashes!;
    const argHashes = step.argSlots.map((slot, k): string => {
      let h = hashes[slot];
      if (h === undefined) {
        const producer = this.plan.producers[slot];
        // An upstream cached step not signed yet: sign it first (it comes earlier in the plan).
        if (producer) return (this.signatureOf(producer, envHash), hashes[slot]!);
        const where = this.itemIndex === undefined ? "" : ` of map item ${this.itemIndex}`;
        h = hashValue(this.values[slot], `input '${step.node.rootArgs[k]}'${where}`);
        hashes[slot] = h;
      }
      return h;
    });
    const signature = step.signatures.signature(this.codeHashes[step.index]!, envHash, step.node.rootArgs, argHashes);
    this.signatures![step.index] = signature;
    const multi = step.outSlots.length > 1;
    step.outSlots.forEach((slot, k) => (hashes[slot] = multi ? `${signature}#${k}` : signature));
    return signature;
  }

  /** After a `cache: false` step ran: its outputs are hashed by value for the cached steps downstream. */
  hashOutputsByValue(step: Step): void {
    if (!this.hashes || !step.hashOutputs) return;
    step.outSlots.forEach((slot, k) => {
      this.hashes![slot] = hashValue(this.values[slot], `output '${step.node.outputNames[k]}' of uncached node '${step.node.name}'`);
    });
  }

  /** The hashes a step's signature was made of, in rootArgs order (after signatureOf). */
  argHashesOf(step: Step): string[] {
    return step.argSlots.map((slot) => this.hashes![slot]!);
  }

  /** Signatures of the cached steps that can be known before the item runs. */
  knownSignatures(envHash: string): string[] {
    const out: string[] = [];
    for (const step of this.plan.steps) if (step.node.cache && !step.deferred) out.push(this.signatureOf(step, envHash));
    return out;
  }
}

function directFunction(node: ExecutableNode): Function | undefined {
  if (node.kind !== "node" || node.timeout !== undefined) return undefined;
  const { func, parameterStyle } = node as Node;
  return parameterStyle === "positional" ? func : undefined;
}

/** The plan a built-in engine was handed (a pipeline hands its engine its ExecutionPlan). */
export function planOf(target: ExecutionTarget): ExecutionPlan {
  if (target instanceof ExecutionPlan) return target;
  throw new HyperNodesError("an engine was given something other than a pipeline's plan: engines get what the pipeline hands them, forwarded unchanged");
}

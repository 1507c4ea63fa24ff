import { CycleError, DuplicateOutputError, UnknownOutputError } from "./errors.js";
import type { HyperNode } from "./contracts.js";

/**
 * The DAG of a pipeline, built from names: a node's input that another node outputs is an edge from
 * that node; every other input is a root input of the pipeline. Built once per pipeline; the node
 * subsets that selective outputs need are memoised.
 */
export class Graph {
  /** All nodes in a topological order, stable with respect to the order they were given in. */
  readonly executionOrder: HyperNode[];
  /** Inputs no node produces, in order of first use. */
  readonly rootArgs: string[];
  /** Root args that every node using them can do without (they all have a default). */
  readonly optionalArgs: ReadonlySet<string>;
  /** Every output name, in execution order. */
  readonly availableOutputNames: string[];
  /** Which node produces each output. */
  readonly producers: ReadonlyMap<string, HyperNode>;
  /** For each node, the nodes whose outputs it consumes. */
  readonly upstream: ReadonlyMap<HyperNode, readonly HyperNode[]>;
  readonly #subsets = new Map<string, HyperNode[]>();

  constructor(nodes: readonly HyperNode[]) {
    const producers = new Map<string, HyperNode>();
    for (const n of nodes) {
      for (const out of n.outputNames) {
        const other = producers.get(out);
        if (other) throw new DuplicateOutputError(out, [other.name, n.name]);
        producers.set(out, n);
      }
    }
    this.producers = producers;

    const upstream = new Map<HyperNode, HyperNode[]>();
    for (const n of nodes) {
      const deps: HyperNode[] = [];
      for (const arg of n.rootArgs) {
        const p = producers.get(arg);
        if (p && !deps.includes(p)) deps.push(p);
      }
      upstream.set(n, deps);
    }
    this.upstream = upstream;
    this.executionOrder = topologicalOrder(nodes, upstream);
    this.availableOutputNames = this.executionOrder.flatMap((n) => [...n.outputNames]);

    this.rootArgs = this.rootArgsOf(nodes);
    this.optionalArgs = this.optionalArgsOf(nodes);
  }

  /**
   * The nodes needed to produce `outputNames` (all nodes when undefined), in execution order.
   * Throws UnknownOutputError naming the available outputs.
   */
  nodesFor(outputNames: readonly string[] | undefined): HyperNode[] {
    if (outputNames === undefined) return this.executionOrder;
    const key = outputNames.join("\u0000");
    let subset = this.#subsets.get(key);
    if (subset) return subset;
    const unknown = outputNames.filter((o) => !this.producers.has(o));
    if (unknown.length) throw new UnknownOutputError(unknown, this.availableOutputNames);
    const needed = new Set<HyperNode>();
    const visit = (n: HyperNode) => {
      if (needed.has(n)) return;
      needed.add(n);
      for (const u of this.upstream.get(n)!) visit(u);
    };
    for (const o of outputNames) visit(this.producers.get(o)!);
    subset = this.executionOrder.filter((n) => needed.has(n));
    this.#subsets.set(key, subset);
    return subset;
  }

  /** Root args that the given nodes read, in order of first use. */
  rootArgsOf(nodes: readonly HyperNode[]): string[] {
    const used = new Set<string>();
    for (const n of nodes) for (const a of n.rootArgs) if (!this.producers.has(a)) used.add(a);
    return [...used];
  }

  /** Root args of the given nodes that every one of them reading it can do without (a default). */
  optionalArgsOf(nodes: readonly HyperNode[]): ReadonlySet<string> {
    const required = new Set<string>();
    for (const n of nodes) for (const a of n.rootArgs) if (!n.optionalArgs.has(a)) required.add(a);
    return new Set(this.rootArgsOf(nodes).filter((a) => !required.has(a)));
  }
}

/** Kahn's algorithm, always taking the earliest-listed ready node; a leftover means a cycle. */
function topologicalOrder(nodes: readonly HyperNode[], upstream: ReadonlyMap<HyperNode, readonly HyperNode[]>): HyperNode[] {
  const order: HyperNode[] = [];
  const done = new Set<HyperNode>();
  let progressed = true;
  while (order.length < nodes.length && progressed) {
    progressed = false;
    for (const n of nodes) {
      if (done.has(n)) continue;
      if (upstream.get(n)!.every((u) => done.has(u))) {
        order.push(n);
        done.add(n);
        progressed = true;
        break;
      }
    }
  }
  if (order.length < nodes.length) throw new CycleError(findCycle(nodes.filter((n) => !done.has(n)), upstream));
  return order;
}

/** Names the nodes of one cycle among the nodes that could not be ordered, closing the loop. */
function findCycle(stuck: readonly HyperNode[], upstream: ReadonlyMap<HyperNode, readonly HyperNode[]>): string[] {
  const stuckSet = new Set(stuck);
  const path: HyperNode[] = [];
  let current = stuck[0]!;
  while (!path.includes(current)) {
    path.push(current);
    current = upstream.get(current)!.find((u) => stuckSet.has(u))!;
  }
  const cycle = path.slice(path.indexOf(current));
  // Report in data-flow order: producer before consumer.
  return [...cycle.reverse(), cycle[0]!].map((n) => n.name);
}

import { HyperNodesError } from "../core/errors.js";
import { clip, shortRepr } from "../core/value-text.js";
import { checkOptions, TAKES } from "../core/option-checks.js";
import type { HyperNode, NestedPipeline } from "../core/contracts.js";
import type { DagDrawOptions, ItemCounts, NodeState, NodeStatus, RunStatus, VizEdge, VizModel, VizNode, VizNodeKind } from "../notebook/notebook-protocol.js";
import { Node } from "../core/node.js";
import { PipelineNode } from "../core/pipeline-node.js";

export interface VizOptions extends Partial<DagDrawOptions> {
  /** 1 (default) draws nested pipelines as one node; 2 expands one level into a cluster; Infinity expands all. */
  depth?: number;
}

// The model's data is what our dag+json output carries: its types are the notebook protocol's.
export type { VizNodeKind, VizNode, VizEdge, NodeState, ItemCounts, NodeStatus, RunStatus, VizModel };

export type ResolvedVizOptions = Required<VizOptions>;

const ORIENTS = ["TB", "LR", "BT", "RL"];

export function resolveOptions(options: VizOptions = {}): ResolvedVizOptions {
  checkOptions(options, { depth: null, orient: null, theme: null, separateOutputs: TAKES.boolean, showTypes: TAKES.boolean, showLegend: TAKES.boolean }, "visualize");
  const resolved: ResolvedVizOptions = {
    depth: options.depth ?? 1,
    orient: options.orient ?? "TB",
    separateOutputs: options.separateOutputs ?? false,
    showTypes: options.showTypes ?? false,
    theme: options.theme ?? "light",
    showLegend: options.showLegend ?? false,
  };
  if (!(resolved.depth >= 1) || (!Number.isInteger(resolved.depth) && resolved.depth !== Infinity)) {
    throw new HyperNodesError(`visualize: depth must be an integer ≥ 1 or Infinity, got ${String(resolved.depth)}`);
  }
  if (!ORIENTS.includes(resolved.orient)) {
    throw new HyperNodesError(`visualize: orient must be one of ${ORIENTS.join(", ")}, got ${String(resolved.orient)}`);
  }
  if (resolved.theme !== "light" && resolved.theme !== "dark") {
    throw new HyperNodesError(`visualize: theme must be "light" or "dark", got ${String(resolved.theme)}`);
  }
  return resolved;
}

/** Where a name's value comes from at one level, and the names it went by (renames) on the way. */
interface Source {
  id: string;
  names: string[];
}

/**
 * Builds the full drawn graph of a pipeline: inputs, nodes, outputs and every nested pipeline
 * expanded into a cluster of its inner nodes. `viewModel` (viz-view.ts) collapses it to a depth, or
 * to whatever a reader expanded: node ids are the same in every view.
 */
export function buildModel(pipeline: NestedPipeline, options: ResolvedVizOptions): VizModel {
  const nodes: VizNode[] = [];
  const edges: VizEdge[] = [];
  const edgeIndex = new Map<string, VizEdge>();
  const usedIds = new Set<string>();

  const add = (prefix: string, node: Omit<VizNode, "id">): string => {
    const base = `${prefix}_${node.path.map((p) => p.replace(/[^A-Za-z0-9_]/g, "_")).join("__")}`;
    let id = base;
    for (let k = 2; usedIds.has(id); k++) id = `${base}_${k}`;
    usedIds.add(id);
    nodes.push({ id, ...node });
    return id;
  };
  // One edge per pair: a node reading two outputs of one producer gets one arrow.
  const connect = (source: Source, to: string, innerName?: string) => {
    const names = innerName === undefined ? source.names : renamed(source.names, innerName);
    const label = names.length > 1 ? names.join(" → ") : undefined;
    const key = `${source.id}\u0000${to}`;
    const existing = edgeIndex.get(key);
    if (!existing) {
      const edge: VizEdge = label ? { from: source.id, to, label } : { from: source.id, to };
      edgeIndex.set(key, edge);
      edges.push(edge);
    } else if (label) existing.label = existing.label ? `${existing.label}\n${label}` : label;
  };
  const inputNode = (
    name: string,
    path: string[],
    parent: string | undefined,
    bound: Record<string, unknown>,
    consumers: readonly HyperNode[],
    optional: boolean,
  ) => {
    const node: Omit<VizNode, "id"> = { kind: "input", name, path };
    if (parent) node.parent = parent;
    if (Object.hasOwn(bound, name)) {
      node.bound = shortRepr(bound[name], MAX_REPR);
      node.type = typeName(bound[name]);
    } else if (optional) {
      node.optional = true;
      const source = defaultOf(consumers, name);
      if (source !== undefined) node.default = source;
    }
    return add("in", node);
  };

  /** Draws one pipeline level; returns every name available there (sources and outputs). */
  const level = (
    order: readonly HyperNode[],
    path: string[],
    parent: string | undefined,
    sources: Map<string, Source>,
  ) => {
    const available = new Map(sources);
    for (const n of order) {
      const nodePath = [...path, n.name];
      const base = parent ? { path: nodePath, parent } : { path: nodePath };
      if (n instanceof PipelineNode) {
        const id = add("pl", {
          kind: "pipeline",
          name: n.name,
          ...base,
          inputs: [...n.rootArgs],
          outputs: [...n.outputNames],
          expanded: true,
          ...mapInfo(n),
        });
        const inner = n.pipeline;
        const innerBound = inner.boundInputs;
        const outerOf = new Map(Object.entries(n.inputMapping).map(([outer, innerName]) => [innerName, outer]));
        const innerSources = new Map<string, Source>();
        for (const arg of inner.graph.rootArgs) {
          // Same rule as PipelineNode: an inner bound input is fed from outside only when mapped.
          const fromOutside = !Object.hasOwn(innerBound, arg) || outerOf.has(arg);
          const outer = available.get(outerOf.get(arg) ?? arg);
          innerSources.set(
            arg,
            fromOutside && outer
              ? { id: outer.id, names: renamed(outer.names, arg) }
              : {
                  id: inputNode(arg, [...nodePath, arg], id, innerBound, inner.nodes, inner.graph.optionalArgs.has(arg)),
                  names: [arg],
                },
          );
        }
        const innerAvailable = level(inner.graph.executionOrder, nodePath, id, innerSources);
        const exposed = n.outputMapping ? Object.entries(n.outputMapping) : n.outputNames.map((o) => [o, o] as const);
        for (const [innerName, outerName] of exposed) {
          const s = innerAvailable.get(innerName)!;
          available.set(outerName, { id: s.id, names: renamed(s.names, outerName) });
        }
        continue;
      }
      const id = add("fn", {
        kind: "function",
        name: n.name,
        ...base,
        inputs: [...n.rootArgs],
        outputs: [...n.outputNames],
        ...(n instanceof Node && n.isAsync ? { async: true } : {}),
      });
      for (const arg of n.rootArgs) {
        const s = available.get(arg);
        if (s) connect(s, id);
      }
      for (const out of n.outputNames) {
        if (options.separateOutputs) {
          const outId = add("out", { kind: "output", name: out, path: [...path, out], ...(parent ? { parent } : {}) });
          connect({ id, names: [out] }, outId);
          available.set(out, { id: outId, names: [out] });
        } else available.set(out, { id, names: [out] });
      }
    }
    return available;
  };

  const top = new Map<string, Source>();
  const bound = pipeline.boundInputs;
  for (const arg of pipeline.graph.rootArgs) {
    top.set(arg, {
      id: inputNode(arg, [arg], undefined, bound, pipeline.nodes, pipeline.graph.optionalArgs.has(arg)),
      names: [arg],
    });
  }
  level(pipeline.graph.executionOrder, [], undefined, top);
  return { name: pipeline.id, nodes, edges };
}

function renamed(names: string[], next: string): string[] {
  return names[names.length - 1] === next ? names : [...names, next];
}

function mapInfo(n: PipelineNode): Partial<VizNode> {
  return n.mapOver ? { mapOver: [...n.mapOver], mapMode: n.mapMode } : {};
}

/** The default an optional input takes: a function's default source, or what a nested pipeline does with it. */
function defaultOf(consumers: readonly HyperNode[], name: string): string | undefined {
  for (const n of consumers) {
    if (n instanceof Node && Object.hasOwn(n.defaults, name)) return clip(n.defaults[name]!, MAX_REPR);
    if (n instanceof PipelineNode && n.rootArgs.includes(name)) {
      const inner = n.inputMapping[name] ?? name;
      const bound = n.pipeline.boundInputs;
      const found = Object.hasOwn(bound, inner) ? shortRepr(bound[inner], MAX_REPR) : defaultOf(n.pipeline.nodes, inner);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const MAX_REPR = 32;


/** A value's type as a reader names it: a primitive's typeof, "array", or the object's class. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return Array.isArray(value) ? "array" : (Object.getPrototypeOf(value)?.constructor?.name ?? "object");
}

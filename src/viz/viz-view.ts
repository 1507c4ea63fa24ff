import type { VizEdge, VizModel, VizNode } from "../notebook/notebook-protocol.js";

/**
 * What a reader sees of a full model (buildModel): a nested pipeline that is not expanded is one
 * node, its inner nodes hidden and their edges redrawn to it. Pure and browser-safe: the JupyterLab
 * extension calls it when a reader expands or collapses a pipeline.
 */
export function viewModel(full: VizModel, isExpanded: (pipeline: VizNode) => boolean): VizModel {
  const shownAs = new Map<string, string>();
  const open = new Set<string>();
  const nodes: VizNode[] = [];
  // Model order puts a pipeline before its inner nodes.
  for (const n of full.nodes) {
    if (n.parent !== undefined && !open.has(n.parent)) {
      shownAs.set(n.id, shownAs.get(n.parent)!);
      continue;
    }
    shownAs.set(n.id, n.id);
    if (n.kind !== "pipeline") nodes.push(n);
    else if (isExpanded(n)) {
      open.add(n.id);
      nodes.push(n);
    } else {
      const { expanded: _, ...collapsed } = n;
      nodes.push(collapsed);
    }
  }
  const edges = new Map<string, VizEdge>();
  for (const e of full.edges) {
    const from = shownAs.get(e.from)!;
    const to = shownAs.get(e.to)!;
    if (from === to) continue;
    const key = `${from}\u0000${to}`;
    const existing = edges.get(key);
    if (!existing) edges.set(key, e.label ? { from, to, label: e.label } : { from, to });
    else if (e.label && !existing.label?.split("\n").includes(e.label)) {
      existing.label = existing.label ? `${existing.label}\n${e.label}` : e.label;
    }
  }
  const view: VizModel = { name: full.name, nodes, edges: [...edges.values()] };
  if (full.status) view.status = full.status;
  return view;
}

/** Nested pipelines expanded down to `depth` levels (1: none). */
export function expandedToDepth(depth: number): (pipeline: VizNode) => boolean {
  return (pipeline) => pipeline.path.length < depth;
}

// What hovering a DAG node tells: its inputs and outputs, its cache state and its last duration.
import type { DagMimeData, VizModel, VizNode } from "hypernodes/browser";

export interface NodeDetails {
  title: string;
  lines: string[];
}

const KIND = { input: "input", function: "node", pipeline: "nested pipeline", output: "output" } as const;

export function nodeDetails(node: VizNode, full: VizModel, data: Pick<DagMimeData, "status">): NodeDetails {
  const byId = new Map(full.nodes.map((n) => [n.id, n]));
  const lines: string[] = [KIND[node.kind]];
  if (node.kind === "input") {
    if (node.bound !== undefined) lines.push(`bound: ${node.bound}${node.type ? ` (${node.type})` : ""}`);
    else if (node.optional) lines.push(node.default !== undefined ? `default: ${node.default}` : "optional");
  } else {
    // An input comes from outside the node (its own inner nodes do not count).
    const inside = (id: string) => id === node.id || isInside(byId, id, node.id);
    const inputs = full.edges
      .filter((e) => inside(e.to) && !inside(e.from))
      .map((e) => e.label?.split(" → ").pop() ?? byId.get(e.from)?.name ?? e.from);
    if (inputs.length) lines.push(`inputs: ${[...new Set(inputs)].join(", ")}`);
    if (node.outputs?.length) lines.push(`outputs: ${node.outputs.join(", ")}`);
    if (node.mapOver) lines.push(`maps over: ${node.mapOver.join(node.mapMode === "product" ? " × " : ", ")}`);
  }
  const status = data.status?.nodes[node.id];
  if (status) {
    lines.push(`state: ${status.state}`);
    const items = status.items;
    if (items) lines.push(`items: ${items.done} done, ${items.cached} cached, ${items.failed} failed of ${items.total}`);
    if (status.ms !== undefined) lines.push(`last duration: ${formatMs(status.ms)}`);
  }
  return { title: node.name, lines };
}

function isInside(byId: Map<string, VizNode>, id: string, ancestor: string): boolean {
  for (let n = byId.get(id); n?.parent !== undefined; n = byId.get(n.parent)) if (n.parent === ancestor) return true;
  return false;
}

function formatMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

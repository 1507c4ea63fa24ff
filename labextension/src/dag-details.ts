// What hovering a DAG node tells: what it takes and returns (with the types the last run saw), its
// cache state with the start of its signature, and its last duration.
import { formatDuration, type DagMimeData, type VizNode } from "hypernodes/browser";

export interface NodeDetails {
  title: string;
  lines: string[];
}

const KIND = { input: "input", function: "node", pipeline: "nested pipeline", output: "output" } as const;

export function nodeDetails(node: VizNode, data: Pick<DagMimeData, "status" | "full">): NodeDetails {
  const lines: string[] = [KIND[node.kind]];
  const status = data.status?.nodes[node.id];
  if (node.kind === "input") {
    if (node.bound !== undefined) lines.push(`bound: ${node.bound}${node.type ? ` (${node.type})` : ""}`);
    else if (node.optional) lines.push(node.default !== undefined ? `default: ${node.default}` : "optional");
  } else {
    const types = knownTypes(data);
    const typed = (name: string, type = types.get(name)) => (type ? `${name}: ${type}` : name);
    if (node.inputs?.length) lines.push(`inputs: ${node.inputs.map((name) => typed(name)).join(", ")}`);
    if (node.outputs?.length) lines.push(`outputs: ${node.outputs.map((name) => typed(name, status?.types?.[name])).join(", ")}`);
    if (node.mapOver) lines.push(`maps over: ${node.mapOver.join(node.mapMode === "product" ? " × " : ", ")}`);
  }
  if (status) {
    lines.push(`state: ${status.state}${status.signature ? ` (signature ${status.signature}…)` : ""}`);
    const items = status.items;
    if (items) lines.push(`items: ${items.done} done, ${items.cached} cached, ${items.failed} failed of ${items.total}`);
    if (status.ms !== undefined) lines.push(`last duration: ${formatDuration(status.ms)}`);
  }
  return { title: node.name, lines };
}

/** Types by value name: those outputs had in the last run, and bound inputs'. */
function knownTypes(data: Pick<DagMimeData, "status" | "full">): Map<string, string> {
  const types = new Map<string, string>();
  for (const n of data.full.nodes) if (n.kind === "input" && n.type) types.set(n.name, n.type);
  for (const status of Object.values(data.status?.nodes ?? {})) for (const [name, type] of Object.entries(status.types ?? {})) types.set(name, type);
  return types;
}

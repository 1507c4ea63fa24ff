import type { DagDrawOptions, NodeState, NodeStatus, VizModel, VizNode } from "../notebook/notebook-protocol.js";
import { STATE_COLORS, type Swatch, type ThemeName } from "../notebook/palette.js";

interface Theme {
  background: string;
  text: string;
  muted: string;
  edge: string;
  function: Swatch;
  pipeline: Swatch;
  input: Swatch;
  optional: Swatch;
  output: Swatch;
  cluster: Swatch;
  /** Node states: the palette shared with progress bars. */
  state: (typeof STATE_COLORS)[ThemeName];
}

// Saturated fills and strong outlines, so kinds read at a glance in either theme; states (palette.ts) take over once a run starts.
const THEMES: Record<ThemeName, Theme> = {
  light: {
    background: "#ffffff",
    text: "#0f172a",
    muted: "#475569",
    edge: "#64748b",
    function: { fill: "#dbeafe", line: "#2563eb" },
    pipeline: { fill: "#ede9fe", line: "#7c3aed" },
    input: { fill: "#e2e8f0", line: "#475569" },
    optional: { fill: "#f8fafc", line: "#94a3b8" },
    output: { fill: "#ffffff", line: "#64748b" },
    cluster: { fill: "#f5f3ff", line: "#8b5cf6" },
    state: STATE_COLORS.light,
  },
  dark: {
    // JupyterLab's dark background, so the drawing has no card of its own.
    background: "#111111",
    text: "#f1f5f9",
    muted: "#cbd5e1",
    edge: "#94a3b8",
    function: { fill: "#1e3a8a", line: "#60a5fa" },
    pipeline: { fill: "#3b1d78", line: "#a78bfa" },
    input: { fill: "#334155", line: "#94a3b8" },
    optional: { fill: "#1e293b", line: "#64748b" },
    output: { fill: "#111111", line: "#94a3b8" },
    cluster: { fill: "#1a1530", line: "#8b5cf6" },
    state: STATE_COLORS.dark,
  },
};

/** What a legend entry stands for: a kind of drawn node, or a run state. */
export type LegendKey = "function" | "pipeline" | "output" | "input" | "bound" | "optional" | Exclude<NodeState, "pending">;

export interface LegendEntry {
  key: LegendKey;
  label: string;
  /** Entries are listed by group: what nodes are, where inputs come from, run states. */
  group: "nodes" | "inputs" | "states";
  shape: "box" | "ellipse";
  fill: string;
  line: string;
  dashed?: boolean;
  /** A double outline (a nested pipeline drawn as one node). */
  double?: boolean;
}

/**
 * What the colours and shapes of a drawn DAG mean, in a theme. Given the view drawn, only what it
 * shows: the kinds of node in it, and the run states once it carries a run's status. The DOT legend
 * (`showLegend`) and the JupyterLab renderer's Legend both list these.
 */
export function legendEntries(themeName: ThemeName, drawn?: VizModel): LegendEntry[] {
  const t = THEMES[themeName];
  const state = (name: keyof Theme["state"]): LegendEntry => ({ key: name, label: name, group: "states", shape: "box", ...t.state[name] });
  const all: LegendEntry[] = [
    { key: "function", label: "function", group: "nodes", shape: "box", ...t.function },
    { key: "pipeline", label: "nested pipeline", group: "nodes", shape: "box", ...t.pipeline, double: true },
    { key: "output", label: "output", group: "nodes", shape: "ellipse", ...t.output },
    { key: "input", label: "input", group: "inputs", shape: "ellipse", ...t.input },
    { key: "bound", label: "bound input", group: "inputs", shape: "ellipse", ...t.input, dashed: true },
    { key: "optional", label: "optional input", group: "inputs", shape: "ellipse", ...t.optional },
    state("running"),
    state("done"),
    state("cached"),
    state("failed"),
  ];
  if (!drawn) return all;
  const shown = new Set<LegendKey>();
  for (const n of drawn.nodes) {
    if (n.expanded) continue; // a cluster, titled with its name
    if (n.kind !== "input") shown.add(n.kind);
    else shown.add(n.bound !== undefined ? "bound" : n.optional ? "optional" : "input");
  }
  const status = drawn.status;
  if (status && status.state !== "idle") for (const s of ["running", "done", "cached", "failed"] as const) shown.add(s);
  return all.filter((e) => shown.has(e.key));
}

/** The background a drawing has in a theme (its SVG paints it; a PNG of it starts from it). */
export function themeBackground(themeName: ThemeName): string {
  return THEMES[themeName].background;
}

/**
 * The legend as the graph's own label, below the drawing: per group a row of swatches drawn like the
 * nodes they explain (fill, outline, dashed, double), each followed by its name. A label is outside
 * the layout, so the DAG is drawn exactly as without it (legend nodes would share its ranks).
 * HTML-like labels draw no ellipse: inputs' swatches are rounded like the rest.
 */
function legendLines(model: VizModel, theme: Theme, themeName: ThemeName): string[] {
  const entries = legendEntries(themeName, model);
  if (!entries.length) return [];
  const box = (e: LegendEntry, fill: boolean, spacing: number) =>
    `<TABLE STYLE="${e.dashed ? "rounded,dashed" : "rounded"}" BORDER="${e.double ? 1 : 2}" COLOR="${e.line}"${fill ? ` BGCOLOR="${e.fill}"` : ""} CELLBORDER="0" CELLSPACING="${spacing}" CELLPADDING="0">`;
  const swatch = (e: LegendEntry) => {
    // A double outline: the box inside a ring of the same colour, the background between them.
    const drawn = e.double
      ? `${box(e, false, 2)}<TR><TD>${box(e, true, 0)}<TR><TD></TD></TR></TABLE></TD></TR></TABLE>`
      : `${box(e, true, 0)}<TR><TD></TD></TR></TABLE>`;
    const color = e.key === "optional" ? theme.muted : theme.text;
    return (
      `<TD FIXEDSIZE="TRUE" WIDTH="26" HEIGHT="15">${drawn}</TD><TD WIDTH="6"></TD>` +
      `<TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="${color}">${escapeHtml(e.label)}</FONT></TD>`
    );
  };
  const gap = (width: number, height: number) => `<TD WIDTH="${width}" HEIGHT="${height}"></TD>`;
  const groups = (["nodes", "inputs", "states"] as const).map((group) => entries.filter((e) => e.group === group)).filter((g) => g.length);
  const rows = groups.map((row) => `<TR>${row.map(swatch).join(gap(16, 0))}</TR>`);
  // Three cells an entry (swatch, space, name), a space between entries.
  const columns = 4 * Math.max(...groups.map((g) => g.length)) - 1;
  const title = `<TR><TD ALIGN="LEFT" COLSPAN="${columns}"><FONT POINT-SIZE="11" COLOR="${theme.muted}"><B>legend</B></FONT></TD></TR>`;
  const grid = `<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">${[title, ...rows].join(`<TR>${gap(0, 6)}</TR>`)}</TABLE>`;
  const table = `<TABLE BORDER="1" STYLE="rounded" COLOR="${theme.edge}" BGCOLOR="${theme.background}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR><TD CELLPADDING="8">${grid}</TD></TR></TABLE>`;
  // Apart from the drawing above it by an empty row.
  const spaced = `<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0"><TR><TD HEIGHT="12"></TD></TR><TR><TD>${table}</TD></TR></TABLE>`;
  // Set last: graph attributes given before a subgraph would be its defaults (a cluster's label).
  return [`  label=<${spaced}>;`, `  labelloc=b;`, `  labeljust=l;`];
}

const FONT = "Helvetica,Arial,sans-serif";

/**
 * Graphviz draws cluster titles before edges, so an edge entering a cluster crosses its title:
 * move the titles on top, outlined in the cluster's fill colour so the edge passes behind them.
 */
export function liftClusterTitles(svg: string, options: DagDrawOptions): string {
  const halo = `stroke="${THEMES[options.theme].cluster.fill}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`;
  const titles: string[] = [];
  const lifted = svg.replace(
    /(<g id="clust\d+" class="cluster">\n(<title>[^\n]*\n)(?:<(?:path|polygon)[^\n]*\n)*)((?:<text [^\n]*\n)+)/g,
    (_, head: string, title: string, texts: string) => {
      // Named as its cluster, so that a front end finds (and makes clickable) the title with it.
      titles.push(`<g class="cluster-title">\n${title}${texts.replace(/<text /g, `<text ${halo} `)}</g>\n`);
      return head;
    },
  );
  return lifted.replace(/<\/g>\n<\/svg>\s*$/, `${titles.join("")}</g>\n</svg>\n`);
}

/** Graphviz DOT for a model: the same model and options always give the same text. */
export function modelToDot(model: VizModel, options: DagDrawOptions): string {
  const theme = THEMES[options.theme];
  const statuses = model.status?.nodes;
  const children = groupBy(model.nodes, (n) => n.parent);
  const graph = { rankdir: options.orient, bgcolor: theme.background, fontname: FONT, fontcolor: theme.text };
  const node = { fontname: FONT, fontsize: "12", fontcolor: theme.text, penwidth: "1.6", margin: "0.25,0.1", height: "0.4" };
  const edge = { color: theme.edge, arrowsize: "0.7", penwidth: "1.3", fontname: FONT, fontsize: "9", fontcolor: theme.muted };
  const lines = [
    `digraph ${quote(model.name.replace(/[^A-Za-z0-9_]/g, "_"))} {`,
    `  graph ${attrs({ ...graph, nodesep: "0.3", ranksep: "0.4", pad: "0.2" })};`,
    `  node ${attrs(node)};`,
    `  edge ${attrs(edge)};`,
  ];
  // Top to bottom, edges enter a cluster through its top, where Graphviz puts its label: the title is
  // a borderless node above the cluster's first nodes instead, which edges are routed around.
  const titleNodes = options.orient === "TB" || options.orient === "BT";
  const parentOf = new Map(model.nodes.map((n) => [n.id, n.parent]));
  const within = (id: string, pipelineId: string) => {
    for (let p = parentOf.get(id); p !== undefined; p = parentOf.get(p)) if (p === pipelineId) return true;
    return false;
  };
  const inbound = groupBy(model.edges, (e) => e.to);
  const fedFromWithin = (id: string, pipelineId: string) => inbound.get(id)?.some((e) => within(e.from, pipelineId)) ?? false;
  const emit = (parent: string | undefined, indent: string) => {
    for (const n of children.get(parent) ?? []) {
      const status = statuses?.[n.id];
      if (!n.expanded) {
        lines.push(`${indent}${quote(n.id)} ${attrs(nodeAttrs(n, status, theme, options))};`);
        continue;
      }
      const colors = stateColors(status, theme) ?? theme.cluster;
      const label = html([
        `<B>${escapeHtml(n.name)}</B>`,
        small(mapLabel(n), theme.muted),
        small(itemsLabel(status), theme.text),
      ]);
      const cluster = { labeljust: "l", fontsize: "13", style: "rounded,filled", margin: "10" };
      const penwidth = status?.state === "running" ? "2.4" : "1.6";
      lines.push(`${indent}subgraph ${quote(clusterId(n.id))} {`);
      lines.push(`${indent}  graph ${attrs({ ...cluster, ...(titleNodes ? {} : { label }), fillcolor: theme.cluster.fill, color: colors.line, penwidth })};`);
      if (titleNodes) {
        const title = clusterTitleId(n.id);
        const box = { shape: "box", style: "filled", fillcolor: theme.cluster.fill, color: theme.cluster.fill, penwidth: "0", fontsize: "13", margin: "0.04,0.02", height: "0" };
        lines.push(`${indent}  ${quote(title)} ${attrs({ ...box, label })};`);
        // Above every node of the cluster that nothing inside it feeds (an inner cluster: above its title).
        for (const child of children.get(n.id) ?? []) {
          const target = child.expanded ? clusterTitleId(child.id) : child.id;
          if (child.expanded || !fedFromWithin(child.id, n.id)) lines.push(`${indent}  ${quote(title)} -> ${quote(target)} [style=invis];`);
        }
      }
      emit(n.id, `${indent}  `);
      lines.push(`${indent}}`);
    }
  };
  emit(undefined, "  ");
  for (const e of model.edges) {
    // On the background colour, a label stays readable where an edge runs under it.
    const label =
      e.label &&
      `<<TABLE BORDER="0" CELLPADDING="2" BGCOLOR="${theme.background}"><TR><TD>${escapeHtml(e.label)}</TD></TR></TABLE>>`;
    lines.push(`  ${quote(e.from)} -> ${quote(e.to)}${label ? ` ${attrs({ label })}` : ""};`);
  }
  if (options.showLegend) lines.push(...legendLines(model, theme, options.theme));
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** The node holding an expanded pipeline's title, in top-to-bottom drawings. */
export function clusterTitleId(pipelineId: string): string {
  return `${clusterId(pipelineId)}__title`;
}

/** Graphviz draws a subgraph as a cluster only when its name starts with "cluster". */
export function clusterId(pipelineId: string): string {
  return `cluster${pipelineId.slice(pipelineId.indexOf("_"))}`;
}

function nodeAttrs(
  n: VizNode,
  status: NodeStatus | undefined,
  theme: Theme,
  options: DagDrawOptions,
): Record<string, string> {
  const { muted } = theme;
  if (n.kind === "input") {
    const name = escapeHtml(options.showTypes && n.type ? `${n.name}: ${n.type}` : n.name);
    const value =
      n.bound !== undefined ? `= ${n.bound}` : n.optional ? (n.default !== undefined ? `default ${n.default}` : "optional") : "";
    const colors = n.optional ? theme.optional : theme.input;
    return {
      shape: "ellipse",
      style: n.bound !== undefined ? "filled,dashed" : "filled",
      fillcolor: colors.fill,
      color: colors.line,
      fontcolor: n.optional ? muted : theme.text,
      label: html([name, small(value, muted)]),
    };
  }
  if (n.kind === "output") {
    return {
      shape: "ellipse",
      style: "filled",
      fillcolor: theme.output.fill,
      color: theme.output.line,
      fontsize: "11",
      label: html([escapeHtml(n.name)]),
    };
  }
  const colors = stateColors(status, theme) ?? (n.kind === "pipeline" ? theme.pipeline : theme.function);
  const types = status?.types;
  const typed = (name: string) => (options.showTypes && types?.[name] ? `${name}: ${types[name]}` : name);
  const outputs = !options.separateOutputs && n.outputs?.length ? `→ ${n.outputs.map(typed).join(", ")}` : "";
  const tag = options.showTypes && n.async ? small("async", muted, true) : "";
  return {
    shape: "box",
    style: "rounded,filled",
    fillcolor: colors.fill,
    color: colors.line,
    // A double border tells a nested pipeline from a function.
    peripheries: n.kind === "pipeline" ? "2" : "1",
    penwidth: status?.state === "running" || status?.state === "failed" ? "2.4" : "1.6",
    label: html([
      tag,
      `<B>${escapeHtml(n.name)}</B>`,
      small(mapLabel(n), muted),
      small(outputs, muted),
      small(itemsLabel(status), theme.text),
    ]),
  };
}

function stateColors(status: NodeStatus | undefined, theme: Theme): Swatch | undefined {
  return status && status.state !== "pending" ? theme.state[status.state] : undefined;
}

function mapLabel(n: VizNode): string {
  if (!n.mapOver) return "";
  return `map over ${n.mapOver.join(n.mapMode === "product" ? " × " : ", ")}`;
}

function itemsLabel(status: NodeStatus | undefined): string {
  const items = status?.items;
  if (!items) return "";
  const parts = [`${items.done + items.cached + items.failed}/${items.total}`];
  if (items.cached) parts.push(`${items.cached} cached`);
  if (items.failed) parts.push(`${items.failed} failed`);
  return parts.join(" · ");
}

function small(text: string, color: string, italic = false): string {
  if (!text) return "";
  const body = italic ? `<I>${escapeHtml(text)}</I>` : escapeHtml(text);
  return `<FONT POINT-SIZE="10" COLOR="${color}">${body}</FONT>`;
}

/** An HTML-like label of non-empty lines. */
function html(lines: string[]): string {
  return `<${lines.filter(Boolean).join("<BR/>")}>`;
}

/**
 * Text for an HTML-like label: markup characters become entities and line breaks <BR/>. Other
 * control characters would end the label early in Graphviz, so they show as U+FFFD.
 */
function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/\r\n|\r|\n/g, "<BR/>")
    .replace(/[\u0000-\u001f\u007f]/g, "\uFFFD");
}

/**
 * A DOT quoted string. Only ids and attribute values of our own pass here, never a quote or a
 * backslash (DOT cannot quote a trailing backslash): names go into HTML labels.
 */
function quote(text: string): string {
  return `"${text}"`;
}

/** Plain words and numbers stay bare (`rankdir=LR`), as Graphviz's own tools write them. */
const BARE = /^(?:[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?)$/;

function attrs(record: Record<string, string>): string {
  const parts = Object.entries(record).map(([k, v]) => `${k}=${v.startsWith("<") || BARE.test(v) ? v : quote(v)}`);
  return `[${parts.join(", ")}]`;
}

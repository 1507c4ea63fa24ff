// What the library, the notebook kernel (kernel/) and the JupyterLab extension (labextension/) agree
// on, in one place: our MIME types and their data, the symbols a kernel and a value meet by, and the
// requests and answers of the "hypernodes" comm. Browser-safe (constants and types only): exported
// through `hypernodes/browser`, which the kernel and the lab import it from.
import type { NodeExplanation } from "../core/explain.js";
import type { MapMode } from "../core/map-plan.js";
import type { ProgressRow } from "./progress-format.js";

// ---------------------------------------------------------------------------------------------
// Outputs. Every output that carries one of our types also carries SVG/HTML and text fallbacks
// for other front ends.

/** A pipeline's DAG (`pipeline.visualize()`, DagStatusCallback's live status): DagMimeData. */
export const DAG_MIME_TYPE = "application/vnd.hypernodes.dag+json";
/** ProgressCallback's live bars: ProgressMimeData. */
export const PROGRESS_MIME_TYPE = "application/vnd.hypernodes.progress+json";
/** TelemetryCallback's latest call as a waterfall: TimelineModel. */
export const TELEMETRY_MIME_TYPE = "application/vnd.hypernodes.telemetry+json";
/** Records as a table (map results, `table(rows)`): TableMimeData. */
export const TABLE_MIME_TYPE = "application/vnd.hypernodes.table+json";
/** A chart (`chart(…)`): a Vega-Lite spec, drawn by JupyterLab's own Vega renderer. Not ours: its data is the spec. */
export const VEGALITE_MIME_TYPE = "application/vnd.vegalite.v5+json";

/**
 * Our DAG output: the view as drawn (`model`, `dot`), and what a front end needs to redraw it
 * differently — the full model (every nested pipeline expanded), the ids of the pipelines expanded
 * in this view, and the options.
 */
export interface DagMimeData {
  model: VizModel;
  dot: string;
  status: RunStatus | null;
  full: VizModel;
  expanded: string[];
  options: DagDrawOptions;
}

/** How a DAG is drawn, at any depth (a front end redraws it at the depth its reader expands). */
export interface DagDrawOptions {
  /** Graphviz rankdir: "TB" (default), "LR", "BT" or "RL". */
  orient: "TB" | "LR" | "BT" | "RL";
  /** Draw each output as its own node between its producer and its consumers. */
  separateOutputs: boolean;
  /** Show the types that are known without running: async functions, bound values' types. */
  showTypes: boolean;
  theme: "light" | "dark";
  /**
   * Explain the shapes and colours drawn (`legendEntries`): DOT and SVG draw a legend below the DAG;
   * the JupyterLab renderer opens its own legend above it instead. Absent in older outputs.
   */
  showLegend?: boolean;
}

export interface VizModel {
  name: string;
  nodes: VizNode[];
  edges: VizEdge[];
  status?: RunStatus;
}

export type VizNodeKind = "input" | "function" | "pipeline" | "output";

/** One drawn thing. Plain JSON: front ends may render the model themselves. */
export interface VizNode {
  /** DOT id, derived from the kind and the names path (sanitized, deduplicated in model order). */
  id: string;
  kind: VizNodeKind;
  name: string;
  /** Names of the enclosing nested pipeline nodes, then this one's name. */
  path: string[];
  /** Id of the nested pipeline (drawn as a cluster when expanded) it belongs to. */
  parent?: string;
  /** Functions and pipelines: the names of the inputs they take (outer names for pipelines). */
  inputs?: string[];
  /** Functions and pipelines: output names (outer names for pipelines). */
  outputs?: string[];
  /** Functions: the function is async. */
  async?: boolean;
  /** Inputs: the bound value, short. */
  bound?: string;
  /** Inputs: the bound value's type. */
  type?: string;
  /** Inputs: every consumer can do without it. */
  optional?: boolean;
  /** Inputs: source text of the default, when a consumer shows one. */
  default?: string;
  /** Pipelines: drawn as a cluster of their inner nodes (in a full model: every nested pipeline). */
  expanded?: boolean;
  mapOver?: string[];
  mapMode?: MapMode;
}

export interface VizEdge {
  from: string;
  to: string;
  /** Set where a mapping renames the value: the names it goes by, in data-flow order ("docs → passage"). */
  label?: string;
}

export type NodeState = "pending" | "running" | "cached" | "done" | "failed";

export interface ItemCounts {
  total: number;
  done: number;
  cached: number;
  failed: number;
}

export interface NodeStatus {
  state: NodeState;
  /** Inside a map: how many items this node finished, of the map's total. */
  items?: ItemCounts;
  /** How long its last execution took, in ms (front ends show it on hover). */
  ms?: number;
  /** Found in the cache: the start of its cache signature. */
  signature?: string;
  /** The type of each output it returned in this run, by output name. */
  types?: Record<string, string>;
}

/** The state of a run, overlaid on the model by DagStatusCallback. */
export interface RunStatus {
  state: "idle" | "running" | "done" | "failed" | "aborted";
  /** Items of the top-level map (done counts items that ran, cached those fully cached). */
  items?: ItemCounts;
  /** By node id (function and pipeline nodes). */
  nodes: Record<string, NodeStatus>;
}

/**
 * Our table output: the records' cells by column, and what a renderer needs to show them as a person
 * expects (numbers rounded and aligned, cached rows marked, long tables paged).
 */
export interface TableMimeData {
  columns: TableColumn[];
  /** One array of cells per row, in column order (at most the first TABLE_MAX_ROWS of `total`). */
  rows: TableCell[][];
  /** How many records there are (more than `rows.length` when the table was cut). */
  total: number;
  /** Indices of the rows served entirely from the cache (map items for which no node ran), when known. */
  cached?: number[];
  /** Rows per page a renderer starts with. */
  pageSize: number;
  /** Significant digits a renderer rounds numbers to (the full value stays in the data). */
  digits: number;
  title?: string;
}

export interface TableColumn {
  name: string;
  /** "number": every cell a number or empty (aligned right, rounded); "mixed": cells of several kinds. */
  kind: "number" | "text" | "boolean" | "mixed";
  /** A value a map's item was given (a `mapOver` input), shown before the item's outputs. */
  input?: boolean;
}

/**
 * A cell: numbers, strings and booleans as they are; null where the record has no such field (or it
 * is null/undefined); NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity"; any other value
 * as short text.
 */
export type TableCell = number | string | boolean | null;

/** The most rows a table output carries: past it, the first ones and the total. */
export const TABLE_MAX_ROWS = 10_000;

/** Our progress output: the bars, whether the run is over, and when the snapshot was taken (ms since epoch). */
export interface ProgressMimeData {
  rows: readonly ProgressRow[];
  final: boolean;
  at: number;
}

/**
 * One call as a waterfall: a row per pipeline, map, nested pipeline and node, nested ones under
 * their parent (tree order), times in ms from the call's start. The executions of a node inside a
 * map are one row: its bar spans the first start to the last end.
 */
export interface TimelineModel {
  /** `run 'calc'`, `map 'calc' (3 items)`. */
  title: string;
  state: "running" | "done" | "failed";
  /** The call's wall time; while it runs, the time of this snapshot. */
  wallMs: number;
  rows: TimelineRow[];
  /** Per node name, every level together, longest total first: the time each node took in all. */
  totals: TimelineTotal[];
}

export type TimelineRowKind = "pipeline" | "map" | "nested" | "node";

export interface TimelineRow {
  kind: TimelineRowKind;
  name: string;
  /** 0 for the call's pipeline, +1 per row it is under. */
  depth: number;
  /** First start and last end of the row's executions and cache hits. */
  start: number;
  end: number;
  /** Executions that ended: a map's items, a node's or nested pipeline's runs. */
  runs: number;
  /** Served from the cache: a node's hits, or a map's items that needed no node to run. */
  hits: number;
  /** Executions that failed (a map: items). */
  failed: number;
  /** The first failure's message. */
  error?: string;
  /** Some execution had not ended at the snapshot (its bar ends at `wallMs`). */
  running: boolean;
  /** The runs' durations; null when none ran. The median is of a uniform sample past 4096 runs. */
  durations: DurationStats | null;
}

export interface DurationStats {
  min: number;
  median: number;
  max: number;
  total: number;
}

export interface TimelineTotal {
  name: string;
  runs: number;
  hits: number;
  totalMs: number;
}

/** The method a notebook kernel calls for an object's MIME bundle (ours, tslab's, and hypernodes' objects'). */
export const JUPYTER_MIMEBUNDLE: unique symbol = Symbol.for("jupyter.mimebundle");

// ---------------------------------------------------------------------------------------------
// The kernel, as libraries running in its cells find it.

/** Where the HyperNodes kernel puts its NotebookKernel, on globalThis. */
export const KERNEL_GLOBAL: unique symbol = Symbol.for("hypernodes.kernel");

export interface DisplayOptions {
  /** Names the display, so that a later call with `update: true` and the same id replaces it in place. */
  displayId?: string;
  update?: boolean;
}

/** What the HyperNodes notebook kernel offers libraries (live progress, live DAG status, comm targets). */
export interface NotebookKernel {
  /** Shows a value as ONE display_data message: its whole MIME bundle (JUPYTER_MIMEBUNDLE), or its text. */
  display(value: unknown, options?: DisplayOptions): Promise<void>;
  comms: KernelComms;
}

/** Jupyter's comms: two-way channels between the kernel and a front end, opened to a target by name. */
export interface KernelComms {
  /** Registers (or replaces) the handler for comms a front end opens to `name`. */
  registerTarget(name: string, target: (comm: KernelComm, data: unknown) => void | Promise<void>, options?: CommTargetOptions): void;
  /** Opens a comm from the kernel to a target the front end registered. */
  open(targetName: string, data?: unknown): KernelComm;
}

export interface CommTargetOptions {
  /**
   * Which of the target's messages are answered while a cell runs (when it awaits), rather than after
   * it: those that only read, so a panel can show a long run's live numbers.
   */
  duringCell?(data: unknown): boolean;
}

export interface KernelComm {
  readonly id: string;
  readonly targetName: string;
  send(data: unknown): void;
  close(data?: unknown): void;
  onMsg(handler: (data: unknown) => void | Promise<void>): void;
  onClose(handler: (data: unknown) => void | Promise<void>): void;
}

/** The kernel's API when running in a HyperNodes notebook, else undefined. */
export function notebookKernel(): NotebookKernel | undefined {
  return (globalThis as { [KERNEL_GLOBAL]?: NotebookKernel })[KERNEL_GLOBAL];
}

// ---------------------------------------------------------------------------------------------
// The "hypernodes" comm target, which the JupyterLab side panel and the headless runner talk to.
// Each request `{ request, id?, ... }` gets one answer on the same comm, echoing `id`; a failure
// answers `{ error }`. A kernel without the target closes the comm (or never answers a ping).

export const HYPERNODES_COMM_TARGET = "hypernodes";

export type CommRequest =
  /** Tells a client it is on our kernel. */
  | { request: "ping" }
  | { request: "stats" }
  /** The pipelines held by the cells' variables. */
  | { request: "pipelines" }
  /** A pipeline's dag+json data, every nested pipeline expandable. */
  | { request: "dag"; name: string }
  /** What the next run would recompute and why (inputs default to the pipeline's last run's). */
  | { request: "explain"; name: string; inputs?: Record<string, unknown> }
  /**
   * The other session pipelines that run some of the named pipeline's nodes (the same code) on the
   * same cache: clearing it deletes their entries of those nodes too.
   */
  | { request: "shared"; name: string }
  /**
   * The named pipeline's cache entries (pipeline.clearCache()), or without a name the notebook's
   * cache and every session pipeline's own, emptied (each drops its in-memory layer too).
   */
  | { request: "clear"; name?: string };

export type CommRequestName = CommRequest["request"];

/** A request as sent: `id` comes back in its answer. */
export type CommMessage = CommRequest & { id?: number | string };

/** The answer to each request. */
export interface CommAnswers {
  ping: { pong: true; version: string };
  stats: SessionInfo;
  pipelines: { pipelines: PipelineInfo[] };
  dag: { dag: DagMimeData };
  /** `inputs`: the names of the inputs it assumed. */
  explain: { explain: NodeExplanation[]; inputs: string[] };
  shared: { shared: SharedNodes[] };
  /** How many entries were removed; with a name, how many of them each pipeline sharing its nodes used. */
  clear: { cleared: number; shared?: SharedEntries[] };
}

/** Another session pipeline (by variable name) running some of a pipeline's nodes, on the same cache. */
export interface SharedNodes {
  pipeline: string;
  /** The nodes' names, nested pipelines' inner nodes before the nested pipeline. */
  nodes: string[];
}

/** What a clear deleted of those shared nodes' entries. */
export interface SharedEntries extends SharedNodes {
  entries: number;
}

export interface CommFailure {
  error: string;
}

/** An answer as received. */
export type CommReply<R extends CommRequestName = CommRequestName> = (CommAnswers[R] | CommFailure) & { id?: number | string };

/** Node executions and cache hits of the session's pipelines (the runner's summary, the lab panel). */
export interface SessionStats {
  executed: number;
  cached: number;
}

export interface SessionInfo {
  stats: SessionStats;
  /** The notebook's default DiskCache, or null. */
  cache: { entries: number; bytes: number; dir: string } | null;
}

export interface PipelineInfo {
  /** The variable holding it. */
  name: string;
  id: string;
  nodes: number;
  inputs: string[];
  outputs: string[];
  /** It was `run` in this session (so `explain` knows its inputs). */
  lastRun: boolean;
}

export type { NodeExplanation };

// Vega-Lite v5 specs built from records: an Altair-style shorthand encoding ("mean(accuracy)",
// "nEstimators:O") checked against the rows, types inferred from the values, a mark chosen for the
// data's shape, only the used columns inlined as JSON; and a matrix as a heatmap. Plain data only:
// nothing here loads Vega (chart.ts renders). Browser-safe.
import { HyperNodesError } from "../core/errors.js";
import { checkOptions, describeValue, didYouMean, TAKES, type OptionRule } from "../core/option-checks.js";

/** A Vega-Lite v5 spec as plain JSON (https://vega.github.io/vega-lite/docs/spec.html). */
export type VegaLiteSpec = { [property: string]: unknown };

export const VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

export type FieldType = "quantitative" | "nominal" | "ordinal" | "temporal";

/** Vega-Lite's aggregate operations that take a field and give a number. */
export const AGGREGATES = [
  "mean", "median", "sum", "min", "max", "count", "distinct", "stdev", "stdevp", "stderr", "variance",
  "variancep", "q1", "q3", "ci0", "ci1", "valid", "missing", "product",
] as const;
export type AggregateOp = (typeof AGGREGATES)[number];

/** What pandas and SQL users type, accepted as the Vega-Lite operation it means. */
const AGGREGATE_ALIASES = { average: "mean", avg: "mean", std: "stdev", var: "variance", sem: "stderr", nunique: "distinct" } as const satisfies Record<string, AggregateOp>;
type AggregateName = AggregateOp | keyof typeof AGGREGATE_ALIASES;

type TypeLetter = "Q" | "N" | "O" | "T";
const TYPE_LETTERS: Record<string, FieldType> = { Q: "quantitative", N: "nominal", O: "ordinal", T: "temporal" };

/**
 * A column named in an encoding: `"accuracy"`, with a type `"maxDepth:O"` (Q quantitative, N nominal,
 * O ordinal, T temporal), aggregated `"mean(accuracy)"`, or `"count()"`.
 */
export type FieldShorthand<K extends string = string> = K | `${K}:${TypeLetter}` | `${AggregateName}(${K})` | "count()";

/** A Vega-Lite field definition, for what shorthand cannot say (`{ field: "lr", scale: { type: "log" } }`); `type` is inferred when left out. */
export interface ChartFieldDef<K extends string = string> {
  field?: K;
  type?: FieldType;
  aggregate?: AggregateName;
  title?: string | null;
  [property: string]: unknown;
}

export type ChartChannel<K extends string = string> = FieldShorthand<K> | ChartFieldDef<K>;

export type ChartMark =
  | "line" | "point" | "bar" | "area" | "tick" | "circle" | "square" | "rect" | "rule" | "text" | "trail"
  | "boxplot" | "errorbar" | "errorband";

/** `chart(rows, encoding)`: which column goes where, and optionally the mark, title and size. */
export interface ChartEncoding<K extends string = string> {
  x: ChartChannel<K>;
  y: ChartChannel<K>;
  color?: ChartChannel<K>;
  /** One panel per value, side by side. */
  column?: ChartChannel<K>;
  /** One panel per value, stacked. */
  row?: ChartChannel<K>;
  size?: ChartChannel<K>;
  shape?: ChartChannel<K>;
  /** Groups rows into separate lines without colouring them (e.g. one line per fold). */
  detail?: ChartChannel<K>;
  /** Fields shown on hover (default: the encoded ones); false for none. */
  tooltip?: ChartChannel<K> | readonly ChartChannel<K>[] | boolean;
  /** Default: chosen from the data (see `chart`). */
  mark?: ChartMark;
  title?: string;
  /** Pixels of the plot area (of each panel when faceted). */
  width?: number;
  height?: number;
}

const CHANNELS = ["x", "y", "color", "column", "row", "size", "shape", "detail"] as const;
type Channel = (typeof CHANNELS)[number];
const MARKS: readonly ChartMark[] = ["line", "point", "bar", "area", "tick", "circle", "square", "rect", "rule", "text", "trail", "boxplot", "errorbar", "errorband"];
const COMPOSITE_MARKS: readonly ChartMark[] = ["boxplot", "errorbar", "errorband"];

const channelRule: OptionRule = {
  takes: 'a column name ("accuracy", "mean(accuracy)", "maxDepth:O") or a Vega-Lite field definition',
  accepts: (v) => typeof v === "string" || (v !== null && typeof v === "object" && !Array.isArray(v)),
};
const ENCODING_RULES: Record<string, OptionRule> = {
  ...Object.fromEntries(CHANNELS.map((c) => [c, channelRule])),
  tooltip: { takes: "a column name, a list of them, or true/false", accepts: (v) => typeof v === "boolean" || Array.isArray(v) || channelRule.accepts(v) },
  mark: TAKES.oneOf(...MARKS),
  title: TAKES.string,
  width: { takes: "a positive number of pixels", accepts: (v) => typeof v === "number" && v > 0 && Number.isFinite(v) },
  height: { takes: "a positive number of pixels", accepts: (v) => typeof v === "number" && v > 0 && Number.isFinite(v) },
};

/** A numeric colour with at most this many distinct values (that repeat, or are integers) is a category: hyperparameters. */
const MAX_CATEGORIES = 12;
/** A line draws its points when no series has more of them (past that, dots hide the line). */
const MAX_LINE_POINTS = 60;
/** How much text a cell that is an object or array keeps, as a label. */
const MAX_LABEL = 60;

/** A field of the rows as the spec uses it. */
interface Field {
  /** As the user wrote it, type suffix left out: "mean(accuracy)", "count()". */
  label: string;
  def: Record<string, unknown>;
  /** The column read, if any ("count()" reads none). */
  column?: string;
  aggregate?: string;
  type: FieldType;
}

/** The spec for `chart(rows, encoding)`, and the line of text that describes it. */
export function recordsSpec(rows: unknown, encoding: unknown): { spec: VegaLiteSpec; description: string } {
  const records = checkRecords(rows);
  checkOptions(encoding, ENCODING_RULES, "chart: encoding");
  if (encoding === undefined) throw new HyperNodesError(`chart(rows, encoding): the encoding is missing, e.g. { x: "maxDepth", y: "mean(accuracy)" }; ${columnsText(columnsOf(records))}`);
  const enc = encoding as ChartEncoding;
  for (const required of ["x", "y"] as const) {
    if (enc[required] === undefined) throw new HyperNodesError(`chart: encoding needs ${required} (a column name such as "accuracy", or "mean(accuracy)"); ${columnsText(columnsOf(records))}`);
  }

  const columns = columnsOf(records);
  const table = new ColumnReader(records, columns);
  const fields = new Map<Channel, Field>();
  for (const channel of CHANNELS) {
    const value = enc[channel];
    if (value !== undefined) fields.set(channel, resolveField(value, channel, table));
  }
  const x = fields.get("x")!;
  const y = fields.get("y")!;
  for (const channel of ["color", "column", "row", "shape"] as const) {
    const field = fields.get(channel);
    // A numeric field that splits rows into a few groups (nEstimators: 10, 50, 100) reads as
    // categories: discrete colours and a legend of its values, not a gradient. Facets and shapes
    // must be discrete whatever the values.
    if (field && field.type === "quantitative" && !field.aggregate && field.def.type === undefined && (channel !== "color" || table.fewValues(field.column!))) {
      field.type = "ordinal";
    }
  }
  for (const field of fields.values()) field.def.type ??= field.type;

  const series = (["color", "shape", "detail", "column", "row"] as const).map((c) => fields.get(c)).filter((f): f is Field => !!f && !f.aggregate && f.type !== "quantitative");
  const mark = enc.mark ?? defaultMark(x, y, fields, series, table);

  const encodingSpec: Record<string, unknown> = {};
  for (const [channel, field] of fields) encodingSpec[channel] = field.def;
  const continuous = (f: Field) => f.type === "quantitative" || f.type === "temporal";
  // Accuracies between 0.90 and 0.95 must not be squeezed against a zero baseline; bars and areas keep it.
  if (continuous(y) && ["line", "point", "circle", "square", "tick", "trail"].includes(mark)) withScale(y.def, { zero: false });
  if (continuous(x) && mark === "point" && !x.aggregate) withScale(x.def, { zero: false });
  const color = fields.get("color");
  if (mark === "bar" && color && !color.aggregate && color.column !== x.column && color.column !== y.column) {
    // Side by side, not stacked: stacked means of accuracy add up to nothing meaningful.
    if (x.type === "nominal" || x.type === "ordinal") encodingSpec.xOffset ??= { field: color.def.field, type: color.type };
    else if (y.type === "nominal" || y.type === "ordinal") encodingSpec.yOffset ??= { field: color.def.field, type: color.type };
  }
  // Vega-Lite turns category labels on x sideways; a few short ones read better upright.
  if ((x.type === "nominal" || x.type === "ordinal") && x.column !== undefined && x.def.axis !== null && table.shortLabels(x.column)) {
    x.def.axis = { labelAngle: 0, ...(x.def.axis as object | undefined) };
  }
  // A grid of whole numbers (maxDepth 1, 2, 4, 8) gets whole-number ticks, not 1.0, 1.2, 1.4… (a field
  // definition given whole is left as written).
  if (typeof enc.x === "string" && x.type === "quantitative" && !x.aggregate && x.column !== undefined && table.integers(x.column)) {
    x.def.axis = { tickMinStep: 1, format: "d", ...(x.def.axis as object | undefined) };
  }
  const tooltip = tooltipDefs(enc.tooltip, fields, table, COMPOSITE_MARKS.includes(mark));
  if (tooltip) encodingSpec.tooltip = tooltip;

  const spec: VegaLiteSpec = { $schema: VEGALITE_SCHEMA };
  if (enc.title !== undefined) spec.title = enc.title;
  spec.data = { values: table.values() };
  spec.mark = mark === "line" ? { type: "line", point: maxPointsPerSeries(x, series, table) <= MAX_LINE_POINTS } : mark;
  spec.encoding = encodingSpec;
  const faceted = fields.has("column") || fields.has("row");
  if (enc.width !== undefined) spec.width = enc.width;
  else if (continuous(x)) spec.width = faceted ? 240 : 400;
  else if (mark === "rect") spec.width = { step: 40 };
  if (enc.height !== undefined) spec.height = enc.height;
  else if (continuous(y)) spec.height = faceted ? 200 : 260;
  else if (mark === "rect") spec.height = { step: 40 };
  return { spec, description: describeRecordsChart(mark, fields, records.length) };
}

function checkRecords(rows: unknown): readonly Record<string, unknown>[] {
  if (!Array.isArray(rows)) {
    throw new HyperNodesError(`chart: expected an array of records (e.g. what pipeline.map returns) and an encoding, or a Vega-Lite spec; got ${describeValue(rows)}`);
  }
  // An empty chart would look like a rendering bug; an empty array is usually a filter that matched nothing.
  if (rows.length === 0) throw new HyperNodesError("chart: the rows are empty: there is nothing to plot");
  rows.forEach((row, i) => {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw new HyperNodesError(`chart: rows must be records (objects such as { maxDepth: 3, accuracy: 0.9 }), but row ${i} is ${describeValue(row)}`);
    }
  });
  return rows;
}

/** Every field name the rows have, in the order first seen. */
function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

function columnsText(columns: readonly string[]): string {
  return columns.length ? `the rows' columns: ${columns.map((c) => `'${c}'`).join(", ")}` : "the rows have no columns";
}

/** The rows' columns, read once each as JSON-safe cells. */
class ColumnReader {
  readonly #cells = new Map<string, unknown[]>();
  readonly #dates = new Set<string>();
  constructor(
    readonly rows: readonly Record<string, unknown>[],
    readonly columns: readonly string[],
  ) {}

  has(column: string): boolean {
    return this.columns.includes(column);
  }

  cells(column: string): unknown[] {
    let cells = this.#cells.get(column);
    if (!cells) {
      let dates = 0;
      let present = 0;
      cells = this.rows.map((row) => {
        const value = row[column];
        if (value !== null && value !== undefined) present++;
        if (value instanceof Date) dates++;
        return jsonCell(value);
      });
      if (present > 0 && dates === present) this.#dates.add(column);
      this.#cells.set(column, cells);
    }
    return cells;
  }

  /** Numbers → quantitative; Dates → temporal; strings, booleans and anything else → nominal. */
  inferType(column: string): FieldType {
    const present = this.cells(column).filter((c) => c !== null);
    if (this.#dates.has(column)) return "temporal";
    if (present.length > 0 && present.every((c) => typeof c === "number")) return "quantitative";
    return "nominal";
  }

  /** A few distinct values that repeat or are whole numbers: a hyperparameter, not a measurement. */
  fewValues(column: string): boolean {
    const present = this.cells(column).filter((c) => c !== null);
    const distinct = new Set(present);
    return distinct.size <= MAX_CATEGORIES && (distinct.size < present.length || present.every((c) => Number.isInteger(c)));
  }

  /** A few distinct values, none longer than a short word. */
  shortLabels(column: string): boolean {
    const distinct = new Set(this.cells(column));
    return distinct.size <= 20 && [...distinct].every((c) => String(c).length <= 10);
  }

  /** Whether all values are whole numbers (shown exactly on hover, not rounded). */
  integers(column: string): boolean {
    return this.cells(column).every((c) => c === null || Number.isInteger(c));
  }

  #used = new Set<string>();
  use(column: string): void {
    this.#used.add(column);
  }

  /** The used columns only: a record's other fields (models, embeddings, long texts) would bloat the notebook. */
  values(): Record<string, unknown>[] {
    const used = [...this.#used].map((column) => [column, this.cells(column)] as const);
    return this.rows.map((_, i) => Object.fromEntries(used.map(([column, cells]) => [column, cells[i]])));
  }
}

/**
 * A cell as JSON can hold it: NaN, ±Infinity, undefined, functions and symbols as null (Vega-Lite
 * leaves them out); Dates as ISO text; bigints as numbers when exact; objects as a short label
 * (their own toString, or their JSON text, or their class's name).
 */
function jsonCell(value: unknown): unknown {
  const scalar = jsonScalar(value);
  if (scalar !== NOT_SCALAR) return scalar;
  return typeof value === "object" ? label(value!) : null;
}

const NOT_SCALAR = Symbol("not a scalar");

/** A number, string, boolean, bigint, null or Date as JSON holds it (NaN and ±Infinity as null); NOT_SCALAR for anything else. */
function jsonScalar(value: unknown): unknown {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? value : null;
    case "string":
    case "boolean":
      return value;
    case "bigint":
      return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
    case "object":
      if (value === null) return null;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      return NOT_SCALAR;
    default:
      return NOT_SCALAR;
  }
}

function label(value: object): string {
  const proto = Object.getPrototypeOf(value);
  let text: string;
  if (typeof (value as { toString?: unknown }).toString === "function" && (value as object).toString !== Object.prototype.toString && !Array.isArray(value)) {
    text = String(value);
  } else if (proto === Object.prototype || proto === null || Array.isArray(value)) {
    try {
      text = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? String(v) : v)) ?? describeValue(value);
    } catch {
      text = describeValue(value); // a cycle
    }
  } else {
    text = describeValue(value);
  }
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}

const SHORTHAND_AGGREGATE = /^\s*([A-Za-z_]\w*)\s*\(\s*(.*?)\s*\)\s*(?::\s*([A-Za-z]+))?\s*$/;
const SHORTHAND_TYPE = /^(.*?)\s*:\s*(Q|N|O|T|quantitative|nominal|ordinal|temporal)$/i;

/** A channel's shorthand or field definition, checked against the rows. */
function resolveField(value: ChartChannel, where: string, table: ColumnReader): Field {
  if (typeof value !== "string") {
    const def: Record<string, unknown> = { ...value };
    const column = def.field;
    const aggregate = def.aggregate;
    if (column === undefined) {
      if (aggregate === "count") return { label: "count()", def: { title: "count", ...def }, aggregate, type: "quantitative" };
      throw new HyperNodesError(`chart: encoding ${where} needs a field (e.g. { field: "accuracy" }), got ${JSON.stringify(value)}`);
    }
    if (typeof column !== "string") throw new HyperNodesError(`chart: encoding ${where}'s field must be a column name, got ${describeValue(column)}`);
    checkColumn(column, where, table);
    table.use(column);
    if (typeof aggregate === "string") def.aggregate = checkAggregate(aggregate, where, value);
    const type = (def.type as FieldType | undefined) ?? (typeof aggregate === "string" ? "quantitative" : table.inferType(column));
    def.field = fieldRef(column);
    if (column !== def.field && def.title === undefined) def.title = typeof aggregate === "string" ? `${def.aggregate} of ${column}` : column;
    const op = def.aggregate as string | undefined;
    return { label: op ? `${op}(${column})` : column, def, column, aggregate: op, type };
  }

  // A column whose name looks like shorthand ("mean(x)", "a:Q") is taken as the column.
  if (table.has(value)) return plainField(value, value, undefined, table);
  const aggregated = SHORTHAND_AGGREGATE.exec(value);
  if (aggregated) {
    const [, name, inner, suffix] = aggregated;
    const op = checkAggregate(name!, where, value);
    const type = suffix ? typeOf(suffix, where, value) : "quantitative";
    if (inner === "") {
      if (op !== "count") throw new HyperNodesError(`chart: encoding ${where}: "${value}" needs a column inside the parentheses, e.g. "${op}(accuracy)"`);
      return { label: "count()", def: { aggregate: "count", type, title: "count" }, aggregate: "count", type };
    }
    checkColumn(inner!, where, table);
    table.use(inner!);
    const def: Record<string, unknown> = { field: fieldRef(inner!), aggregate: op, type };
    if (inner !== fieldRef(inner!)) def.title = `${op} of ${inner}`;
    return { label: `${op}(${inner})`, def, column: inner, aggregate: op, type };
  }
  const typed = SHORTHAND_TYPE.exec(value);
  if (typed) return plainField(typed[1]!, where, typeOf(typed[2]!, where, value), table);
  return plainField(value, where, undefined, table);
}

function plainField(column: string, where: string, type: FieldType | undefined, table: ColumnReader): Field {
  checkColumn(column, where, table);
  table.use(column);
  const def: Record<string, unknown> = { field: fieldRef(column) };
  if (type) def.type = type;
  // Vega-Lite reads "a.b" as a path: escaped, its default title would show the backslashes.
  if (column !== fieldRef(column)) def.title = column;
  return { label: column, def, column, type: type ?? table.inferType(column) };
}

function checkColumn(column: string, where: string, table: ColumnReader): void {
  if (!table.has(column)) {
    throw new HyperNodesError(`chart: encoding ${where} names the field '${column}', which the rows do not have${didYouMean(column, table.columns)}; ${columnsText(table.columns)}`);
  }
}

function checkAggregate(name: string, where: string, written: unknown): AggregateOp {
  const op = (AGGREGATES as readonly string[]).includes(name) ? (name as AggregateOp) : (AGGREGATE_ALIASES as Record<string, AggregateOp>)[name];
  if (op) return op;
  const shown = typeof written === "string" ? `"${written}"` : JSON.stringify(written);
  throw new HyperNodesError(`chart: encoding ${where}: unknown aggregate '${name}' in ${shown}${didYouMean(name, [...AGGREGATES, ...Object.keys(AGGREGATE_ALIASES)])}; aggregates: ${AGGREGATES.join(", ")}`);
}

function typeOf(suffix: string, where: string, written: string): FieldType {
  const type = TYPE_LETTERS[suffix.toUpperCase()] ?? (Object.values(TYPE_LETTERS).find((t) => t === suffix.toLowerCase()));
  if (!type) throw new HyperNodesError(`chart: encoding ${where}: unknown type ':${suffix}' in "${written}"; types: :Q quantitative, :N nominal, :O ordinal, :T temporal`);
  return type;
}

/** A column name as a Vega-Lite field: dots and brackets would otherwise be read as a path into nested objects. */
function fieldRef(column: string): string {
  return column.replace(/[.[\]\\]/g, "\\$&");
}

function withScale(def: Record<string, unknown>, scale: Record<string, unknown>): void {
  if (def.scale === null) return; // the user turned the scale off
  def.scale = { ...scale, ...(def.scale as object | undefined) };
}

/**
 * The mark a person would draw: bars over categories; a line when y is an aggregate, or each series
 * has one row per x in x's order (a curve: loss per epoch); points otherwise (a scatter, or raw
 * repeated measurements such as the folds of a sweep, all shown); cells of colour for two categories.
 */
function defaultMark(x: Field, y: Field, fields: Map<Channel, Field>, series: Field[], table: ColumnReader): ChartMark {
  const discrete = (f: Field) => f.type === "nominal" || f.type === "ordinal";
  if (discrete(x) && discrete(y)) return fields.has("color") ? "rect" : "point";
  const onePerCategory = (category: Field) => !!y.aggregate || !!x.aggregate || maxRowsPerKey([category, ...series], table) <= 1;
  if (x.type === "nominal") return onePerCategory(x) ? "bar" : "point";
  if (y.type === "nominal") return onePerCategory(y) ? "bar" : "point";
  if (x.aggregate || fields.has("size")) return "point";
  if (y.aggregate) return "line";
  if (maxRowsPerKey([x, ...series], table) > 1) return "point";
  if (x.type === "ordinal" || x.type === "temporal") return "line";
  return xInOrder(x, series, table) ? "line" : "point";
}

function keyOf(fields: readonly Field[], table: ColumnReader, i: number): string {
  return JSON.stringify(fields.map((f) => (f.column === undefined ? null : table.cells(f.column)[i])));
}

/** The most rows sharing one value of each field (the rows a single mark would have to stand for). */
function maxRowsPerKey(fields: readonly Field[], table: ColumnReader): number {
  const counts = new Map<string, number>();
  let most = 0;
  for (let i = 0; i < table.rows.length; i++) {
    const key = keyOf(fields, table, i);
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    most = Math.max(most, n);
  }
  return most;
}

/** Whether x rises (or falls) steadily within each series, in the rows' order: a curve, not a cloud. */
function xInOrder(x: Field, series: readonly Field[], table: ColumnReader): boolean {
  const xs = table.cells(x.column!);
  const last = new Map<string, { value: number; direction: number }>();
  for (let i = 0; i < xs.length; i++) {
    const value = xs[i];
    if (typeof value !== "number") continue;
    const key = keyOf(series, table, i);
    const previous = last.get(key);
    if (previous) {
      const direction = Math.sign(value - previous.value);
      if (previous.direction !== 0 && direction !== 0 && direction !== previous.direction) return false;
      last.set(key, { value, direction: direction || previous.direction });
    } else {
      last.set(key, { value, direction: 0 });
    }
  }
  return true;
}

function maxPointsPerSeries(x: Field, series: readonly Field[], table: ColumnReader): number {
  const perSeries = new Map<string, Set<unknown>>();
  const xs = x.column === undefined ? [] : table.cells(x.column);
  for (let i = 0; i < xs.length; i++) {
    const key = keyOf(series, table, i);
    let set = perSeries.get(key);
    if (!set) perSeries.set(key, (set = new Set()));
    set.add(xs[i]);
  }
  return Math.max(0, ...[...perSeries.values()].map((s) => s.size));
}

/** What hovering a mark shows: by default every encoded field, exactly as encoded (a raw field in an aggregated chart would split its groups). */
function tooltipDefs(option: ChartEncoding["tooltip"], fields: Map<Channel, Field>, table: ColumnReader, composite: boolean): unknown[] | undefined {
  if (option === false || (option === undefined && composite)) return undefined;
  let shown: Field[];
  if (option === undefined || option === true) {
    const seen = new Set<string>();
    shown = [...fields.values()].filter((f) => !seen.has(f.label) && !!seen.add(f.label));
  } else {
    const list = (Array.isArray(option) ? option : [option]) as ChartChannel[];
    shown = list.map((value, i) => {
      const field = resolveField(value, Array.isArray(option) ? `tooltip[${i}]` : "tooltip", table);
      field.def.type ??= field.type;
      return field;
    });
  }
  return shown.map((f) => {
    const def: Record<string, unknown> = { field: f.def.field, type: f.def.type, ...(f.def.aggregate ? { aggregate: f.def.aggregate } : {}), ...(f.def.title !== undefined ? { title: f.def.title } : {}) };
    if (def.field === undefined) delete def.field;
    // Vega-Lite's default shows 12 digits (0.828333333333); whole numbers stay exact.
    const exact = f.aggregate === "count" || f.aggregate === "distinct" || f.aggregate === "valid" || f.aggregate === "missing" || (!f.aggregate && f.column !== undefined && table.integers(f.column));
    if (f.type === "quantitative" && !exact) def.format = ".6~r";
    return def;
  });
}

const MARK_NAMES: Partial<Record<ChartMark, string>> = { line: "Line chart", point: "Scatter plot", bar: "Bar chart", rect: "Heatmap", boxplot: "Box plot" };

function describeRecordsChart(mark: ChartMark, fields: Map<Channel, Field>, rows: number): string {
  const name = (c: Channel) => fields.get(c)?.label;
  let text = `${MARK_NAMES[mark] ?? `Chart (${mark})`}: ${name("y")} vs ${name("x")}`;
  if (fields.has("color")) text += ` by ${name("color")}`;
  if (fields.has("column")) text += `, a column per ${name("column")}`;
  if (fields.has("row")) text += `, a row per ${name("row")}`;
  return `${text}, ${rows.toLocaleString("en-US")} row${rows === 1 ? "" : "s"}`;
}

// ---- Full specs ------------------------------------------------------------------------------------

const VIEW_KEYS = ["mark", "layer", "concat", "hconcat", "vconcat", "facet", "repeat", "spec"];

/** A spec given whole: checked to be Vega-Lite, `$schema` added when missing, copied as JSON. */
export function normalizeSpec(spec: unknown): VegaLiteSpec {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new HyperNodesError(`chart: expected an array of records and an encoding, or a Vega-Lite spec (an object with mark, layer, concat…); got ${describeValue(spec)}`);
  }
  const schema = (spec as VegaLiteSpec).$schema;
  if (typeof schema === "string" && /\/schema\/vega\/v\d/.test(schema)) {
    throw new HyperNodesError(`chart: this is a Vega spec ($schema ${schema}); chart() takes Vega-Lite specs`);
  }
  if (!VIEW_KEYS.some((key) => key in spec)) {
    const hint = "marks" in spec ? " (it has marks: a Vega spec? chart() takes Vega-Lite)" : "";
    throw new HyperNodesError(`chart: a Vega-Lite spec needs one of ${VIEW_KEYS.join(", ")}${hint}; got an object with ${Object.keys(spec).map((k) => `'${k}'`).join(", ") || "no keys"}`);
  }
  const copy = jsonValue(spec, new Set()) as VegaLiteSpec;
  return { $schema: VEGALITE_SCHEMA, ...copy };
}

/** A deep copy as JSON.stringify would write it (NaN and ±Infinity as null, undefined and functions left out), refusing cycles. */
function jsonValue(value: unknown, ancestors: Set<object>): unknown {
  const scalar = jsonScalar(value);
  if (scalar !== NOT_SCALAR) return scalar;
  switch (typeof value) {
    case "object": {
      if (value === null) return null; // (a scalar: for the type checker)
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return jsonValue((value as { toJSON(): unknown }).toJSON(), ancestors);
      if (ancestors.has(value)) throw new HyperNodesError("chart: the spec refers to itself (a cycle): it cannot be written as JSON");
      ancestors.add(value);
      try {
        if (Array.isArray(value) || ArrayBuffer.isView(value)) {
          return Array.from(value as ArrayLike<unknown>, (v) => jsonValue(v, ancestors) ?? null);
        }
        const out: Record<string, unknown> = {};
        for (const [key, v] of Object.entries(value)) {
          const json = jsonValue(v, ancestors);
          if (json !== undefined) out[key] = json;
        }
        return out;
      } finally {
        ancestors.delete(value);
      }
    }
    default:
      return undefined;
  }
}

/** One line about a spec given whole: its mark (or how its views are composed) and its rows. */
export function describeSpec(spec: VegaLiteSpec): string {
  const mark = spec.mark;
  const markName = typeof mark === "string" ? mark : typeof (mark as { type?: unknown } | undefined)?.type === "string" ? (mark as { type: string }).type : undefined;
  const kind = markName ?? VIEW_KEYS.find((k) => k !== "mark" && k in spec) ?? "chart";
  const title = typeof spec.title === "string" ? ` '${spec.title}'` : "";
  const values = (spec.data as { values?: unknown } | undefined)?.values;
  const rows = Array.isArray(values) ? `, ${values.length.toLocaleString("en-US")} row${values.length === 1 ? "" : "s"}` : "";
  return `Vega-Lite chart${title} (${kind})${rows}`;
}

// ---- Heatmaps -------------------------------------------------------------------------------------

export interface HeatmapOptions {
  /** Column labels, left to right (default 0, 1, …). */
  x?: readonly (string | number)[];
  /** Row labels, top to bottom (default 0, 1, …). */
  y?: readonly (string | number)[];
  /** Axis titles (default none; "predicted" and "actual" for a ConfusionMatrix). */
  xTitle?: string;
  yTitle?: string;
  title?: string;
  /** d3 format of the numbers in the cells (default: whole numbers as is, others to 3 significant digits). */
  format?: string;
  /** Write each cell's value in it (default: when cells are big enough to read). */
  values?: boolean;
  /** A Vega colour scheme (default "blues"; "blueorange" centred on 0 when values are both negative and positive). */
  scheme?: string;
  /** Pixels per cell (default: fits about 480 pixels, between 18 and 56). */
  cellSize?: number;
}

/** What `heatmap` takes: rows of numbers, or a confusion matrix object such as ml-confusion-matrix's (rows = actual, columns = predicted). */
export type HeatmapMatrix = readonly (readonly number[] | ArrayLike<number>)[] | { getMatrix(): number[][]; getLabels(): readonly (string | number)[] };

const HEATMAP_RULES: Record<string, OptionRule> = {
  x: TAKES.list("labels"),
  y: TAKES.list("labels"),
  xTitle: TAKES.string,
  yTitle: TAKES.string,
  title: TAKES.string,
  format: TAKES.string,
  values: TAKES.boolean,
  scheme: TAKES.name,
  cellSize: { takes: "a positive number of pixels", accepts: (v) => typeof v === "number" && v > 0 && Number.isFinite(v) },
};

/** The spec of a matrix drawn as coloured cells with their values written in them. */
export function heatmapSpec(input: unknown, options: HeatmapOptions = {}): { spec: VegaLiteSpec; description: string } {
  checkOptions(options, HEATMAP_RULES, "heatmap");
  let matrix: unknown = input;
  let xTitle = options.xTitle;
  let yTitle = options.yTitle;
  let xLabels = options.x;
  let yLabels = options.y;
  if (isConfusionMatrix(input)) {
    matrix = input.getMatrix();
    const labels = input.getLabels();
    xLabels ??= labels;
    yLabels ??= labels;
    xTitle ??= "predicted";
    yTitle ??= "actual";
  }
  const rows = checkMatrix(matrix);
  const width = rows[0]!.length;
  xLabels = checkLabels(xLabels, width, "x", "columns");
  yLabels = checkLabels(yLabels, rows.length, "y", "rows");

  const values: { row: string | number; column: string | number; value: number | null }[] = [];
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  rows.forEach((row, i) => {
    for (let j = 0; j < width; j++) {
      const v = row[j]!;
      const finite = Number.isFinite(v);
      if (finite) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        integers &&= Number.isInteger(v);
      }
      values.push({ row: yLabels![i]!, column: xLabels![j]!, value: finite ? v : null });
    }
  });
  if (min === Infinity) min = max = 0;

  const diverging = min < 0 && max > 0;
  const scale: Record<string, unknown> = { scheme: options.scheme ?? (diverging ? "blueorange" : "blues") };
  if (diverging) scale.domainMid = 0;
  // White text where the colour is dark: past half-way from the light end (both ends when diverging).
  const dark = diverging ? `datum.value > ${max / 2} || datum.value < ${min / 2}` : `datum.value > ${min + (max - min) / 2}`;
  const cell = options.cellSize ?? Math.max(18, Math.min(56, Math.floor(480 / Math.max(width, rows.length))));
  const format = options.format ?? (integers ? "d" : ".3~r");
  const axis = (labels: readonly (string | number)[], title: string | undefined) => ({
    type: "ordinal",
    sort: labels,
    title: title ?? null,
    axis: { labelAngle: 0, ticks: false, domain: false },
  });
  const xEnc = { field: "column", ...axis(xLabels, xTitle) };
  const yEnc = { field: "row", ...axis(yLabels, yTitle) };
  const tooltip = [
    { field: "row", type: "ordinal", title: yTitle ?? "row" },
    { field: "column", type: "ordinal", title: xTitle ?? "column" },
    { field: "value", type: "quantitative", format: integers ? "d" : ".6~r" },
  ];
  const layer: unknown[] = [{ mark: "rect", encoding: { color: { field: "value", type: "quantitative", scale, title: null }, tooltip } }];
  if (options.values ?? cell >= 22) {
    layer.push({
      mark: { type: "text", fontSize: cell >= 32 ? 12 : 10 },
      transform: [{ filter: "isValid(datum.value)" }],
      encoding: {
        text: { field: "value", type: "quantitative", format },
        color: { condition: { test: dark, value: "white" }, value: "black" },
        tooltip,
      },
    });
  }
  const spec: VegaLiteSpec = { $schema: VEGALITE_SCHEMA };
  if (options.title !== undefined) spec.title = options.title;
  Object.assign(spec, {
    data: { values },
    width: { step: cell },
    height: { step: cell },
    encoding: { x: xEnc, y: yEnc },
    layer,
  });
  const titles = yTitle || xTitle ? ` (${yTitle ?? "rows"} × ${xTitle ?? "columns"})` : "";
  const range = min === max ? `value ${min}` : `values ${min} to ${max}`;
  return { spec, description: `Heatmap: ${rows.length} × ${width}${titles}, ${range}` };
}

function isConfusionMatrix(value: unknown): value is { getMatrix(): number[][]; getLabels(): readonly (string | number)[] } {
  return typeof (value as { getMatrix?: unknown } | null)?.getMatrix === "function" && typeof (value as { getLabels?: unknown }).getLabels === "function";
}

function checkMatrix(matrix: unknown): ArrayLike<number>[] {
  const hint = "heatmap: expected a matrix (an array of rows of numbers, e.g. [[5, 1], [2, 7]]) or a ConfusionMatrix";
  if (!Array.isArray(matrix)) throw new HyperNodesError(`${hint}; got ${describeValue(matrix)}`);
  if (matrix.length === 0) throw new HyperNodesError("heatmap: the matrix has no rows: there is nothing to draw");
  const width = (matrix[0] as ArrayLike<unknown> | undefined)?.length;
  matrix.forEach((row: unknown, i) => {
    if (!Array.isArray(row) && !(ArrayBuffer.isView(row) && !(row instanceof DataView))) throw new HyperNodesError(`${hint}; row ${i} is ${describeValue(row)}`);
    const cells = row as ArrayLike<unknown>;
    if (cells.length === 0) throw new HyperNodesError(`heatmap: row ${i} of the matrix is empty`);
    if (cells.length !== width) throw new HyperNodesError(`heatmap: the matrix's rows differ in length: row 0 has ${width} values, row ${i} has ${cells.length}`);
    for (let j = 0; j < cells.length; j++) {
      const cell = cells[j];
      if (typeof cell !== "number" && cell !== null && cell !== undefined) throw new HyperNodesError(`heatmap: cell [${i}][${j}] is ${describeValue(cell)}, not a number`);
    }
  });
  return (matrix as ArrayLike<number | null | undefined>[]).map((row) => Array.from(row, (v) => (typeof v === "number" ? v : NaN)));
}

function checkLabels(labels: readonly (string | number)[] | undefined, count: number, option: string, what: string): readonly (string | number)[] {
  if (labels === undefined) return Array.from({ length: count }, (_, i) => i);
  if (labels.length !== count) throw new HyperNodesError(`heatmap: option ${option} has ${labels.length} labels, but the matrix has ${count} ${what}`);
  const seen = new Set<string | number>();
  for (const label of labels) {
    if (typeof label !== "string" && typeof label !== "number") throw new HyperNodesError(`heatmap: option ${option}'s labels must be strings or numbers, got ${describeValue(label)}`);
    // Two columns with one label would be drawn as one cell.
    if (seen.has(label)) throw new HyperNodesError(`heatmap: option ${option} has the label '${label}' twice`);
    seen.add(label);
  }
  return labels;
}

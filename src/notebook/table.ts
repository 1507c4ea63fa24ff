// Records shown as a table — a map's results, or `table(rows)` — in every front end: our table MIME
// type (the JupyterLab extension sorts, rounds, aligns, pages and marks cached rows), an HTML table for
// other front ends, and aligned text for terminals.
import { HyperNodesError } from "../core/errors.js";
import { describeValue } from "../core/option-checks.js";
import { shortRepr } from "../core/value-text.js";
import { escapeHtml } from "./html.js";
import {
  JUPYTER_MIMEBUNDLE,
  TABLE_MAX_ROWS,
  TABLE_MIME_TYPE,
  type TableCell,
  type TableColumn,
  type TableMimeData,
} from "./notebook-protocol.js";
import { alignsRight, columnDecimals, formatCell } from "./table-format.js";

/**
 * A map's items, by its results array: beside the array, not on it, so that the results stay exactly
 * what code, JSON and a cache see. One map for every copy of hypernodes in the process (a notebook's
 * project's and the kernel's).
 */
const MAP_ITEMS: WeakMap<object, MapItems> = ((globalThis as { [key: symbol]: unknown })[Symbol.for("hypernodes.mapItems")] ??=
  new WeakMap()) as WeakMap<object, MapItems>;

/** A map's items as its results table shows them beside their outputs. */
export interface MapItems {
  /** The names mapped over. */
  inputs: readonly string[];
  /** Item i's values of those names (as they were when the map ended: the caller's lists may change since). */
  valuesOf(index: number): unknown[];
  /** The items served wholly from the cache, when the call counted them. */
  cached?: readonly number[];
  /**
   * The results as the map returned them, item by item. A row is matched to its item by identity, so
   * that results sorted or spliced in place still show each row's own values (and a row put in by
   * other code none).
   */
  results: readonly object[];
}

/** Records a map's items on its results, for `table()`: a sweep's table shows its grid and marks cached items. */
export function markMapItems(results: unknown[], items: MapItems): void {
  MAP_ITEMS.set(results, items);
}

export interface TableOptions {
  /** The columns to show, in order (default: every field, in the order first seen). */
  columns?: readonly string[];
  title?: string;
  /** Rows per page (default 20). */
  pageSize?: number;
  /** Significant digits numbers are rounded to (default 4). The data keeps the full values. */
  digits?: number;
  /** Indices of rows to mark as served from the cache (default: what the map that returned `rows` recorded). */
  cached?: readonly number[];
  /**
   * Show the values a map's items were given (its `mapOver` inputs) as the first columns, when `rows`
   * are a map's results (default true).
   */
  inputs?: boolean;
}

/** The most columns a table has: records with more distinct fields are not a table (name the ones to show). */
export const TABLE_MAX_COLUMNS = 100;

/** Text cells past this length are cut (a record holding a whole document must not send it all). */
const MAX_TEXT = 1000;

/** Rows the HTML and text fallbacks show: a long table shows its first rows and its last few. */
const HEAD_ROWS = 25;
const TAIL_ROWS = 5;

/**
 * A map's results as flat records: each item's `mapOver` values, then its outputs (an output of the
 * same name wins). Other arrays come back as they are.
 */
export function withInputs<R extends Record<string, unknown>>(results: readonly R[]): (Record<string, unknown> & R)[] {
  const items = mapItemsOf(results);
  if (!items?.inputs.length) return results as (Record<string, unknown> & R)[];
  return withValues(results, items, itemIndices(results, items));
}

function mapItemsOf(rows: unknown): MapItems | undefined {
  return Array.isArray(rows) ? MAP_ITEMS.get(rows) : undefined;
}

/** Each row's item index in the map (undefined: not one of its results). */
function itemIndices(rows: readonly object[], items: MapItems): (number | undefined)[] {
  const { results } = items;
  if (rows.length === results.length && rows.every((row, i) => row === results[i])) return rows.map((_, i) => i);
  const index = new Map(results.map((row, i) => [row, i]));
  return rows.map((row) => index.get(row));
}

/** Rows with their item's mapOver values first (a row that is no item of the map as it is). */
function withValues<R extends Record<string, unknown>>(rows: readonly R[], items: MapItems, indices: readonly (number | undefined)[]) {
  return rows.map((row, i) => {
    const item = indices[i];
    if (item === undefined) return row;
    return { ...Object.fromEntries(items.valuesOf(item).map((v, k) => [items.inputs[k], v])), ...row };
  }) as (Record<string, unknown> & R)[];
}

/** An array of records as a table: displayed in a notebook, or `toString()` / `toHtml()`. */
export class Table {
  readonly data: TableMimeData;

  constructor(rows: readonly Record<string, unknown>[], options: TableOptions = {}) {
    this.data = tableData(rows, options);
  }

  /** What a notebook front end displays: our table, an HTML table for others, aligned text for terminals. */
  mimeBundle(): { [TABLE_MIME_TYPE]: TableMimeData; "text/html": string; "text/plain": string } {
    return { [TABLE_MIME_TYPE]: this.data, "text/html": this.toHtml(), "text/plain": this.toString() };
  }

  [JUPYTER_MIMEBUNDLE]() {
    return this.mimeBundle();
  }

  toHtml(): string {
    const { columns, title } = this.data;
    const { shown, decimals } = preview(this.data);
    const cached = new Set(this.data.cached);
    const head = `<tr><th></th>${columns.map((c) => `<th style="text-align:${alignsRight(c) ? "right" : "left"}">${escapeHtml(c.name)}</th>`).join("")}</tr>`;
    const body = shown.map((i) => {
      if (i === undefined) return `<tr><td>…</td>${columns.map(() => "<td>…</td>").join("")}</tr>`;
      const mark = cached.has(i) ? ` title="served from the cache" style="opacity:0.75"` : "";
      const cells = this.data.rows[i]!.map((cell, c) => {
        const text = escapeHtml(formatCell(cell, decimals[c]!, this.data.digits));
        return alignsRight(columns[c]!) ? `<td style="text-align:right">${text}</td>` : `<td style="text-align:left">${text}</td>`;
      });
      return `<tr${mark}><th>${i}${cached.has(i) ? " ✓" : ""}</th>${cells.join("")}</tr>`;
    });
    const caption = title ? `<caption>${escapeHtml(title)}</caption>` : "";
    return `<table class="hn-table">${caption}<thead>${head}</thead><tbody>${body.join("")}</tbody></table><p>${escapeHtml(summary(this.data))}</p>`;
  }

  /** Aligned text: a header, the rows (long tables cut in the middle), and a summary line. */
  toString(): string {
    const { columns, rows, digits } = this.data;
    const { shown, decimals } = preview(this.data);
    const cached = new Set(this.data.cached);
    const lines: string[][] = [["", ...columns.map((c) => c.name)]];
    for (const i of shown) {
      if (i === undefined) lines.push(["…", ...columns.map(() => "…")]);
      else lines.push([`${i}${cached.has(i) ? "✓" : ""}`, ...rows[i]!.map((cell, c) => formatCell(cell, decimals[c]!, digits))]);
    }
    const widths = lines[0]!.map((_, c) => Math.max(...lines.map((line) => line[c]!.length)));
    const right = [true, ...columns.map(alignsRight)];
    const text = lines.map((line) =>
      line.map((cell, c) => (right[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd(),
    );
    return [...(this.data.title ? [this.data.title] : []), ...text, summary(this.data)].join("\n");
  }
}

/** An array of records as a table (sortable and paged in JupyterLab; HTML and text elsewhere). */
export function table(rows: readonly Record<string, unknown>[], options?: TableOptions): Table {
  return new Table(rows, options);
}

/** Whether a value reads as a table: a non-empty array of plain objects (a map's results). */
export function isRecords(value: unknown): value is Record<string, unknown>[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  for (const row of value) if (!isPlainObject(row)) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function tableData(rows: readonly Record<string, unknown>[], options: TableOptions): TableMimeData {
  if (!Array.isArray(rows)) throw new HyperNodesError(`table: rows must be an array of records, got ${describeValue(rows)}`);
  rows.forEach((row, i) => {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw new HyperNodesError(`table: row ${i} must be a record (an object of named values), got ${describeValue(row)}`);
    }
  });
  const { pageSize = 20, digits = 4 } = options;
  if (!(Number.isInteger(pageSize) && pageSize > 0)) throw new HyperNodesError(`table: pageSize must be a positive integer, got ${describeValue(pageSize)}`);
  if (!(Number.isInteger(digits) && digits > 0 && digits <= 15)) throw new HyperNodesError(`table: digits must be an integer from 1 to 15, got ${describeValue(digits)}`);
  const items = mapItemsOf(rows);
  const cut = rows.length > TABLE_MAX_ROWS ? rows.slice(0, TABLE_MAX_ROWS) : rows;
  const indices = items && itemIndices(cut, items);
  const withItems = options.inputs !== false && items !== undefined && items.inputs.length > 0;
  const shown = withItems ? withValues(cut, items, indices!) : cut;
  const inputs = withItems ? items.inputs : [];
  const names = options.columns ? [...options.columns] : fieldNames(shown);
  if (names.length > TABLE_MAX_COLUMNS) {
    throw new HyperNodesError(
      `table: the records have ${names.length > TABLE_MAX_COLUMNS + 1 ? "more than " : ""}${TABLE_MAX_COLUMNS} fields; pass { columns: [...] } to choose which to show (up to ${TABLE_MAX_COLUMNS})`,
    );
  }
  const cells = shown.map((row) => names.map((name) => cellOf(row[name])));
  const columns = names.map((name, c): TableColumn => {
    const column: TableColumn = { name, kind: columnKind(shown, name, cells, c) };
    if (inputs.includes(name) && !rows.some((row) => Object.hasOwn(row, name))) column.input = true;
    return column;
  });
  const data: TableMimeData = { columns, rows: cells, total: rows.length, pageSize, digits };
  const cached = options.cached ?? (items?.cached && cachedRows(items.cached, indices!));
  if (cached?.length) data.cached = cached.filter((i) => i < cells.length);
  if (options.title !== undefined) data.title = String(options.title);
  return data;
}

/** The rows (by position) whose items the map served from the cache. */
function cachedRows(cached: readonly number[], indices: readonly (number | undefined)[]): number[] {
  const items = new Set(cached);
  return indices.flatMap((item, row) => (item !== undefined && items.has(item) ? [row] : []));
}

/** Every field of the records, in the order first seen (stopping past TABLE_MAX_COLUMNS: that many is refused). */
function fieldNames(rows: readonly Record<string, unknown>[]): string[] {
  const names = new Set<string>();
  for (const row of rows) {
    for (const name of Object.keys(row)) names.add(name);
    if (names.size > TABLE_MAX_COLUMNS) break;
  }
  return [...names];
}

function columnKind(rows: readonly Record<string, unknown>[], name: string, cells: TableCell[][], c: number): TableColumn["kind"] {
  let kind: TableColumn["kind"] | undefined;
  for (let r = 0; r < rows.length; r++) {
    const value = rows[r]![name];
    if (value === null || value === undefined) continue;
    const next = typeof value === "number" ? "number" : typeof cells[r]![c] === "boolean" ? "boolean" : "text";
    if (kind === undefined) kind = next;
    else if (kind !== next) return "mixed";
  }
  return kind ?? "text";
}

function cellOf(value: unknown): TableCell {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "string":
      return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT - 1)}…` : value;
    case "boolean":
      return value;
    default:
      return shortRepr(value, 80, 1);
  }
}

/** The rows a fallback shows (undefined: the cut), and each column's decimals over them. */
function preview(data: TableMimeData): { shown: (number | undefined)[]; decimals: number[] } {
  const n = data.rows.length;
  const shown: (number | undefined)[] =
    n <= HEAD_ROWS + TAIL_ROWS
      ? [...Array(n).keys()]
      : [...Array(HEAD_ROWS).keys(), undefined, ...Array.from({ length: TAIL_ROWS }, (_, k) => n - TAIL_ROWS + k)];
  const decimals = data.columns.map((column, c) =>
    columnDecimals(column, shown.flatMap((i) => (i === undefined ? [] : [data.rows[i]![c]!])), data.digits),
  );
  return { shown, decimals };
}

/** "24 rows × 5 columns, 20 from the cache" (and how many the data left out). */
function summary(data: TableMimeData): string {
  const { total, columns, rows } = data;
  let text = `${total.toLocaleString("en")} row${total === 1 ? "" : "s"} × ${columns.length} column${columns.length === 1 ? "" : "s"}`;
  if (data.cached?.length) text += `, ${data.cached.length.toLocaleString("en")} from the cache (✓)`;
  if (rows.length < total) text += `; the first ${rows.length.toLocaleString("en")} are shown`;
  return text;
}

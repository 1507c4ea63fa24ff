// How a table's cells read, the same in every front end: the kernel's HTML and text fallbacks and the
// JupyterLab extension's renderer. Browser-safe.
import type { TableCell, TableColumn } from "./notebook-protocol.js";

/** Decimals shown for every number of a column, so that they line up: none for a column of integers. */
export function columnDecimals(column: TableColumn, cells: Iterable<TableCell>, digits: number): number {
  if (column.kind !== "number" && column.kind !== "mixed") return 0;
  let decimals = 0;
  for (const cell of cells) {
    if (typeof cell === "number" && !Number.isInteger(cell)) decimals = Math.max(decimals, decimalsFor(cell, digits));
  }
  return Math.min(decimals, digits + 2);
}

/** The decimals that show `digits` significant digits of `n` (a non-integer). */
function decimalsFor(n: number, digits: number): number {
  const magnitude = Math.floor(Math.log10(Math.abs(n)));
  return Math.max(0, digits - 1 - magnitude);
}

/** A cell as text: numbers rounded to the column's decimals (tiny ones in exponent form), null as empty. */
export function formatCell(cell: TableCell, decimals: number, digits: number): string {
  if (cell === null) return "";
  if (typeof cell !== "number") return String(cell);
  if (Number.isInteger(cell)) return decimals ? cell.toFixed(decimals) : String(cell);
  // Too small for the column's decimals to show any digit of it: 1.2e-7 rather than 0.0000.
  if (Math.abs(cell) < 10 ** -decimals) return cell.toExponential(Math.max(0, digits - 1));
  return cell.toFixed(decimals);
}

/** Whether a column's cells are drawn right-aligned (numbers line up by their last digit). */
export function alignsRight(column: TableColumn): boolean {
  return column.kind === "number";
}

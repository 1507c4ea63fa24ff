// The order of a table's rows sorted by one column, as a reader expects from a data table: numbers
// by value, text in natural order ("fold 2" before "fold 10"), false before true; empty cells last
// in both directions (then a number column's NaN just before them); ties keep the original order.
import type { TableCell, TableColumn } from "hypernodes/browser";

export type SortDirection = "ascending" | "descending";

/** What kind of value a cell is, in the order kinds sort in (a mixed column): MISSING ones stay last. */
const NUMBER = 0;
const BOOLEAN = 1;
const TEXT = 2;
const NOT_A_NUMBER = 3;
const MISSING = 4;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Row indices of `rows` in the order of column `c` (stable). */
export function sortedOrder(rows: readonly (readonly TableCell[])[], c: number, kind: TableColumn["kind"], direction: SortDirection): number[] {
  const n = rows.length;
  const ranks = new Uint8Array(n);
  const numbers = new Float64Array(n);
  const texts: string[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const cell = rows[r]![c] ?? null;
    if (cell === null) ranks[r] = MISSING;
    else if (typeof cell === "number") {
      ranks[r] = NUMBER;
      numbers[r] = cell;
    } else if (typeof cell === "boolean") {
      ranks[r] = BOOLEAN;
      numbers[r] = cell ? 1 : 0;
    } else if (kind !== "text" && (cell === "Infinity" || cell === "-Infinity")) {
      // Non-finite numbers travel as text (JSON has none): they sort as the numbers they are.
      ranks[r] = NUMBER;
      numbers[r] = cell === "Infinity" ? Infinity : -Infinity;
    } else if (kind !== "text" && cell === "NaN") ranks[r] = NOT_A_NUMBER;
    else {
      ranks[r] = TEXT;
      texts[r] = cell;
    }
  }
  const sign = direction === "ascending" ? 1 : -1;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const [ra, rb] = [ranks[a]!, ranks[b]!];
    let by: number;
    if (ra !== rb) by = ra >= NOT_A_NUMBER || rb >= NOT_A_NUMBER ? ra - rb : sign * (ra - rb);
    else if (ra === TEXT) by = sign * collator.compare(texts[a]!, texts[b]!);
    else if (ra === NUMBER || ra === BOOLEAN) by = sign * (numbers[a]! - numbers[b]! || 0);
    else by = 0;
    return by || a - b;
  });
  return order;
}

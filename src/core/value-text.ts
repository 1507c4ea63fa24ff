// A value as one short line, the way Node prints it (what a notebook's text output shows too): a DAG's
// bound inputs, a table's cells that are not numbers, text or booleans.
import { inspect } from "node:util";

/** At most `max` characters of `value` printed `depth` levels deep (an Error as its name and message). */
export function shortRepr(value: unknown, max: number, depth = 0): string {
  const text =
    value instanceof Error
      ? `${value.name}: ${value.message}`
      : inspect(value, { depth, breakLength: Infinity, maxArrayLength: 5, maxStringLength: max });
  return clip(text, max);
}

/** Text on one line, cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

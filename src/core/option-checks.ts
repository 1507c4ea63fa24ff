// Checks of option values, shared so every bad option is refused the same way: a HyperNodesError
// naming the option, what it got and what it takes, before any node runs.
import { HyperNodesError } from "./errors.js";

/** A value as an error message names it: its class or type (`null`, `Array`, `string`, …). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

/** A time limit in ms: undefined, or a positive finite number. */
export function checkTimeout(value: unknown, label: string, ErrorClass = HyperNodesError): asserts value is number | undefined {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new ErrorClass(`${label} must be a positive number of milliseconds, got ${typeof value === "number" ? value : describeValue(value)}`);
  }
}

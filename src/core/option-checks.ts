// Checks of option values, shared so every bad option is refused the same way: a HyperNodesError
// naming the option, what it got and what it takes, before any node runs.
import { closest, distance } from "fastest-levenshtein";
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

/** Names that would reach an object's prototype machinery when used as keys of inputs or outputs records. */
const RESERVED_NAMES = new Set(["__proto__", "constructor", "prototype"]);

/** Throws for an input or output name that is not a non-empty string, or is reserved. */
export function checkName(name: unknown, label: string, ErrorClass = HyperNodesError): asserts name is string {
  if (typeof name !== "string" || name === "") throw new ErrorClass(`${label} must be a non-empty string, got ${describeValue(name)}`);
  if (RESERVED_NAMES.has(name)) throw new ErrorClass(`${label} '${name}' is reserved (it names a part of every JavaScript object): choose another name`);
}

/** " (did you mean 'x'?)" when one of `known` is close to `name` (a typo), else "". */
export function didYouMean(name: string, known: readonly string[]): string {
  if (known.length === 0) return "";
  const best = closest(name, known as string[]);
  const d = distance(name, best);
  return d <= Math.ceil(name.length / 3) && d < name.length ? ` (did you mean '${best}'?)` : "";
}

/** Throws unless `options` is an object (or undefined) whose keys are all in `known`, suggesting the closest for a typo. */
export function checkOptionNames(options: unknown, known: readonly string[], label: string, ErrorClass = HyperNodesError): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) throw new ErrorClass(`${label}: options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ErrorClass(`${label}: unknown option '${key}'${didYouMean(key, known)}`);
  }
}

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

/** " (did you mean 'x'?)" when one of `known` is close to `name` (a typo) or one holds the other, else "". */
export function didYouMean(name: string, known: readonly string[]): string {
  if (known.length === 0) return "";
  // One name inside the other ("orientation" for "orient") is a typo too, however far apart they are.
  const lower = name.toLowerCase();
  const related = known.find((k) => Math.min(k.length, name.length) >= 3 && (lower.startsWith(k.toLowerCase()) || k.toLowerCase().startsWith(lower)));
  if (related) return ` (did you mean '${related}'?)`;
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

/** What an option takes: said in errors ("must be …"), and its test. */
export interface OptionRule {
  takes: string;
  accepts(value: unknown): boolean;
}

const rule = (takes: string, accepts: (value: any) => boolean): OptionRule => ({ takes, accepts });

/** The rules options share. */
export const TAKES = {
  string: rule("a string", (v) => typeof v === "string"),
  name: rule("a non-empty string", (v) => typeof v === "string" && v !== ""),
  boolean: rule("true or false", (v) => typeof v === "boolean"),
  count: rule("a positive integer", (v) => Number.isInteger(v) && v >= 1),
  size: rule("a number of at least 0", (v) => typeof v === "number" && v >= 0),
  function: rule("a function", (v) => typeof v === "function"),
  url: rule("a URL", (v) => v instanceof URL),
  cache: rule("a Cache (DiskCache, MemoryCache, KeyvCache, or your own)", (c) => typeof c?.getMany === "function" && typeof c.set === "function"),
  engine: rule("an engine (with run and map methods)", (e) => typeof e?.run === "function" && typeof e.map === "function"),
  list: (of: string) => rule(`a list of ${of}`, Array.isArray),
  record: (of: string) => rule(`an object of ${of}`, (v) => v !== null && typeof v === "object" && !Array.isArray(v)),
  oneOf: (...values: unknown[]) => rule(values.map((v) => JSON.stringify(v)).join(" or "), (v) => values.includes(v)),
  either: (...rules: OptionRule[]) => rule(rules.map((r) => r.takes).join(" or "), (v) => rules.some((r) => r.accepts(v))),
} as const;

/** The option every engine takes (EngineOptions). */
export const ENGINE_OPTIONS = { batch: TAKES.boolean } as const;

/** A value as an error says what it got: numbers, booleans and short strings as they are, else describeValue. */
export function shownValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return value.length <= 40 ? JSON.stringify(value) : "a string";
  return describeValue(value);
}

/**
 * Throws unless `options` is an object (or undefined) of known names, each given value accepted by its
 * rule (null: any value), naming the option, what it got and what it takes.
 */
export function checkOptions(options: unknown, rules: Record<string, OptionRule | null>, label: string, ErrorClass = HyperNodesError): void {
  checkOptionNames(options, Object.keys(rules), label, ErrorClass);
  if (options === undefined) return;
  for (const [name, value] of Object.entries(options as Record<string, unknown>)) {
    const check = rules[name];
    if (value !== undefined && check && !check.accepts(value)) throw new ErrorClass(`${label}: option ${name} must be ${check.takes}, got ${shownValue(value)}`);
  }
}

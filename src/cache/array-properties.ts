import { inspect, types } from "node:util";

/**
 * Whether an array's own properties are its elements alone: no named property (a regex match's
 * `index`, `input`, `groups`), and with `hidden` no non-enumerable or symbol-keyed one either.
 * JavaScript lists every index before the first named property, as a string each (~50–170 ns
 * apiece), so a long array is asked through util.inspect with no elements shown, which reads only
 * the named ones: about a microsecond whatever the length. Any output but the expected one (named
 * properties, a proxy, another Node's format) takes the exact route.
 */
export function hasOnlyElements(arr: unknown[], { hidden }: { hidden: boolean }): boolean {
  const n = arr.length;
  if (n > SHORT && Object.getPrototypeOf(arr) === Array.prototype && !types.isProxy(arr)) {
    const expected = hidden ? `[ ... ${n} more items, [length]: ${n} ]` : `[ ... ${n} more items ]`;
    if (inspect(arr, hidden ? HIDDEN : ENUMERABLE) === expected) return true;
  }
  const keys = hidden ? Reflect.ownKeys(arr) : Object.keys(arr);
  const last = keys[keys.length - 1];
  return last === undefined || (hidden ? last === "length" : isIndex(String(last)));
}

/** Canonical array index: "0", "17", not "01" or "4294967295" (2^32 - 1 is a named property). */
export function isIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

/** Up to this length listing the keys costs less than inspect. */
const SHORT = 16;
const NO_ELEMENTS = { maxArrayLength: 0, depth: 0, customInspect: false, showProxy: false, getters: false, colors: false, compact: 3, breakLength: Infinity, numericSeparator: false, sorted: false } as const;
const ENUMERABLE = { ...NO_ELEMENTS, showHidden: false } as const;
const HIDDEN = { ...NO_ELEMENTS, showHidden: true } as const;

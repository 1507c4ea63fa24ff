// Secrets hidden wherever text leaves a process: warnings, a worker's log lines, the errors and
// progress a worker sends its caller through a shared store. Each shows as "***": a password in a URL
// (user:password@, or ?password=), and every secret this process was given (its Redis passwords, its
// HYPERNODES_SECRET) wherever it appears, as a driver may quote one bare (ioredis's AUTH arguments).

const IN_URL = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/]+@/gi;
const IN_QUERY = /([?&](?:password|pass|pwd)=)[^&#\s]+/gi;
/** Shorter secrets are not searched for: they would mask ordinary words. */
const SHORTEST_KNOWN = 8;
const known = new Set<string>();

/** A secret this process uses, to be hidden from everything redacted from now on. */
export function rememberSecret(secret: string | undefined): void {
  if (secret && secret.length >= SHORTEST_KNOWN) known.add(secret);
}

export function redact(text: string): string {
  let shown = text.includes("://") ? text.replace(IN_URL, "$1:***@") : text;
  if (shown.includes("=")) shown = shown.replace(IN_QUERY, "$1***");
  for (const secret of known) if (shown.includes(secret)) shown = shown.split(secret).join("***");
  return shown;
}

/**
 * `value` with its secrets hidden, deeply: a string redacted; an Error's message, stack, fields and
 * cause, and the members of plain objects and arrays, in place (it is about to be sent), a frozen
 * plain object or array as a copy. Other objects (class instances, Maps…) are left as they are.
 */
export function redactDeep<T>(value: T, seen = new Set<object>()): T {
  if (typeof value === "string") return redact(value) as T;
  if (typeof value !== "object" || value === null || seen.has(value)) return value;
  const isError = value instanceof Error;
  const isArray = Array.isArray(value);
  if (!isError && !isArray && Object.getPrototypeOf(value) !== Object.prototype) return value;
  seen.add(value);
  const target = (isError || Object.isExtensible(value) ? value : isArray ? [...value] : { ...value }) as Record<string, unknown>;
  // An Error's message, stack and cause are its own but not enumerable.
  const keys = isError ? new Set([...Object.keys(target), "message", "stack", ...(Object.hasOwn(target, "cause") ? ["cause"] : [])]) : Object.keys(target);
  for (const key of keys) {
    try {
      target[key] = redactDeep(target[key], seen);
    } catch {
      // A read-only property of an Error keeps its value: it is sent as it is.
    }
  }
  return target as T;
}

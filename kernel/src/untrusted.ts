// Values from a message or a file the kernel did not write, shown in a log line or an error message:
// short, on one line, and never by calling into them (a JSON object's `toString` may be anything, a
// deeply nested one overflows JSON.stringify).

const MAX_SHOWN_CHARS = 80;

/** A string quoted (escapes keep it on one line) and cut short; a number, boolean or null as is; anything else by its kind. */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(cut(value));
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

/** A string cut to a length fit for a message. */
export function cut(text: string): string {
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
}

/** A JSON object (not null, not an array): what a message part or a request must be. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// A value as notebook front ends show it: the object's own MIME bundle when it has one (hypernodes'
// Pipeline, Visualization, Table and Chart do), an array of records (a map's results) as a table,
// otherwise text: a string as is, anything else as Node's REPL prints it.
import { inspect } from "node:util";
import { JUPYTER_MIMEBUNDLE } from "hypernodes/browser";

export type MimeBundle = Record<string, unknown>;

export async function mimeBundle(value: unknown): Promise<MimeBundle> {
  const method = (value as { [JUPYTER_MIMEBUNDLE]?: unknown } | null | undefined)?.[JUPYTER_MIMEBUNDLE];
  if (typeof method === "function") {
    const bundle: unknown = await method.call(value);
    if (bundle && typeof bundle === "object" && Object.keys(bundle).length) {
      // Every output needs text/plain: it is what text-only front ends and saved notebooks fall back to.
      return "text/plain" in bundle ? (bundle as MimeBundle) : { ...bundle, "text/plain": plainText(value) };
    }
  }
  if (Array.isArray(value) && value.length) {
    // Loaded when a cell first shows records: the kernel starts without the library's root.
    const { isRecords, table } = await import("hypernodes");
    try {
      // The text stays what Node prints for the array: code a reader copies from a saved notebook or a terminal.
      if (isRecords(value)) return { ...table(value).mimeBundle(), "text/plain": plainText(value) };
    } catch {
      // Not a table after all (more fields than a table has, a getter that throws, a revoked proxy): text, as for any value.
    }
  }
  return { "text/plain": plainText(value) };
}

function plainText(value: unknown): string {
  // A string is shown as is (as tslab does), so a cell can end with text it built.
  if (typeof value === "string") return value;
  return inspect(value, { depth: 4, maxArrayLength: 100, breakLength: 100 });
}

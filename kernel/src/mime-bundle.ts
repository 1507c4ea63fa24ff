// A value as notebook front ends show it: the object's own MIME bundle when it has one (hypernodes'
// Pipeline and Visualization do), otherwise text: a string as is, anything else as Node's REPL prints it.
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
  return { "text/plain": plainText(value) };
}

function plainText(value: unknown): string {
  // A string is shown as is (as tslab does), so a cell can end with text it built.
  if (typeof value === "string") return value;
  return inspect(value, { depth: 4, maxArrayLength: 100, breakLength: 100 });
}

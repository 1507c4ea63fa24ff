import { hashFunctionSource, referencedNames } from "./code-hash.js";
import { digest } from "./digest.js";
import { hashValue } from "./hashing.js";

/** Finds the value a free name of a node function refers to, e.g. in a notebook's earlier cells. */
export type ReferenceResolver = (name: string) => { value: unknown } | undefined;

let resolver: ReferenceResolver | undefined;

/**
 * Registers where free names of node functions are looked up (the notebook kernel registers the
 * names declared in cells). Each name found joins the node's codeHash — a helper function by its
 * code (and the names it reads, in turn), a value by its content — so editing a helper or a constant
 * in its cell invalidates exactly the nodes that read it, without listing it in `deps`.
 * Pass undefined to stop.
 */
export function setReferenceResolver(next: ReferenceResolver | undefined): void {
  resolver = next;
}

/** What a free name of a node function refers to, when a resolver is set and knows it. */
export function resolveReference(name: string): { value: unknown } | undefined {
  return resolver?.(name);
}

/** Hash of what a function's free names resolve to, or "" when nothing resolves (or no resolver is set). */
export function hashReferences(fn: Function): string {
  if (!resolver) return "";
  const parts: string[] = [];
  collect(fn, resolver, new Set([fn]), parts);
  return parts.length ? digest(parts.join("|")) : "";
}

function collect(fn: Function, resolve: ReferenceResolver, seen: Set<unknown>, parts: string[]): void {
  for (const name of referencedNames(fn)) {
    const found = resolve(name);
    if (!found || seen.has(found.value)) continue;
    seen.add(found.value);
    const { value } = found;
    if (typeof value === "function") {
      parts.push(`${name}=f:${hashFunctionSource(value)}`);
      collect(value, resolve, seen, parts);
    } else {
      parts.push(`${name}=v:${hashContent(name, value)}`);
    }
  }
}

/**
 * A referenced value by content; one that cannot be hashed (a live connection, a cyclic object) by
 * its class name only, so reading it never breaks a run (its edits then go unnoticed: use `deps`).
 */
function hashContent(name: string, value: unknown): string {
  try {
    return hashValue(value, `'${name}' (read by a node function)`);
  } catch {
    return `unhashable:${(value as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof value}`;
  }
}

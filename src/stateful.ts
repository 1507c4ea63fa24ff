import { HyperNodesError } from "./errors.js";

/** Resources created in this process (or worker), by key: created once, reused by every item and call. */
const resources = new Map<string, unknown>();

/**
 * An expensive resource (a model, a DB connection) used as a pipeline input: created lazily on first
 * use, once per process or worker, reused across items and calls, and hashed by its `key` — never by
 * its live state. Bind it or pass it like any input; the node receives the resource itself.
 */
export class Stateful<T = unknown> {
  constructor(
    readonly key: string,
    readonly create: () => T | Promise<T>,
  ) {}

  /** Signatures use the key (see hashing's cacheKey rule), so the resource is never walked. */
  cacheKey(): string {
    return `stateful:${this.key}`;
  }

  /** The resource, created on first use (awaited when the factory is async). */
  async get(): Promise<T> {
    if (!resources.has(this.key)) resources.set(this.key, Promise.resolve(this.create()));
    return (await resources.get(this.key)) as T;
  }

  /** Forgets the created resource (it is created again on next use). */
  static release(key: string): void {
    resources.delete(key);
  }
}

/** Declares a lazily created, shared resource: `stateful(() => loadModel(path), { key: "model@v2" })`. */
export function stateful<T>(create: () => T | Promise<T>, options: { key: string }): Stateful<T> {
  if (typeof create !== "function") throw new HyperNodesError("stateful() expects a factory function");
  if (!options?.key) throw new HyperNodesError("stateful() needs { key }: the resource is hashed by it, never by its state");
  return new Stateful(options.key, create);
}

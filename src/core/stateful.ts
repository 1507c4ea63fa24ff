import { functionHash } from "../identity/code-identity.js";
import { HyperNodesError, UnhashableValueError, messageOf } from "./errors.js";

/** Resources created in this process (or worker), by identity: created once, reused by every item and call. */
const resources = new Map<string, { key: string; resource: Promise<unknown> }>();

/**
 * An expensive resource (a model, a DB connection) used as a pipeline input: created lazily on first
 * use, once per process or worker, reused across items and calls, and hashed by its identity — never
 * by its live state. The identity is the key plus the factory's code hash (its code and everything
 * it reads: another API secret, another model path is another resource); with no key, the factory's
 * hash alone. A factory that reads what cannot be hashed (a live connection) needs a key, which then
 * stands for it alone. Bind it or pass it like any input; the node receives the resource itself.
 */
export class Stateful<T = unknown> {
  readonly #hasKey: boolean;

  constructor(
    /** The key given to stateful(), or the factory's code hash when none was. */
    readonly key: string,
    readonly create: () => T | Promise<T>,
    options: { keyed?: boolean } = {},
  ) {
    this.#hasKey = options.keyed ?? true;
  }

  /** The key and the factory's code hash now (the key alone when a keyed factory cannot be hashed). */
  get id(): string {
    if (!this.#hasKey) return functionHash(this.create);
    try {
      return `${this.key}|${functionHash(this.create)}`;
    } catch (error) {
      if (error instanceof UnhashableValueError) return this.key;
      throw error;
    }
  }

  /** Signatures use the identity (see hashing's cacheKey rule), so the resource is never walked. */
  cacheKey(): string {
    return `stateful:${this.id}`;
  }

  /** The resource, created on first use (awaited when the factory is async). */
  get(): Promise<T> {
    return sharedResource(this.id, this.key, this.create);
  }

  /** Forgets the resources created under this key (they are created again on next use). */
  static release(key: string): void {
    for (const [id, entry] of resources) if (entry.key === key) resources.delete(id);
  }
}

/** The resource with this identity in this process or worker, created by `create` on first use. */
export function sharedResource<T>(id: string, key: string, create: () => T | Promise<T>): Promise<T> {
  let entry = resources.get(id);
  if (!entry) resources.set(id, (entry = { key, resource: (async () => create())() }));
  return entry.resource as Promise<T>;
}

/**
 * Declares a lazily created, shared resource: `stateful(() => loadModel(path), { key: "model" })`, or
 * `stateful(() => loadModel(path))` when the factory's code and what it reads identify it.
 */
export function stateful<T>(create: () => T | Promise<T>, options: { key?: string } = {}): Stateful<T> {
  if (typeof create !== "function") throw new HyperNodesError("stateful() expects a factory function");
  const { key } = options ?? {};
  if (key !== undefined && (typeof key !== "string" || key === "")) {
    throw new HyperNodesError(`stateful(): { key } must be a non-empty string, got ${JSON.stringify(key)}`);
  }
  if (key !== undefined) return new Stateful(key, create);
  try {
    return new Stateful(functionHash(create), create, { keyed: false });
  } catch (error) {
    throw new HyperNodesError(
      `stateful(): the factory${create.name ? ` '${create.name}'` : ""} cannot be identified by its code (${messageOf(error)}); give it a { key }`,
      { cause: error },
    );
  }
}

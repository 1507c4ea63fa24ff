import { byteSize, decode, encode, MISS, type Encoded } from "./serialization.js";

/**
 * Where node results live, keyed by signature. Values go in and come out as copies (structured
 * serialization), so mutating a returned value never corrupts the cache. `null` and `undefined`
 * are cached like any value; a miss is told apart from a cached `undefined` by `has`/`getMany`.
 *
 * A value comes back exactly as it was stored (prototype, own properties and their enumerability) or
 * is refused by `set` with an UnserializableValueError. Class instances are stored with their class's
 * code identity and come back as instances of the live class with that identity; when this process
 * has no such class (its code changed, or it was never loaded), the entry is a miss: `get` returns
 * undefined and `getMany` leaves it out, while `has` still says true (the entry exists; it may be read
 * once the class is loaded, and the next write replaces it).
 */
export interface Cache {
  get(signature: string): Promise<unknown>;
  set(signature: string, value: unknown): Promise<void>;
  has(signature: string): Promise<boolean>;
  delete(signature: string): Promise<boolean>;
  clear(): Promise<void>;
  close(): Promise<void>;
  /** Batched lookup: the hits only, keyed by signature (a hit's value may be undefined). */
  getMany(signatures: readonly string[]): Promise<Map<string, unknown>>;
  /**
   * Deletes every entry whose signature starts with `prefix` (a node's tag: `pipeline.clearCache()`);
   * returns how many. Optional: a cache without it cannot clear one pipeline's entries.
   */
  deletePrefix?(prefix: string): Promise<number>;
  /** Commits buffered writes; called at the end of every run and map. */
  flush?(): Promise<void>;
  /** Joins every signature computed with this cache. */
  readonly salt?: string;
}

export interface CacheStats {
  entries: number;
  /** Bytes of stored (serialized) values. */
  bytes: number;
  /** Lookups that hit, and missed, through this cache object since it was created. */
  hits: number;
  misses: number;
}

/** A cache in this process's memory: fast, gone when the process ends. */
export class MemoryCache implements Cache {
  readonly #entries = new Map<string, Encoded>();
  #hits = 0;
  #misses = 0;

  async get(signature: string): Promise<unknown> {
    const value = decode(this.#entries.get(signature));
    return value === MISS ? undefined : value;
  }

  async set(signature: string, value: unknown): Promise<void> {
    this.#entries.set(signature, encode(value, { classes: true }));
  }

  async has(signature: string): Promise<boolean> {
    return this.#entries.has(signature);
  }

  async delete(signature: string): Promise<boolean> {
    return this.#entries.delete(signature);
  }

  async clear(): Promise<void> {
    this.#entries.clear();
  }

  async close(): Promise<void> {}

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for (const signature of this.#entries.keys()) {
      if (signature.startsWith(prefix) && this.#entries.delete(signature)) deleted++;
    }
    return deleted;
  }

  async getMany(signatures: readonly string[]): Promise<Map<string, unknown>> {
    const hits = new Map<string, unknown>();
    for (const signature of signatures) {
      const encoded = this.#entries.get(signature);
      if (encoded === undefined && !this.#entries.has(signature)) continue;
      const value = decode(encoded);
      if (value !== MISS) hits.set(signature, value);
    }
    this.#hits += hits.size;
    this.#misses += signatures.length - hits.size;
    return hits;
  }

  async stats(): Promise<CacheStats> {
    let bytes = 0;
    for (const e of this.#entries.values()) bytes += byteSize(e);
    return { entries: this.#entries.size, bytes, hits: this.#hits, misses: this.#misses };
  }
}

import { decode, encode } from "./serialization.js";

/**
 * Where node results live, keyed by signature. Values go in and come out as copies (structured
 * serialization), so mutating a returned value never corrupts the cache. `null` and `undefined`
 * are cached like any value; a miss is told apart from a cached `undefined` by `has`/`getMany`.
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
}

/** A cache in this process's memory: fast, gone when the process ends. */
export class MemoryCache implements Cache {
  readonly #entries = new Map<string, Buffer>();

  async get(signature: string): Promise<unknown> {
    const buffer = this.#entries.get(signature);
    return buffer === undefined ? undefined : decode(buffer);
  }

  async set(signature: string, value: unknown): Promise<void> {
    this.#entries.set(signature, encode(value));
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

  async getMany(signatures: readonly string[]): Promise<Map<string, unknown>> {
    const hits = new Map<string, unknown>();
    for (const signature of signatures) {
      const buffer = this.#entries.get(signature);
      if (buffer !== undefined) hits.set(signature, decode(buffer));
    }
    return hits;
  }

  /** Number of entries and bytes held. */
  async stats(): Promise<{ entries: number; bytes: number }> {
    let bytes = 0;
    for (const b of this.#entries.values()) bytes += b.byteLength;
    return { entries: this.#entries.size, bytes };
  }
}

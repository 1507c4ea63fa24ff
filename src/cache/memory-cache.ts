import type { Cache, CacheStats } from "./cache.js";
import { HitCounter } from "./hit-counter.js";
import { checkOptions } from "../core/option-checks.js";
import { byteSize, decode, encode, MISS, type Encoded } from "./serialization.js";

/** A cache in this process's memory: fast, gone when the process ends. */
export class MemoryCache implements Cache {
  readonly #entries = new Map<string, Encoded>();
  readonly #lookups = new HitCounter();

  /** It takes no options: one given (a size bound, say) is refused rather than silently ignored. */
  constructor(options?: Record<string, never>) {
    checkOptions(options, {}, "new MemoryCache");
  }

  async get(signature: string): Promise<unknown> {
    const value = this.#read(signature);
    this.#lookups.count(1, value === MISS ? 0 : 1);
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

  async deleteByTag(tag: string): Promise<number> {
    let deleted = 0;
    for (const signature of this.#entries.keys()) {
      if (signature.startsWith(tag) && this.#entries.delete(signature)) deleted++;
    }
    return deleted;
  }

  async getMany(signatures: readonly string[]): Promise<Map<string, unknown>> {
    const hits = new Map<string, unknown>();
    for (const signature of signatures) {
      const value = this.#read(signature);
      if (value !== MISS) hits.set(signature, value);
    }
    this.#lookups.count(signatures.length, hits.size);
    return hits;
  }

  async stats(): Promise<CacheStats> {
    let bytes = 0;
    for (const e of this.#entries.values()) bytes += byteSize(e);
    return this.#lookups.stats({ entries: this.#entries.size, bytes });
  }

  /** A fresh copy of the entry's value; MISS when there is none, or its class is not in this process. */
  #read(signature: string): unknown {
    const encoded = this.#entries.get(signature);
    if (encoded === undefined && !this.#entries.has(signature)) return MISS;
    return decode(encoded);
  }
}

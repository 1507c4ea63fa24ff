import type Keyv from "keyv";
import type { KeyvStoreAdapter } from "keyv";
import { HyperNodesError } from "../core/errors.js";
import type { Cache, CacheStats } from "./cache.js";
import { HitCounter } from "./hit-counter.js";
import { byteSize, decode, encode, fromBytes, MISS, toBytes, type Encoded } from "./serialization.js";

export interface KeyvCacheOptions {
  /** Joins every signature: change it to invalidate everything stored through this cache on purpose. */
  salt?: string;
  /**
   * Writes are committed together once this many are pending, or once the oldest has waited a second
   * (slow nodes lose at most a second of work to a crash), and at the end of every run/map.
   */
  batchSize?: number;
  /** Bytes of recently read or written entries kept in memory, so a re-run cell never waits on the store. */
  memoryBytes?: number;
}

/**
 * A Keyv store as KeyvCache uses it: Keyv's adapter contract, and what a store may add for KeyvCache,
 * each optional (SqliteStore, under DiskCache, has both).
 */
export interface KeyvCacheStore extends KeyvStoreAdapter {
  /**
   * Deletes the entries whose key is a signature starting with these hex digits (an even number of
   * them: a node's tag); returns how many. Without it, `KeyvCache.deleteByTag` rejects.
   */
  deletePrefix?(hexPrefix: string): number | Promise<number>;
  /** Entries and bytes stored. Without it, `KeyvCache.stats()` says NaN for both. */
  stats?(): StoredSize | Promise<StoredSize>;
}

/** What a store holds: entries, and bytes of their values. */
export interface StoredSize {
  entries: number;
  bytes: number;
}

/**
 * A cache on any Keyv store (Redis, Postgres, SQLite, …), so a team or a cluster can share one.
 * Values are stored as Buffers of Node's structured serialization (serialization.ts; class instances
 * as the Cache interface says). Writes are batched (`setMany`) and flushed at the end of each
 * run/map; recent entries are also kept in memory, bounded by bytes.
 */
export class KeyvCache implements Cache {
  readonly keyv: Keyv;
  readonly salt: string | undefined;
  readonly #batchSize: number;
  readonly #memoryLimit: number;
  #pending = new Map<string, Encoded>();
  /** When the oldest pending write was made (performance.now()). */
  #pendingSince = 0;
  /** Least recently used first (Map insertion order; a hit moves an entry to the end). */
  readonly #recent = new Map<string, Encoded>();
  #recentBytes = 0;
  readonly #lookups = new HitCounter();

  constructor(keyv: Keyv, options: KeyvCacheOptions = {}) {
    this.keyv = keyv;
    this.salt = options.salt;
    this.#batchSize = options.batchSize ?? 16_384;
    this.#memoryLimit = options.memoryBytes ?? 64 * 2 ** 20;
  }

  async get(signature: string): Promise<unknown> {
    return (await this.getMany([signature])).get(signature);
  }

  async getMany(signatures: readonly string[]): Promise<Map<string, unknown>> {
    const hits = new Map<string, unknown>();
    let missing: string[] = [];
    for (const signature of signatures) {
      let value: unknown;
      if (this.#pending.has(signature)) value = decode(this.#pending.get(signature));
      else if (this.#recent.has(signature)) value = decode(this.#touch(signature));
      else {
        missing.push(signature);
        continue;
      }
      // MISS: its class is not in this process (see Cache); a miss, the entry kept.
      if (value !== MISS) hits.set(signature, value);
    }
    if (missing.length) {
      if (missing.length > 1) missing = [...new Set(missing)];
      const rows = await this.keyv.getMany<Uint8Array>(missing);
      rows.forEach((row, i) => {
        if (row === undefined || row === null) return;
        const { encoded, value } = fromBytes(row);
        this.#add(missing[i]!, encoded);
        if (value !== MISS) hits.set(missing[i]!, value);
      });
    }
    this.#lookups.count(signatures.length, hits.size);
    return hits;
  }

  async set(signature: string, value: unknown): Promise<void> {
    const encoded = encode(value, { classes: true }); // throws UnserializableValueError before anything is stored
    if (this.#pending.size === 0) this.#pendingSince = performance.now();
    this.#pending.set(signature, encoded);
    this.#remember(signature, encoded);
    if (this.#pending.size >= this.#batchSize || performance.now() - this.#pendingSince > 1000) await this.flush();
  }

  /** Commits pending writes in one batch; on failure they stay pending for the next flush. */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await this.keyv.setMany([...batch].map(([key, encoded]) => ({ key, value: toBytes(encoded) })));
    } catch (error) {
      for (const [key, encoded] of batch) if (!this.#pending.has(key)) this.#pending.set(key, encoded);
      this.#pendingSince = performance.now();
      throw error;
    }
  }

  async has(signature: string): Promise<boolean> {
    return this.#pending.has(signature) || this.#recent.has(signature) || (await this.keyv.has(signature));
  }

  async delete(signature: string): Promise<boolean> {
    const wasPending = this.#pending.delete(signature);
    this.#forget(signature);
    return (await this.keyv.delete(signature)) || wasPending;
  }

  async clear(): Promise<void> {
    this.#pending.clear();
    this.#recent.clear();
    this.#recentBytes = 0;
    await this.keyv.clear();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.keyv.disconnect();
  }

  /**
   * Deletes a node's entries (see Cache), when the Keyv store can delete by key prefix
   * (`KeyvCacheStore.deletePrefix`: DiskCache's SqliteStore can); rejects otherwise.
   */
  async deleteByTag(tag: string): Promise<number> {
    const store = this.#store();
    if (!store.deletePrefix) {
      throw new HyperNodesError("this cache's Keyv store cannot delete by key prefix: clear() empties it all");
    }
    await this.flush();
    for (const signature of [...this.#recent.keys()]) if (signature.startsWith(tag)) this.#forget(signature);
    return store.deletePrefix(tag);
  }

  /** Entries and bytes in the store (when it can tell: `KeyvCacheStore.stats`), and this object's hits and misses. */
  async stats(): Promise<CacheStats> {
    await this.flush();
    const stored = (await this.#store().stats?.()) ?? { entries: NaN, bytes: NaN };
    return this.#lookups.stats(stored);
  }

  /** The Keyv store, with the optional members KeyvCache can use (Keyv types it `any`). */
  #store(): Pick<KeyvCacheStore, "deletePrefix" | "stats"> {
    return this.keyv.store;
  }

  /** A recent entry, moved to the most recently used end. */
  #touch(signature: string): Encoded {
    const encoded = this.#recent.get(signature);
    this.#recent.delete(signature);
    this.#recent.set(signature, encoded);
    return encoded;
  }

  #remember(signature: string, encoded: Encoded): void {
    this.#forget(signature);
    this.#add(signature, encoded);
  }

  /** Adds an entry known not to be held, evicting the least recently used beyond the memory bound. */
  #add(signature: string, encoded: Encoded): void {
    const size = byteSize(encoded);
    if (size > this.#memoryLimit) return;
    this.#recent.set(signature, encoded);
    this.#recentBytes += size;
    for (const [key, old] of this.#recent) {
      if (this.#recentBytes <= this.#memoryLimit) break;
      this.#recent.delete(key);
      this.#recentBytes -= byteSize(old);
    }
  }

  #forget(signature: string): void {
    if (!this.#recent.has(signature)) return;
    this.#recentBytes -= byteSize(this.#recent.get(signature));
    this.#recent.delete(signature);
  }
}

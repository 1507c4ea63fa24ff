import type { CacheStats } from "./cache.js";

/** Hits and misses of one cache object's lookups, and the CacheStats they make with what is stored. */
export class HitCounter {
  #hits = 0;
  #misses = 0;

  /** One lookup of `looked` signatures, `found` of them hits. */
  count(looked: number, found: number): void {
    this.#hits += found;
    this.#misses += looked - found;
  }

  /** The cache's stats: what its storage holds, and the lookups counted here. */
  stats(stored: { entries: number; bytes: number; oldestAccess?: Date; newestAccess?: Date }): CacheStats {
    return { ...stored, hits: this.#hits, misses: this.#misses };
  }
}

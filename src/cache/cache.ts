// The cache contract, types only: what every cache does (get/set/has/delete/clear/close/getMany) and
// the optional capabilities a cache declares, each with who uses it. The implementations are
// memory-cache.ts, keyv-cache.ts (any Keyv store) and disk-cache.ts; `hypernodes/testing`'s
// cacheConformance (cache-conformance.ts) is the contract as a test suite every one of them runs.

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
 *
 * Optional members are capabilities: a cache declares those it has, and callers ask for them by
 * name (`cache.stats?.()`), never by probing an object's shape.
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
   * Deletes every entry of the nodes with this tag (the first hex digits of each of a node's
   * signatures: `nodeTag(codeHash)` in signature.ts) and returns how many. Used by
   * `pipeline.clearCache()` (and through it the notebook side panel's "Clear"); a cache without it
   * cannot clear one pipeline's entries. A cache that declares it but whose storage cannot do it
   * (KeyvCache on a store without `deletePrefix`) rejects with a HyperNodesError and deletes nothing.
   */
  deleteByTag?(tag: string): Promise<number>;
  /**
   * Entries and bytes stored, and this cache object's hits and misses. Used by the notebook kernel
   * (the side panel's cache figures, and how many entries "Clear all" removed) and by notebooks.
   */
  stats?(): Promise<CacheStats>;
  /**
   * Deletes entries not used for `olderThan` ms, then the least recently used until at most
   * `maxBytes` of values remain; returns what it removed. Used by DiskCache's `maxBytes` (in the
   * background), the `hypernodes-cache prune` command, and users bounding a cache.
   */
  prune?(options: PruneOptions): Promise<Pruned>;
  /**
   * Commits buffered writes, so another cache object (another process) on the same storage reads
   * them. Called by the engine at the end of every run and map; `close` commits too.
   */
  flush?(): Promise<void>;
  /** Joins every signature computed with this cache (the pipeline's environment hash). */
  readonly salt?: string;
}

export interface PruneOptions {
  /** Bytes of stored values to keep at most (least recently used go first). */
  maxBytes?: number;
  /** Entries not read or written for this many milliseconds go. */
  olderThan?: number;
}

/** What `Cache.prune()` removed. */
export interface Pruned {
  entries: number;
  bytes: number;
}

/** What `Cache.stats()` tells. */
export interface CacheStats {
  /** Entries stored; NaN when the storage cannot tell (a Keyv store without `stats`). */
  entries: number;
  /** Bytes of stored (serialized) values; NaN when the storage cannot tell. */
  bytes: number;
  /**
   * Signatures looked up (by `get` or `getMany`) through this cache object since it was created that
   * were hits, and that were misses (an entry whose class is not in this process is a miss).
   */
  hits: number;
  misses: number;
  /** When the least and the most recently used entries were last read or written, when the storage records it (DiskCache). */
  oldestAccess?: Date;
  newestAccess?: Date;
}

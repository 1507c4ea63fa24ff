import type Keyv from "keyv";
import type { KeyvStoreAdapter } from "keyv";
import { HyperNodesError, messageOf, UnserializableValueError } from "../core/errors.js";
import { warn, warnOnce } from "../core/warnings.js";
import { checkOptions, describeValue, TAKES } from "../core/option-checks.js";
import type { Cache, CacheStats, Pruned, PruneOptions } from "./cache.js";
import { HitCounter } from "./hit-counter.js";
import { RawArray } from "./raw-arrays.js";
import { byteSize, decode, encode, fromBytes, MISS, toBytes, type Encoded } from "./serialization.js";
import { serialize } from "node:v8";
import { FORGED, SECRET_ENV, signerFor, unseal, type Signer } from "../security/signing.js";
import { SqliteStore } from "./sqlite-store.js";

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
  /**
   * A value whose stored form is larger than this is returned by its node but not cached, with one
   * warning. Default 512 MB (DiskCache stores at most SQLite's 1e9 bytes per value).
   */
  maxValueBytes?: number;
  /**
   * Bytes of stored values the cache keeps at most: once its commits take it past, the least recently
   * used entries are pruned in the background down to 90% of it (so the next commits do not prune
   * again). Needs a store that can prune (`KeyvCacheStore.prune`: DiskCache's can). Default: no bound.
   */
  maxBytes?: number;
  /**
   * How long (ms) a read, a commit or another request may wait on a store that reports errors (a Redis
   * that is down queues requests forever, reporting each failed reconnection); a slow store that
   * reports none is waited for. Then the store counts as unreachable: a read is a miss, with one
   * warning, and reads skip the store for a growing while (1 s up to 30 s); a commit is kept in memory
   * and retried like a failed one; other requests reject. Default 10 s; 0: no limit (DiskCache's
   * default: its SQLite file answers at once).
   */
  storeTimeout?: number;
  /**
   * The secret shared by everyone who writes to the store (default: $HYPERNODES_SECRET). Every entry is
   * then written with an HMAC-SHA256 over its signature and bytes, and an entry read back is served only
   * when it verifies: one that does not (written without the secret, with another, or altered) is a
   * miss, with one warning, and is never deserialized. Without one, a shared store is unauthenticated
   * (one warning says so): whoever can write to it decides what its readers get. A store in this
   * process (Keyv's Map) or DiskCache's file is not shared and reads no $HYPERNODES_SECRET.
   */
  secret?: string;
}

/** The memory layer's mark between earlier calls' entries and the current call's (never a signature: those are hex). */
const CALL_START = "\u0000call start";

/** The options' names and shapes (sizes are checked by sizeOption). */
export const KEYV_CACHE_OPTIONS = { salt: TAKES.string, batchSize: null, memoryBytes: null, maxValueBytes: null, maxBytes: null, storeTimeout: null, secret: null };

/** The store took longer than `storeTimeout`. */
class StoreTimeoutError extends HyperNodesError {
  override name = "StoreTimeoutError";
}

/** A cache with `maxBytes` measures its store again after this long, for what other processes wrote. */
const REMEASURE_EVERY_MS = 30_000;

const COMMITTED: Promise<void> = Promise.resolve();

/** After a commit fails, the next attempt waits this long, doubling up to RETRY_MAX_MS (explicit flushes try at once). */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

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
  /** Removes entries by age and size (see `Cache.prune`). Without it, `KeyvCache.prune` rejects. */
  prune?(options: PruneOptions): Pruned | Promise<Pruned>;
}

/** What a store holds: entries, bytes of their values, and (when it records them) the oldest and newest access. */
export interface StoredSize {
  entries: number;
  bytes: number;
  oldestAccess?: Date;
  newestAccess?: Date;
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
  readonly maxValueBytes: number;
  readonly maxBytes: number | undefined;
  readonly #batchSize: number;
  readonly #memoryLimit: number;
  #pending = new Map<string, Encoded>();
  /** When the oldest pending write was made (performance.now()). */
  #pendingSince = 0;
  /**
   * The memory layer, least recently used first (Map insertion order; a hit moves an entry to the end).
   * CALL_START marks where the entries of the current run/map call begin (every flush, which ends a call,
   * moves it to the end). Only entries before it are evicted: a map larger than the bound keeps the
   * entries it stored first rather than churning through all of them, so a re-run still hits those
   * (LRU would evict each entry just before the re-run reaches it), and no stream of evicted entries
   * inflates the heap (V8 lets old garbage grow to several times the live heap before collecting it).
   */
  readonly #recent = new Map<string, Encoded>([[CALL_START, undefined]]);
  #recentBytes = 0;
  readonly #lookups = new HitCounter();
  /** While commits fail: when the next one may be tried, and the wait after it fails again. */
  #retry: { at: number; waitMs: number } | undefined;
  /** For `maxBytes`: the store's size when last measured, and when (performance.now()); bytes committed since; whether a prune runs. */
  #measured = { bytes: 0, at: -Infinity };
  #committedBytes = 0;
  #pruning = false;
  #closed = false;
  readonly #storeTimeout: number;
  /** When the store last reported an error (performance.now()): see #bounded. */
  #storeErrorAt = -Infinity;
  /** While the store does not answer (see storeTimeout): when reads and commits try it again, and the wait after it fails again. */
  #unreachable: { at: number; waitMs: number } | undefined;
  /** Signs what is written and checks what is read (see `secret`). */
  readonly #signer: Signer | undefined;
  /** Entries read that failed verification (one warning) or could not be read (another). */
  #rejected = { forged: 0, unreadable: 0 };

  constructor(keyv: Keyv, options: KeyvCacheOptions = {}) {
    if (typeof (keyv as Partial<Keyv> | null)?.getMany !== "function") {
      throw new HyperNodesError(`new KeyvCache(keyv) needs a Keyv instance (new Keyv(store)), got ${describeValue(keyv)}`);
    }
    checkOptions(options, KEYV_CACHE_OPTIONS, "new KeyvCache");
    this.keyv = keyv;
    this.salt = options.salt;
    this.#batchSize = sizeOption(options, "batchSize", 16_384, 1);
    this.#memoryLimit = sizeOption(options, "memoryBytes", 64 * 2 ** 20, 0);
    this.maxValueBytes = sizeOption(options, "maxValueBytes", 512e6, 1);
    this.maxBytes = options.maxBytes === undefined ? undefined : sizeOption(options, "maxBytes", 0, 0);
    this.#storeTimeout = sizeOption(options, "storeTimeout", 10_000, 0);
    const local = isLocal(keyv.store);
    this.#signer = signerFor(options.secret, "new KeyvCache", !local);
    if (!this.#signer && !local) {
      const store = (keyv.store as object | undefined)?.constructor?.name ?? "store";
      warnOnce(
        `This KeyvCache's store (${store}) is shared and unauthenticated: whoever can write to it decides what its readers get. Set ${SECRET_ENV} (or the secret option), the same for every writer, to sign its entries`,
        "HYPERNODES_UNSIGNED_CACHE",
        `HYPERNODES_UNSIGNED_CACHE ${store}`,
      );
    }
    // Listening also keeps a store's connection errors from crashing the process: what they cost is told by a warning.
    if (this.#storeTimeout > 0) keyv.on("error", () => (this.#storeErrorAt = performance.now()));
    if (this.maxBytes !== undefined && !(this.#store().prune && this.#store().stats)) {
      throw new HyperNodesError("cache option maxBytes needs a Keyv store that can measure and prune itself (DiskCache's can)");
    }
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
      const rows = await this.#read(missing);
      rows.forEach((stored, i) => {
        const row = this.#verified(missing[i]!, stored);
        if (row === undefined) return;
        // A value too large to keep in memory takes the memory read for it, rather than a copy of it.
        const keep = heapSize(missing[i]!, row) <= this.#memoryLimit;
        let read;
        try {
          read = fromBytes(row, keep);
        } catch (error) {
          this.#reject("unreadable", `it could not be read (${messageOf(error)})`);
          return;
        }
        if (keep) this.#add(missing[i]!, read.encoded);
        if (read.value !== MISS) hits.set(missing[i]!, read.value);
      });
    }
    this.#lookups.count(signatures.length, hits.size);
    return hits;
  }

  /**
   * A stored row's bytes once they verify with the secret (unsealed as they are without one); undefined
   * for none, or for a row that fails: written without this secret, with another, or altered.
   */
  #verified(signature: string, stored: Uint8Array | RawArray | undefined | null): Uint8Array | RawArray | undefined {
    if (stored === undefined || stored === null) return undefined;
    if (!this.#signer) {
      if (stored instanceof RawArray) return stored;
      if (stored instanceof Uint8Array) return unseal(stored);
      this.#reject("unreadable", `it is not a HyperNodes value (${describeValue(stored)})`);
      return undefined;
    }
    const bytes = stored instanceof Uint8Array ? this.#signer.open("cache entry", signature, stored) : FORGED;
    if (bytes !== FORGED) return bytes;
    this.#reject("forged", "it does not verify with this cache's secret: it was written without it, with another one, or altered");
    return undefined;
  }

  /** Counts an entry that was not served; the first of each kind warns. */
  #reject(kind: "forged" | "unreadable", why: string): void {
    if (this.#rejected[kind]++ > 0) return;
    const code = kind === "forged" ? "HYPERNODES_CACHE_FORGED" : "HYPERNODES_CACHE_UNREADABLE";
    warn(`A cache entry was not served, as ${why}; it counts as a miss and is recomputed (further ones are not reported)`, code);
  }

  /** The stored rows of `keys`; none while the store does not answer within storeTimeout (see there). */
  async #read(keys: string[]): Promise<(Uint8Array | RawArray | undefined | null)[]> {
    if (this.#skipsStore()) return [];
    try {
      const rows = await this.#bounded(this.keyv.getMany<Uint8Array | RawArray>(keys), "a read");
      this.#unreachable = undefined;
      return rows;
    } catch (error) {
      if (!(error instanceof StoreTimeoutError)) throw error;
      return [];
    }
  }

  /** Whether reads and commits skip the store: it did not answer lately, and its next try is not due. */
  #skipsStore(): boolean {
    return this.#unreachable !== undefined && performance.now() < this.#unreachable.at;
  }

  /**
   * `request` to the store, rejected with a StoreTimeoutError once it has waited storeTimeout while the
   * store reports errors (a Redis that is down queues requests forever, reporting each failed
   * reconnection); a slow store that reports none (a large batch on a slow driver) is waited for. Then
   * reads and commits skip the store for a growing while, with one warning until it answers again.
   */
  #bounded<T>(request: Promise<T>, what: string, warns = true): Promise<T> {
    if (this.#storeTimeout === 0) return request;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      const check = (): void => {
        const now = performance.now();
        if (now - this.#storeErrorAt > this.#storeTimeout) {
          timer = setTimeout(check, this.#storeTimeout);
          return;
        }
        // Timers run on the event loop's clock, up to a millisecond ahead of performance.now().
        const waited = Math.max(this.#storeTimeout, Math.round(now - started));
        const error = new StoreTimeoutError(`The cache store did not answer ${what} within ${waited} ms, and reports errors`);
        if (!this.#unreachable && warns) warn(`${error.message}: results are computed rather than read, and kept in memory, until it answers again`, "HYPERNODES_CACHE_STORE");
        const waitMs = Math.min((this.#unreachable?.waitMs ?? RETRY_FIRST_MS / 2) * 2, RETRY_MAX_MS);
        this.#unreachable = { at: performance.now() + waitMs, waitMs };
        reject(error);
      };
      timer = setTimeout(check, this.#storeTimeout);
    });
    return Promise.race([request, late]).finally(() => clearTimeout(timer));
  }

  /**
   * Buffers a write (committed in batches, see `batchSize`). Throws UnserializableValueError, before
   * anything is stored, for a value that cannot be stored faithfully or is larger than `maxValueBytes`.
   */
  async set(signature: string, value: unknown): Promise<void> {
    const encoded = encode(value, { classes: true });
    const size = storedSize(encoded, this.maxValueBytes);
    if (size > this.maxValueBytes) {
      throw new UnserializableValueError(`it is ${formatBytes(size)} stored, over this cache's maxValueBytes (${formatBytes(this.maxValueBytes)})`);
    }
    if (this.#pending.size === 0) this.#pendingSince = performance.now();
    this.#pending.set(signature, encoded);
    this.#remember(signature, encoded);
    const now = performance.now();
    const due = this.#pending.size >= this.#batchSize || now - this.#pendingSince > 1000;
    if (due && (!this.#retry || now >= this.#retry.at)) await this.#commit();
  }

  /**
   * Commits pending writes in one batch. A commit that fails (disk full, I/O error, a store that is
   * down) never loses them and never fails the caller: they stay pending, in memory, and are retried
   * by the next write after a growing wait (1 s up to 30 s) or the next flush; one warning says so
   * until a commit succeeds again.
   */
  flush(): Promise<void> {
    this.#recent.delete(CALL_START);
    this.#recent.set(CALL_START, undefined);
    // A call that only read (a re-run served from the cache) has nothing to commit: no async step for it.
    return this.#pending.size === 0 ? COMMITTED : this.#commit().then(() => undefined);
  }

  /** Whether everything pending was committed. */
  async #commit(): Promise<boolean> {
    if (this.#pending.size === 0) return true;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      if (this.#skipsStore()) throw new StoreTimeoutError("the cache store is not answering");
      await this.#bounded(this.writeBatch(batch), "a commit");
      this.#retry = undefined;
      this.#unreachable = undefined;
      if (this.maxBytes !== undefined) this.#boundSize(Array.from(batch.values(), byteSize).reduce((sum, bytes) => sum + bytes, 0));
      return true;
    } catch (error) {
      for (const [key, encoded] of this.#pending) batch.set(key, encoded); // newer writes win
      this.#pending = batch;
      this.#pendingSince = performance.now();
      // A store that does not answer has had its own warning (see #bounded).
      if (!this.#retry && !(error instanceof StoreTimeoutError)) {
        warn(`Cache writes could not be committed (${messageOf(error)}); ${batch.size} results are kept in memory and retried`, "HYPERNODES_CACHE_WRITE");
      }
      const waitMs = Math.min((this.#retry?.waitMs ?? RETRY_FIRST_MS / 2) * 2, RETRY_MAX_MS);
      this.#retry = { at: performance.now() + waitMs, waitMs };
      return false;
    }
  }

  /** Stores one batch of pending writes, all or none (DiskCache writes straight to its SqliteStore). */
  protected async writeBatch(batch: ReadonlyMap<string, Encoded>): Promise<void> {
    const signer = this.#signer;
    const value = signer ? (key: string, encoded: Encoded) => signer.seal("cache entry", key, toBytes(encoded)) : (_: string, encoded: Encoded) => toBytes(encoded);
    await this.keyv.setMany(Array.from(batch, ([key, encoded]) => ({ key, value: value(key, encoded) })));
  }

  async has(signature: string): Promise<boolean> {
    if (this.#pending.has(signature) || this.#recent.has(signature)) return true;
    // With a secret, an entry is there only when it would be served.
    if (this.#signer) return this.#verified(signature, await this.#bounded(this.keyv.get<Uint8Array>(signature), "a lookup")) !== undefined;
    return this.#bounded(this.keyv.has(signature), "a lookup");
  }

  async delete(signature: string): Promise<boolean> {
    const wasPending = this.#pending.delete(signature);
    this.#forget(signature);
    return (await this.#bounded(this.keyv.delete(signature), "a delete")) || wasPending;
  }

  async clear(): Promise<void> {
    this.#pending.clear();
    this.#forgetAll();
    await this.#bounded(this.keyv.clear(), "a clear");
  }

  /** Commits what is pending and disconnects; results that still cannot be committed are dropped, with a warning. */
  async close(): Promise<void> {
    if (!(await this.#commit())) {
      warn(`Cache closed with ${this.#pending.size} results that could not be committed; they will be recomputed`, "HYPERNODES_CACHE_WRITE");
    }
    this.#closed = true;
    this.#pending.clear();
    this.#forgetAll();
    // A store that does not answer is left to its own reconnection: closing must not wait for it.
    await this.#bounded(this.keyv.disconnect(), "a disconnect", false).catch((error) => {
      if (!(error instanceof StoreTimeoutError)) throw error;
    });
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
    return this.#bounded(Promise.resolve(store.deletePrefix(tag)), "a delete");
  }

  /** Entries and bytes in the store (when it can tell: `KeyvCacheStore.stats`), and this object's hits and misses. */
  async stats(): Promise<CacheStats> {
    // Committed, not flushed: a panel asking during a map must not end its call for the memory layer.
    await this.#commit();
    const stored = (await this.#bounded(Promise.resolve(this.#store().stats?.()), "a stats request")) ?? { entries: NaN, bytes: NaN };
    return this.#lookups.stats(stored);
  }

  /**
   * Deletes entries by age and size (see Cache), when the Keyv store can (`KeyvCacheStore.prune`:
   * DiskCache's SqliteStore can); rejects otherwise. Entries held in memory go too.
   */
  async prune(options: PruneOptions): Promise<Pruned> {
    const store = this.#store();
    if (!store.prune) throw new HyperNodesError("this cache's Keyv store cannot prune: clear() empties it all");
    checkOptions(options, { maxBytes: TAKES.size, olderThan: TAKES.size }, "prune");
    await this.flush();
    const pruned = await store.prune(options);
    this.#forgetAll();
    return pruned;
  }

  /**
   * Keeps the store within `maxBytes` after a commit of `committed` bytes, in the background. Measuring
   * the store reads every entry, so it is done only when this cache's own commits may have taken it
   * past the bound, or every 30 s for what other processes wrote.
   */
  #boundSize(committed: number): void {
    this.#committedBytes += committed;
    const maxBytes = this.maxBytes!;
    const stale = performance.now() - this.#measured.at > REMEASURE_EVERY_MS;
    if (this.#pruning || (!stale && this.#measured.bytes + this.#committedBytes <= maxBytes)) return;
    this.#pruning = true;
    setImmediate(async () => {
      try {
        if (this.#closed) return;
        const store = this.#store();
        this.#committedBytes = 0;
        let { bytes } = await store.stats!();
        if (bytes > maxBytes) bytes -= (await store.prune!({ maxBytes: Math.floor(maxBytes * 0.9) })).bytes;
        this.#measured = { bytes, at: performance.now() };
      } catch (error) {
        warn(`The cache could not be pruned to maxBytes (${messageOf(error)})`, "HYPERNODES_CACHE_PRUNE");
      } finally {
        this.#pruning = false;
      }
    }).unref();
  }

  /** The Keyv store, with the optional members KeyvCache can use (Keyv types it `any`). */
  #store(): Pick<KeyvCacheStore, "deletePrefix" | "stats" | "prune"> {
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

  /**
   * Adds an entry known not to be held. Past the memory bound, entries of earlier calls go, least
   * recently used first, until a tenth of the bound is free (an eviction walks the Map from its start,
   * over the holes earlier deletions left: evicting one entry per insertion would cost a full walk
   * each time); when the current call's entries alone fill it, the new one is not kept.
   */
  #add(signature: string, encoded: Encoded): void {
    const size = heapSize(signature, encoded);
    if (size > this.#memoryLimit) return; // evicting could not make room for it
    if (this.#recentBytes + size > this.#memoryLimit) {
      for (const [key, old] of this.#recent) {
        if (key === CALL_START || this.#recentBytes + size <= this.#memoryLimit * 0.9) break;
        this.#recent.delete(key);
        this.#recentBytes -= heapSize(key, old);
      }
      if (this.#recentBytes + size > this.#memoryLimit) return;
    }
    this.#recent.set(signature, encoded);
    this.#recentBytes += size;
  }

  #forgetAll(): void {
    this.#recent.clear();
    this.#recent.set(CALL_START, undefined);
    this.#recentBytes = 0;
  }

  #forget(signature: string): void {
    if (!this.#recent.has(signature)) return;
    this.#recentBytes -= heapSize(signature, this.#recent.get(signature));
    this.#recent.delete(signature);
  }
}

/** A store in this process, or DiskCache's local file: nobody else writes to it, so it needs no secret. */
function isLocal(store: unknown): boolean {
  return store instanceof Map || store instanceof SqliteStore;
}

/**
 * Heap an entry of the memory layer takes, so `memoryBytes` bounds real memory: the value (a Buffer
 * object's own bytes included), the key, and the Map entry (measured: ~80 bytes per entry of small values).
 */
function heapSize(signature: string, encoded: Encoded | Uint8Array): number {
  return 64 + signature.length + (encoded instanceof Uint8Array || encoded instanceof RawArray ? 96 + encoded.byteLength : byteSize(encoded));
}

/** Bytes `encoded` takes in the store (a long string is measured only when it may be over `limit`). */
function storedSize(encoded: Encoded, limit: number): number {
  if (typeof encoded === "string") return encoded.length * 2 > limit ? serialize(encoded).byteLength : encoded.length;
  return byteSize(encoded);
}

function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${bytes} bytes`;
}

/** A size option, checked when the cache is made (not at its first write): a number, at least `min`. */
function sizeOption(options: KeyvCacheOptions, name: "batchSize" | "memoryBytes" | "maxValueBytes" | "maxBytes" | "storeTimeout", fallback: number, min: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value >= min)) throw new HyperNodesError(`cache option ${name} must be a number of at least ${min}, got ${String(value)}`);
  return value;
}

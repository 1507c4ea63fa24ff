import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import Keyv from "keyv";
import { HyperNodesError } from "../core/errors.js";
import { checkOptions, TAKES } from "../core/option-checks.js";
import { KEYV_CACHE_OPTIONS, KeyvCache, type KeyvCacheOptions } from "./keyv-cache.js";
import { RawArray } from "./raw-arrays.js";
import { toBytes, type Encoded } from "./serialization.js";
import { SqliteStore } from "./sqlite-store.js";

/** A KeyvCache's options but `secret`: the file is local, guarded by its folder's permissions. */
export interface DiskCacheOptions extends Omit<KeyvCacheOptions, "secret"> {
  /** Folder of the cache (created when missing); the entries live in one SQLite file in it. Default ".hypernodes". */
  path?: string;
}

/** The default embedded cache: one SQLite file (`cache.sqlite`) in a folder, through Keyv. */
export class DiskCache extends KeyvCache {
  /** The cache folder, absolute. */
  readonly path: string;
  /** The SQLite file. */
  readonly file: string;

  constructor(options: DiskCacheOptions = {}) {
    if (Object.hasOwn(options ?? {}, "secret")) {
      throw new HyperNodesError("new DiskCache takes no secret: its file is local, guarded by its folder's permissions (a secret signs what others can write: KeyvCache on a shared store)");
    }
    const { secret: _signsShared, ...ownOptions } = KEYV_CACHE_OPTIONS;
    checkOptions(options, { ...ownOptions, path: TAKES.name }, "new DiskCache");
    if (options.maxValueBytes !== undefined && options.maxValueBytes > SQLITE_MAX_VALUE_BYTES) {
      throw new HyperNodesError(`DiskCache maxValueBytes can be at most ${SQLITE_MAX_VALUE_BYTES} (SQLite's limit on a row), got ${options.maxValueBytes}`);
    }
    const path = resolve(options.path ?? ".hypernodes");
    mkdirSync(path, { recursive: true });
    const file = join(path, "cache.sqlite");
    const { path: _folder, ...cacheOptions } = options;
    super(diskKeyv(file), { storeTimeout: 0, ...cacheOptions });
    this.path = path;
    this.file = file;
  }

  /** Straight to the SqliteStore (see `writeMany`); large typed arrays as RawArrays, never joined to their header. */
  protected override async writeBatch(batch: ReadonlyMap<string, Encoded>): Promise<void> {
    (this.keyv.store as SqliteStore).writeMany({
      *[Symbol.iterator]() {
        for (const [key, encoded] of batch) yield [key, encoded instanceof RawArray ? encoded : toBytes(encoded)] as const;
      },
    });
  }
}

/** SQLite's limit on a string or blob, and on a whole row (SQLITE_MAX_LENGTH), less the key and format. */
const SQLITE_MAX_VALUE_BYTES = 1e9 - 1000;

/**
 * Keyv on the file's shared SqliteStore, configured through Keyv's options: keys as the cache names
 * them (no namespace: with Keyv's default one, the store's clear() deleted nothing, as keys carry no
 * prefix), and records handed to the store as they are (the store keeps them with structured
 * serialization; Keyv's JSON would only add cost).
 */
function diskKeyv(file: string): Keyv {
  return new Keyv({
    store: SqliteStore.shared(file),
    useKeyPrefix: false,
    namespace: undefined,
    serialize: undefined,
    deserialize: undefined,
    throwOnErrors: true,
  });
}

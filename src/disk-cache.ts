import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import Keyv from "keyv";
import { KeyvCache, type KeyvCacheOptions } from "./keyv-cache.js";
import { SqliteStore } from "./sqlite-store.js";

export interface DiskCacheOptions extends KeyvCacheOptions {
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
    const path = resolve(options.path ?? ".hypernodes");
    mkdirSync(path, { recursive: true });
    const file = join(path, "cache.sqlite");
    const keyv = new Keyv({ store: SqliteStore.shared(file), useKeyPrefix: false, throwOnErrors: true });
    // Keys carry no namespace prefix (useKeyPrefix: false), so the store must not clear by one:
    // with Keyv's default namespace, clear() deleted nothing.
    keyv.namespace = undefined;
    // The store keeps Keyv's records with structured serialization; JSON would only add cost.
    keyv.serialize = undefined;
    keyv.deserialize = undefined;
    super(keyv, options);
    this.path = path;
    this.file = file;
  }
}

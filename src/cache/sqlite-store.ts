import { EventEmitter } from "node:events";
import { accessSync, constants, existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { crc32 } from "node:zlib";
import Database from "better-sqlite3";
import type { KeyvStoreAdapter, StoredData } from "keyv";
import { CacheFileError, messageOf } from "../core/errors.js";
import { warn } from "../core/warnings.js";
import type { Pruned, PruneOptions } from "./cache.js";
import type { KeyvCacheStore, StoredSize } from "./keyv-cache.js";
import { RawArray } from "./raw-arrays.js";
import { FILE_THRESHOLD, ValueFiles } from "./value-files.js";

/** Marks a SQLite file as ours (PRAGMA application_id), so a foreign database is refused, not written to. */
const APPLICATION_ID = 0x48594e44; // "HYND"

/**
 * A Keyv store on better-sqlite3: one SQLite file, WAL journal, prepared statements, batched writes in
 * one transaction (`setMany`), and `getMany` as one indexed query. It takes Keyv's records
 * `{ value, expires }` as they are (Keyv's JSON serialization turned off): a record holding bytes (or
 * a RawArray) and no expiry is stored as those bytes (format 0), or in a file beside the database when they are
 * large (format 2, value-files.ts: the row keeps their length and checksum), any other record with
 * Node's structured serialization (format 1), so nothing goes through JSON or base64.
 *
 * It implements Keyv's store adapter contract (`KeyvStoreAdapter`) and both of KeyvCache's optional
 * store capabilities (`KeyvCacheStore`): `deletePrefix` (a node's entries) and `stats`.
 *
 * It heals itself rather than fail every later call: every value carries a CRC-32 checked on read (a
 * mismatch is a miss, a warning, and the entry deleted); a file SQLite finds corrupt is moved aside
 * (`…corrupt-<time>`) with a warning and a fresh one starts; a file deleted or replaced under a running
 * process (a user clearing the cache folder by hand) is noticed within a second, and before every
 * commit, and opened again.
 *
 * Every entry records when it was last written or read, to the hour (a read rewrites it when it is
 * older than that, in batches: re-running a map after a kernel restart writes nothing), so `prune`
 * can drop the least recently used.
 *
 * Why not @keyv/sqlite: on the sqlite3 driver it costs ~50 µs per write even inside a transaction and
 * matches getMany rows by linear search; `npm run bench` measures both side by side.
 */
export class SqliteStore extends EventEmitter implements KeyvStoreAdapter, KeyvCacheStore {
  readonly opts: { dialect: "sqlite"; path: string };
  namespace?: string;
  #db!: Database.Database;
  #statements!: ReturnType<SqliteStore["prepare"]>;
  /** The open file's identity (device and inode), to notice it deleted or replaced. */
  #identity = "";
  /** When the file's identity was last checked (performance.now()). */
  #checkedAt = 0;
  /** Keys read whose access time is to be updated, and when that was last done (performance.now()). */
  #touched: Buffer[] = [];
  #touchedAt = 0;
  #warnedReadonly = false;
  readonly #files: ValueFiles;

  constructor(readonly path: string) {
    super();
    this.opts = { dialect: "sqlite", path };
    this.#files = new ValueFiles(join(dirname(path), "values"));
    this.#open();
  }

  #open(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    try {
      this.#db = open(this.path);
    } catch (error) {
      const damage = corruption(error);
      if (!damage) throw error;
      this.#moveAside(damage);
      this.#db = open(this.path);
    }
    this.#statements = this.prepare();
    this.#identity = fileIdentity(this.path);
    this.#checkedAt = performance.now();
  }

  /** Opens the file again when it was deleted or replaced since it was opened (checked at most once a second unless `now`). */
  #live(now = false): void {
    const time = performance.now();
    if (!now && time - this.#checkedAt < 1000) return;
    this.#checkedAt = time;
    if (fileIdentity(this.path) === this.#identity) return;
    if (this.#db.open) this.#db.close();
    this.#open();
  }

  /** Runs a statement; a file SQLite finds corrupt is moved aside and the statement runs again on a fresh one. */
  #guard<T>(run: () => T, checkFile = false): T {
    this.#live(checkFile);
    try {
      return run();
    } catch (error) {
      const damage = corruption(error);
      if (!damage) throw error;
      if (this.#db.open) this.#db.close();
      this.#moveAside(damage);
      this.#open();
      return run();
    }
  }

  #moveAside(damage: Error): void {
    if (!existsSync(this.path)) return;
    const suffix = `.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    const aside = this.path + suffix;
    renameSync(this.path, aside);
    for (const journal of ["-wal", "-shm"]) if (existsSync(this.path + journal)) renameSync(this.path + journal, aside + journal);
    // Its value files go with it: the fresh file refers to none of them.
    const files = this.#files.moveAside(suffix);
    warn(
      `The cache file ${this.path} is corrupt (${damage.message}): it was moved to ${aside}${files ? ` (its value files to ${files})` : ""} and a fresh cache started`,
      "HYPERNODES_CACHE_CORRUPT",
    );
  }

  /**
   * A row's record, its value read from its file when it has one; undefined when the value is not
   * as written (its checksum differs, or its file is gone). A row written before checksums has none to check.
   */
  #record(key: Buffer, value: Buffer, format: number, checksum: number | null): unknown {
    if (format === FORMAT_FILE) {
      const stored = this.#files.read(key.toString("hex"));
      return stored && checksumOf(stored) === checksum ? { value: stored, expires: undefined } : undefined;
    }
    return checksum === null || crc32(value) === checksum ? toRecord({ value, format }) : undefined;
  }

  /** Deletes rows whose value failed its checksum (after the query that read them: a connection runs one statement at a time). */
  #dropDamaged(keys: Buffer[]): void {
    if (keys.length === 0) return;
    if (!this.#db.readonly) this.#deleteKeys(keys);
    warn(
      `The cache file ${this.path} held ${keys.length === 1 ? "an entry whose bytes" : `${keys.length} entries whose bytes`} changed since written (checksum mismatch, or its value file is gone): deleted, to be recomputed`,
      "HYPERNODES_CACHE_CORRUPT",
    );
  }

  private prepare() {
    const db = this.#db;
    return {
      get: db.prepare<[Buffer], Row>("SELECT value, format, checksum, accessed FROM entries WHERE key = ?"),
      // Keys travel as one JSON array of hex blobs; rows come back as [index in that array, value, format, checksum, accessed].
      getMany: db
        .prepare<[string], [number, Buffer, number, number | null, number | null]>(
          "SELECT j.key, e.value, e.format, e.checksum, e.accessed FROM json_each(?) j JOIN entries e ON e.key = unhex(j.value)",
        )
        .raw(),
      has: db.prepare<[Buffer], { one: number }>("SELECT 1 AS one FROM entries WHERE key = ?"),
      set: db.prepare<[Buffer, Buffer, number, number, number, number | null]>(
        "INSERT OR REPLACE INTO entries (key, value, format, checksum, accessed, external) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      fileOf: db.prepare<[Buffer], { one: number }>(`SELECT 1 AS one FROM entries WHERE key = ? AND format = ${FORMAT_FILE}`),
      filesInRange: db
        .prepare<[{ low: Buffer; high: Buffer }], Buffer>(`SELECT key FROM entries WHERE key >= @low AND key < @high AND format = ${FORMAT_FILE}`)
        .pluck(),
      agedFiles: db.prepare<[number], Buffer>(`SELECT key FROM entries WHERE coalesce(accessed, 0) < ? AND format = ${FORMAT_FILE}`).pluck(),
      touch: db.prepare<[number, Buffer]>("UPDATE entries SET accessed = ? WHERE key = ?"),
      // Rows written before access times existed count as the oldest.
      agedSize: db.prepare<[number], { entries: number; bytes: number | null }>(
        `SELECT count(*) AS entries, sum(${SIZE}) AS bytes FROM entries WHERE coalesce(accessed, 0) < ?`,
      ),
      deleteAged: db.prepare<[number]>("DELETE FROM entries WHERE coalesce(accessed, 0) < ?"),
      byAge: db.prepare<[], [Buffer, number]>(`SELECT key, ${SIZE} FROM entries ORDER BY coalesce(accessed, 0), key`).raw(),
      delete: db.prepare<[Buffer]>("DELETE FROM entries WHERE key = ?"),
      clear: db.prepare("DELETE FROM entries"),
      clearPrefix: db.prepare<[{ low: Buffer; high: Buffer }]>("DELETE FROM entries WHERE key >= @low AND key < @high"),
      stats: db.prepare<[], { entries: number; bytes: number | null; oldest: number | null; newest: number | null }>(
        `SELECT count(*) AS entries, sum(${SIZE}) AS bytes, min(accessed) AS oldest, max(accessed) AS newest FROM entries`,
      ),
    };
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const bytes = keyBytes(key);
    return this.#guard(() => {
      const row = this.#statements.get.get(bytes);
      if (!row) return undefined;
      const record = this.#record(bytes, row.value, row.format, row.checksum);
      if (record === undefined) this.#dropDamaged([bytes]);
      else this.#read(bytes, row.accessed);
      this.#writeTouches(false);
      return record as StoredData<Value> | undefined;
    });
  }

  async getMany<Value>(keys: string[]): Promise<StoredData<Value | undefined>[]> {
    const bytes = keys.map(keyBytes);
    const hex = JSON.stringify(bytes.map((key) => key.toString("hex")));
    return this.#guard(() => {
      // Dense (undefined, not holes): Keyv walks the result with for…in, which skips holes and shifts hits.
      const records = new Array<StoredData<Value | undefined>>(keys.length).fill(undefined);
      const damaged: Buffer[] = [];
      for (const [i, value, format, checksum, accessed] of this.#statements.getMany.iterate(hex)) {
        const record = this.#record(bytes[i]!, value, format, checksum);
        if (record === undefined) damaged.push(bytes[i]!);
        else {
          records[i] = record as StoredData<Value>;
          this.#read(bytes[i]!, accessed);
        }
      }
      this.#dropDamaged(damaged);
      this.#writeTouches(false);
      return records;
    });
  }

  async has(key: string): Promise<boolean> {
    return this.#guard(() => this.#statements.has.get(keyBytes(key)) !== undefined);
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.setMany([{ key, value }]);
  }

  /** All entries in one transaction: committed together or not at all. */
  async setMany(entries: { key: string; value: unknown }[]): Promise<void> {
    this.#writeRows({
      *[Symbol.iterator]() {
        for (const { key, value } of entries) yield [key, ...toRow(value)] as const;
      },
    });
  }

  /**
   * Writes values (bytes, or RawArrays) as setMany writes records without expiry, in one transaction,
   * without Keyv: DiskCache's commits, whose Keyv adds nothing to a record. `entries` is read inside the
   * transaction, so nothing made for an entry outlives its row, and a long map's commits leave no
   * garbage old enough to grow the heap; it must iterate again from the start when asked (an array, a
   * Map, or an object whose iterator restarts), for the retry on a fresh file after a corrupt one.
   */
  writeMany(entries: Iterable<readonly [string, Uint8Array | RawArray]>): void {
    this.#writeRows({
      *[Symbol.iterator]() {
        for (const [key, value] of entries) yield [key, ...toRow({ value })] as const;
      },
    });
  }

  #writeRows(rows: Iterable<readonly [string, Buffer | RawArray, number]>): void {
    if (this.#db.readonly) return this.#skipWrites();
    this.#guard(() => {
      const set = this.#statements.set;
      const now = nowSeconds();
      this.#db.transaction(() => {
        for (const [key, stored, format] of rows) {
          const bytes = keyBytes(key);
          const checksum = checksumOf(stored);
          if (format === FORMAT_BYTES && stored.byteLength >= FILE_THRESHOLD) {
            this.#files.write(bytes.toString("hex"), stored instanceof RawArray ? stored.parts() : [stored]); // before the row that refers to it
            set.run(bytes, EMPTY, FORMAT_FILE, checksum, now, stored.byteLength);
          } else set.run(bytes, stored instanceof RawArray ? stored.toBytes() : stored, format, checksum, now, null);
        }
        this.#writeTouches(true);
      })();
    }, true);
  }

  async delete(key: string): Promise<boolean> {
    return this.#guard(() => this.#deleteKeys([keyBytes(key)]) > 0);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    return this.#guard(() => this.#deleteKeys(keys.map(keyBytes)) > 0);
  }

  /** Deletes rows, and the files of those that have one; returns how many rows. */
  #deleteKeys(keys: Buffer[]): number {
    let changes = 0;
    const files: string[] = [];
    this.#db.transaction(() => {
      for (const key of keys) {
        if (this.#statements.fileOf.get(key)) files.push(key.toString("hex"));
        changes += this.#statements.delete.run(key).changes;
      }
    })();
    this.#files.remove(files);
    return changes;
  }

  async clear(): Promise<void> {
    this.#guard(() => {
      if (this.namespace) this.#deleteRange(keyBytes(`${this.namespace}:`));
      else {
        this.#statements.clear.run();
        this.#files.clear();
      }
    }, true);
  }

  /** Deletes the signatures starting with `hexPrefix` (a node's tag); returns how many. */
  deletePrefix(hexPrefix: string): number {
    if (!/^(?:[0-9a-f]{2})+$/.test(hexPrefix)) throw new Error(`deletePrefix: not an even-length hex prefix: '${hexPrefix}'`);
    return this.#guard(() => this.#deleteRange(Buffer.concat([TAG_SIGNATURE, Buffer.from(hexPrefix, "hex")])), true);
  }

  /** Deletes the keys whose bytes start with `low`, up to the next prefix of its length. */
  #deleteRange(low: Buffer): number {
    // Past the last byte that is not 0xff, plus one (the leading tag byte, 0 or 1, always is one).
    let i = low.length - 1;
    while (low[i] === 0xff) i--;
    const high = Buffer.from(low.subarray(0, i + 1));
    high[i]!++;
    const files = this.#statements.filesInRange.all({ low, high });
    const deleted = this.#statements.clearPrefix.run({ low, high }).changes;
    this.#files.remove(files.map((key) => key.toString("hex")));
    return deleted;
  }

  /** Entries and bytes stored (values' serialized size), and the oldest and newest access. */
  stats(): StoredSize {
    const row = this.#guard(() => this.#statements.stats.get()!, true);
    const stored: StoredSize = { entries: row.entries, bytes: row.bytes ?? 0 };
    if (row.oldest !== null) stored.oldestAccess = new Date(row.oldest * 1000);
    if (row.newest !== null) stored.newestAccess = new Date(row.newest * 1000);
    return stored;
  }

  /**
   * Deletes the entries not used for `olderThan` ms, then the least recently used until the values
   * left take at most `maxBytes`, in one transaction; returns what it removed.
   */
  prune({ maxBytes, olderThan }: PruneOptions): Pruned {
    return this.#guard(
      () =>
        this.#db.transaction(() => {
          this.#writeTouches(true);
          const pruned: Pruned = { entries: 0, bytes: 0 };
          if (olderThan !== undefined) {
            const cutoff = nowSeconds() - Math.floor(olderThan / 1000);
            const aged = this.#statements.agedSize.get(cutoff)!;
            const files = this.#statements.agedFiles.all(cutoff);
            this.#statements.deleteAged.run(cutoff);
            this.#files.remove(files.map((key) => key.toString("hex")));
            pruned.entries += aged.entries;
            pruned.bytes += aged.bytes ?? 0;
          }
          if (maxBytes !== undefined) {
            let excess = (this.#statements.stats.get()!.bytes ?? 0) - maxBytes;
            const doomed: Buffer[] = [];
            if (excess > 0) {
              for (const [key, size] of this.#statements.byAge.iterate()) {
                doomed.push(key);
                pruned.bytes += size;
                if ((excess -= size) <= 0) break;
              }
            }
            this.#deleteKeys(doomed);
            pruned.entries += doomed.length;
          }
          return pruned;
        })(),
      true,
    );
  }

  /** A cache this process may only read (a team's shared folder) serves hits; writes are skipped, with one warning. */
  #skipWrites(): void {
    if (this.#warnedReadonly) return;
    this.#warnedReadonly = true;
    warn(`The cache file ${this.path} is read-only for this process: cached results are served, new ones are not stored`, "HYPERNODES_CACHE_READONLY");
  }

  /** Notes a read entry whose access time is over an hour old. */
  #read(key: Buffer, accessed: number | null): void {
    if (this.#db.readonly) return;
    if (accessed === null || nowSeconds() - accessed > ACCESS_RESOLUTION_S) this.#touched.push(key);
  }

  /**
   * Records access times of read entries: with a commit or prune (`now`), else at most once a second.
   * A store that cannot be written (a read-only cache) keeps them unrecorded.
   */
  #writeTouches(now: boolean): void {
    if (this.#touched.length === 0 || (!now && performance.now() - this.#touchedAt < 1000)) return;
    const keys = this.#touched;
    this.#touched = [];
    this.#touchedAt = performance.now();
    const seconds = nowSeconds();
    try {
      this.#db.transaction(() => {
        for (const key of keys) this.#statements.touch.run(seconds, key);
      })();
    } catch (error) {
      if (corruption(error)) throw error;
    }
  }

  /**
   * One store per file for the whole process, shared by every DiskCache on it: re-running a notebook
   * cell that creates a DiskCache must not open another connection (and page cache) each time.
   */
  static shared(path: string): SqliteStore {
    let entry = sharedStores.get(path);
    if (!entry) {
      entry = { store: new SqliteStore(path), users: 0 };
      sharedStores.set(path, entry);
    }
    entry.users++;
    return entry.store;
  }

  /** Closes the connection (a shared store: when its last user disconnects). */
  async disconnect(): Promise<void> {
    const entry = sharedStores.get(this.path);
    if (entry?.store === this) {
      if (--entry.users > 0) return;
      sharedStores.delete(this.path);
    }
    if (!this.#db.open) return;
    this.#writeTouches(true);
    this.#releaseWal();
    this.#db.close();
  }

  /**
   * The last connection to the file switches it out of WAL mode as it closes: a WAL file cannot be
   * opened by a process that may not create its `-shm` beside it (a shared, read-only cache folder).
   * The next writer switches it back. Another process still using the file keeps it in WAL mode.
   */
  #releaseWal(): void {
    if (this.#db.readonly) return;
    try {
      this.#db.pragma("journal_mode = DELETE");
    } catch {
      // Busy: another process has it open, and the last one to close will do it.
    }
  }
}

const sharedStores = new Map<string, { store: SqliteStore; users: number }>();

const SIGNATURE = /^[0-9a-f]{48}$/;

/**
 * Keys as blobs: a hex signature (node tag + digest) as its 24 bytes (half the size of the text,
 * which matters because every batch of random keys rewrites index pages), any other key as UTF-8. A
 * leading tag byte keeps the two kinds apart.
 */
function keyBytes(key: string): Buffer {
  return key.length === 48 && SIGNATURE.test(key)
    ? Buffer.concat([TAG_SIGNATURE, Buffer.from(key, "hex")])
    : Buffer.concat([TAG_TEXT, Buffer.from(key, "utf8")]);
}
const TAG_SIGNATURE = Buffer.from([1]);
const TAG_TEXT = Buffer.from([0]);

interface Row {
  value: Buffer;
  format: number;
  /** CRC-32 of the value's bytes (in its file for format 2); null in rows written before checksums existed. */
  checksum: number | null;
  /** When the entry was last written or read (seconds since the epoch); null before access times existed. */
  accessed: number | null;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Row formats: a record's bytes in the row, a record serialized, a record's bytes in a file. */
const FORMAT_BYTES = 0;
const FORMAT_FILE = 2;
const EMPTY = Buffer.alloc(0);
/** A value's stored size, in SQL: its file's length (the `external` column) or the row's bytes. */
const SIZE = "coalesce(external, length(value))";
/** How stale an entry's access time may get before a read records it again. */
const ACCESS_RESOLUTION_S = 3600;

function toRow(record: unknown): [Buffer | RawArray, number] {
  const { value, expires } = (record ?? {}) as { value?: unknown; expires?: unknown };
  if (value instanceof RawArray && expires == null) return [value, 0];
  if (value instanceof Uint8Array && expires == null) {
    return [Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength), 0];
  }
  return [serialize(record), 1];
}

/** CRC-32 of a value's stored form (a RawArray's: of its header and elements, as its file holds them). */
function checksumOf(stored: Buffer | RawArray): number {
  return stored instanceof RawArray ? stored.parts().reduce((crc, part) => crc32(part, crc), 0) : crc32(stored);
}

/** The file's device and inode ("" when it does not exist). */
function fileIdentity(path: string): string {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? `${stat.dev}:${stat.ino}` : "";
}

/** SQLite's error saying the file is damaged or not a database (better-sqlite3's SqliteError codes), also as a cause. */
function corruption(error: unknown): Error | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB") return e;
  }
  return undefined;
}

function toRecord(row: Pick<Row, "value" | "format">): unknown {
  return row.format === 0 ? { value: row.value, expires: undefined } : deserialize(row.value);
}

/** Whether this process may write the file (and its folder, where SQLite keeps the WAL beside it). */
function writable(path: string): boolean {
  try {
    accessSync(dirname(path), constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function open(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    const readonly = !writable(path);
    db = new Database(path, { timeout: 10_000, readonly, fileMustExist: readonly });
    // Before anything writes to it (journal_mode does): a foreign database is left untouched.
    const applicationId = db.pragma("application_id", { simple: true }) as number;
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
    if (applicationId !== APPLICATION_ID && tables.n > 0) {
      throw new CacheFileError(`${path} is a SQLite database but not a HyperNodes cache; choose another cache path`);
    }
    if (readonly) {
      if (tables.n === 0) throw new CacheFileError(`${path} is an empty file this process may not write`);
      return db;
    }
    db.pragma("journal_mode = WAL");
    // WAL + NORMAL: a commit survives a process kill; only an OS crash can lose the last commits.
    db.pragma("synchronous = NORMAL");
    db.pragma("cache_size = -65536"); // 64 MiB of pages: batches of random keys touch many of them
    db.pragma("wal_autocheckpoint = 10000"); // fewer checkpoints (and their fsyncs) during long maps
    db.exec(
      "CREATE TABLE IF NOT EXISTS entries (key BLOB PRIMARY KEY, value BLOB NOT NULL, format INTEGER NOT NULL, checksum INTEGER, accessed INTEGER, external INTEGER) WITHOUT ROWID",
    );
    // A file from before checksums, access times and value files gains their columns.
    const columns = db.prepare("SELECT name FROM pragma_table_info('entries')").pluck().all();
    for (const column of ["checksum", "accessed", "external"]) if (!columns.includes(column)) db.exec(`ALTER TABLE entries ADD COLUMN ${column} INTEGER`);
    if (applicationId !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof CacheFileError) throw error;
    throw new CacheFileError(`Cannot open the cache database ${path}: ${messageOf(error)}`, { cause: error });
  }
}

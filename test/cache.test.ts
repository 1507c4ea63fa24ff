import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { KeyvSqlite } from "@keyv/sqlite";
import Database from "better-sqlite3";
import Keyv from "keyv";
import { afterEach, describe, expect, it } from "vitest";
import { CacheFileError, DiskCache, KeyvCache, MemoryCache, node, Pipeline, SequentialEngine, SqliteStore, type Cache } from "hypernodes";
import { cacheConformance } from "hypernodes/testing";

const run = promisify(execFile);
const fixture = new URL("./fixtures/slow-map.js", import.meta.url).pathname;
const dirs: string[] = [];
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), "hn-cache-test-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function counted<F extends (...a: any[]) => unknown>(fn: F, outputName: string) {
  const calls = { n: 0 };
  const wrapped = node(
    (...args: Parameters<F>) => {
      calls.n++;
      return fn(...args);
    },
    { outputName, name: outputName, inputs: node(fn, { outputName }).rootArgs, version: String(fn) },
  );
  return { calls, node: wrapped };
}

const sumOfSquares = (from: number, n: number) => Array.from({ length: n }, (_, i) => (i + from) ** 2).reduce((a, b) => a + b, 0);

// The Cache contract, on every cache in the repo (hypernodes/testing).
const vitest = { describe, it, expect };
cacheConformance("MemoryCache", () => new MemoryCache(), vitest);
cacheConformance("DiskCache", () => new DiskCache({ path: tempDir() }), vitest, { reopen: (cache) => new DiskCache({ path: cache.path }) });
cacheConformance("KeyvCache (Keyv's Map store)", () => new KeyvCache(new Keyv()), vitest, {
  reopen: (cache) => new KeyvCache(cache.keyv),
  deletesByTag: false,
});
const sqliteFiles = new WeakMap<KeyvCache, string>();
const onKeyvSqlite = (file: string) => {
  const cache = new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }));
  sqliteFiles.set(cache, file);
  return cache;
};
cacheConformance("KeyvCache (@keyv/sqlite)", () => onKeyvSqlite(join(tempDir(), "keyv.sqlite")), vitest, {
  reopen: (cache) => onKeyvSqlite(sqliteFiles.get(cache)!),
  deletesByTag: false,
});
// Every kind of value through signed entries: sealed on commit, verified and unsealed on reading.
const onSignedSqlite = (file: string) => {
  const cache = new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "conformance secret" });
  sqliteFiles.set(cache, file);
  return cache;
};
cacheConformance("KeyvCache (@keyv/sqlite, with a secret)", () => onSignedSqlite(join(tempDir(), "keyv.sqlite")), vitest, {
  reopen: (cache) => onSignedSqlite(sqliteFiles.get(cache)!),
  deletesByTag: false,
});

describe("DiskCache", () => {
  it("clear() empties the file: another cache object on the folder finds nothing", async () => {
    const dir = tempDir();
    const { calls, node: square } = counted((x: number) => x * x, "squared");
    const first = new DiskCache({ path: dir });
    await new Pipeline({ nodes: [square], cache: first }).map({ x: [1, 2] }, { mapOver: "x" });
    expect((await first.stats()).entries).toBeGreaterThan(0);
    await first.clear();
    const second = new DiskCache({ path: dir });
    expect((await second.stats()).entries).toBe(0);
    await new Pipeline({ nodes: [square], cache: second }).map({ x: [1, 2] }, { mapOver: "x" });
    expect(calls.n).toBe(4);
    await first.close();
    await second.close();
  });

  it("keeps results across cache objects and processes (a kernel restart)", async () => {
    const dir = tempDir();
    const { calls, node: square } = counted((x: number) => x * x, "squared");
    const first = new DiskCache({ path: dir });
    await new Pipeline({ nodes: [square], cache: first }).map({ x: [1, 2, 3] }, { mapOver: "x" });
    await first.close();
    const second = new DiskCache({ path: dir });
    const rows = await new Pipeline({ nodes: [square], cache: second }).map({ x: [1, 2, 3, 4] }, { mapOver: "x" });
    expect(rows.map((r) => r.squared)).toEqual([1, 4, 9, 16]);
    expect(calls.n).toBe(4); // 3 cold + only the new item
    expect(await second.stats()).toMatchObject({ entries: expect.any(Number), hits: 3, misses: 1 });
    await second.close();
  });

  it("creates its folder and reports entries and bytes", async () => {
    const dir = join(tempDir(), "nested", "cache");
    const cache = new DiskCache({ path: dir });
    await cache.set("a".repeat(40), "x".repeat(1000));
    const stats = await cache.stats();
    expect(stats.entries).toBe(1);
    expect(stats.bytes).toBeGreaterThan(1000);
    await cache.close();
  });

  it("Keyv hands the store the cache's keys and bytes as they are: no namespace prefix, no JSON", async () => {
    const dir = tempDir();
    const cache = new DiskCache({ path: dir });
    const signature = "ab".repeat(24);
    await cache.set(signature, { list: [1, 2] });
    await cache.set("text key", new Map([[1, 2]]));
    await cache.flush();
    const db = new Database(join(dir, "cache.sqlite"), { readonly: true });
    const rows = db.prepare("SELECT hex(key) AS key, format FROM entries ORDER BY key").all();
    db.close();
    expect(rows).toEqual([
      { key: "00" + Buffer.from("text key").toString("hex").toUpperCase(), format: 0 },
      { key: "01" + signature.toUpperCase(), format: 0 },
    ]);
    await cache.close();
  });

  it("moves a file that is not a database aside, but refuses a foreign database untouched, naming its path", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "cache.sqlite"), "this is not a database".repeat(100));
    const cache = new DiskCache({ path: dir });
    await cache.set("k", 1);
    expect(await cache.get("k")).toBe(1);
    await cache.close();
    const aside = readdirSync(dir).find((f) => f.startsWith("cache.sqlite.corrupt-"))!;
    expect(readFileSync(join(dir, aside), "utf8")).toBe("this is not a database".repeat(100));
    const foreign = tempDir();
    const db = new Database(join(foreign, "cache.sqlite"));
    db.exec("CREATE TABLE invoices (id INTEGER)");
    db.close();
    const before = readFileSync(join(foreign, "cache.sqlite"));
    expect(() => new DiskCache({ path: foreign })).toThrow(CacheFileError);
    expect(() => new DiskCache({ path: foreign })).toThrow(`${join(foreign, "cache.sqlite")} is a SQLite database but not a HyperNodes cache`);
    expect(readFileSync(join(foreign, "cache.sqlite"))).toEqual(before);
  });

  it("a SIGKILL in the middle of a cached map loses at most the uncommitted batch and corrupts nothing", async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [fixture, dir, "5000"], { stdio: "ignore" });
    const file = join(dir, "cache.sqlite");
    // Kill once a few batches are committed.
    const countRows = () => {
      try {
        const db = new Database(file, { readonly: true, fileMustExist: true });
        try {
          return (db.prepare("SELECT count(*) AS n FROM entries").get() as { n: number }).n;
        } finally {
          db.close();
        }
      } catch {
        return 0;
      }
    };
    while (countRows() < 600) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    const db = new Database(file, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    // Keys back as the cache names them: signatures (tag byte 01) in hex, other keys (00) as text.
    const keys = (db.prepare("SELECT hex(key) AS k FROM entries").all() as { k: string }[]).map(({ k }) =>
      k.startsWith("01") ? k.slice(2).toLowerCase() : Buffer.from(k.slice(2), "hex").toString("utf8"),
    );
    db.close();
    expect(keys.length).toBeGreaterThanOrEqual(600);
    // Every committed entry reads back whole.
    const cache = new DiskCache({ path: dir });
    const values = await cache.getMany(keys);
    expect(values.size).toBe(keys.length);
    for (const v of values.values()) expect(v).toBeTypeOf("object");
    await cache.close();
    // Re-running executes only what was not committed (the entries include one signature record).
    const { stdout } = await run(process.execPath, [fixture, dir, "5000"]);
    const result = JSON.parse(stdout) as { checksum: number; executed: number };
    expect(result.checksum).toBe(sumOfSquares(0, 5000));
    expect(result.executed).toBe(5000 - (keys.length - 1));
  }, 60_000);

  it("two processes using the same cache file at the same time both succeed", async () => {
    const dir = tempDir();
    new DiskCache({ path: dir }).close(); // create the file first, as a notebook would
    const [a, b] = await Promise.all([run(process.execPath, [fixture, dir, "1500", "0"]), run(process.execPath, [fixture, dir, "1500", "500"])]);
    expect(JSON.parse(a.stdout).checksum).toBe(sumOfSquares(0, 1500));
    expect(JSON.parse(b.stdout).checksum).toBe(sumOfSquares(500, 1500));
  }, 60_000);
});

describe("pipeline.clearCache(): one pipeline's entries", () => {
  const twoPipelines = (cache: Cache) => {
    const square = counted((x: number) => x * x, "squared");
    const cube = counted((x: number) => x * x * x, "cubed");
    const inner = new Pipeline({ nodes: [square.node], name: "inner" });
    const squares = new Pipeline({ nodes: [inner.asNode({ name: "nested" })], cache, name: "squares" });
    const cubes = new Pipeline({ nodes: [cube.node], cache, name: "cubes" });
    return { squares, cubes, square, cube };
  };

  it("a cache that cannot delete by prefix says so; no cache is an error too", async () => {
    const { squares } = twoPipelines(new KeyvCache(new Keyv()));
    await expect(squares.clearCache()).rejects.toThrow("cannot delete by key prefix: clear() empties it all");
    await expect(new Pipeline({ nodes: [counted((x: number) => x, "y").node] }).clearCache()).rejects.toThrow("has no cache to clear");
  });

  it("a user's own cache is cleared through the deleteByTag it declares, and refused without it", async () => {
    const memory = new MemoryCache();
    const deleted: string[] = [];
    const own: Cache = {
      get: (s) => memory.get(s),
      set: (s, v) => memory.set(s, v),
      has: (s) => memory.has(s),
      delete: (s) => memory.delete(s),
      clear: () => memory.clear(),
      close: () => memory.close(),
      getMany: (s) => memory.getMany(s),
      deleteByTag: (tag) => (deleted.push(tag), memory.deleteByTag(tag)),
    };
    const { squares, square } = twoPipelines(own);
    await squares.map({ x: [1, 2, 3] }, { mapOver: "x" });
    expect(await squares.clearCache()).toBe(6);
    expect(deleted).toHaveLength(2);
    await squares.map({ x: [1, 2, 3] }, { mapOver: "x" });
    expect(square.calls.n).toBe(6);
    const withoutIt: Cache = { ...own, deleteByTag: undefined };
    await expect(twoPipelines(withoutIt).squares.clearCache()).rejects.toThrow("cannot delete one pipeline's entries: use cache.clear()");
  });

  it("SqliteStore.deletePrefix handles a prefix ending in ff (the range's upper bound carries)", async () => {
    const store = new SqliteStore(join(tempDir(), "cache.sqlite"));
    for (const key of ["12ff" + "0".repeat(44), "12ff" + "f".repeat(44), "1300" + "0".repeat(44), "12fe" + "0".repeat(44)]) {
      await store.set(key, { value: new Uint8Array([1]), expires: undefined });
    }
    expect(store.deletePrefix("12ff")).toBe(2);
    expect(store.stats().entries).toBe(2);
    expect(() => store.deletePrefix("abc")).toThrow("not an even-length hex prefix");
    await store.disconnect();
  });
});

describe("commits", () => {
  it("a nested pipeline's own cache is committed when the call ends", async () => {
    const dir = tempDir();
    const inner = new Pipeline({ nodes: [node((x: number) => x + 1, { outputName: "y", name: "inc" })], cache: new DiskCache({ path: dir }) });
    await new Pipeline({ nodes: [inner.asNode({ mapOver: "x" })] }).run({ x: [1, 2, 3] });
    const db = new Database(join(dir, "cache.sqlite"), { readonly: true });
    expect((db.prepare("SELECT count(*) AS n FROM entries").get() as { n: number }).n).toBeGreaterThanOrEqual(3);
    db.close();
  });

  it("a slow map commits about every second, not only when a batch fills", async () => {
    const dir = tempDir();
    const cache = new DiskCache({ path: dir });
    const slow = node(async (x: number) => (await new Promise((r) => setTimeout(r, 30)), x), { outputName: "y", name: "slow" });
    const p = new Pipeline({ nodes: [slow], cache, engine: new SequentialEngine() });
    const running = p.map({ x: Array.from({ length: 60 }, (_, i) => i) }, { mapOver: "x" });
    await new Promise((r) => setTimeout(r, 1500));
    const db = new Database(join(dir, "cache.sqlite"), { readonly: true });
    const midway = (db.prepare("SELECT count(*) AS n FROM entries").get() as { n: number }).n;
    db.close();
    await running;
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(60);
    await cache.close();
  }, 10_000);
});

describe("DiskCache lookups", () => {
  it("a batch mixing misses before hits returns each hit under its own signature (read from SQLite)", async () => {
    const dir = tempDir();
    const writer = new DiskCache({ path: dir });
    const sig = (n: number) => n.toString(16).padStart(40, "0");
    await writer.set(sig(2), "two");
    await writer.set(sig(4), { four: 4 });
    await writer.close();
    const reader = new DiskCache({ path: dir }); // nothing in memory: every lookup goes to SQLite
    const hits = await reader.getMany([sig(1), sig(2), sig(3), sig(4)]);
    expect([...hits]).toEqual([
      [sig(2), "two"],
      [sig(4), { four: 4 }],
    ]);
    await reader.close();
  });
});

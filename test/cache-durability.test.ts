// A cache failure never loses results and never spreads: a value too large to store, a disk that
// fills up, a cache folder deleted under a running process, a damaged file, a flipped byte. Each case
// first reproduces the failure the way a user meets it, then checks what the user gets.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import Keyv from "keyv";
import { afterAll, afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { DiskCache, HyperNodesError, KeyvCache, node, Pipeline } from "hypernodes";
import { warningsDuring } from "./helpers/warnings.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "hn-durable-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A one-node pipeline on `cache` that counts its calls: `label(x)` is a string of `size` characters. */
function labelling(cache: KeyvCache, size = 16) {
  const calls = { n: 0 };
  const label = node((x: number) => (calls.n++, `${x}:`.padEnd(size, "#")), { outputName: "label", name: "label", version: `durability ${size}` });
  return { pipeline: new Pipeline({ nodes: [label], cache }), calls };
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

describe("a value the cache cannot store", () => {
  it("over maxValueBytes: returned, not cached, one warning naming the node; later writes work", async () => {
    const cache = new DiskCache({ path: tempDir(), maxValueBytes: 1000 });
    const big = node((count: number) => new Uint8Array(count), { outputName: "bytes", name: "big", version: "durability big" });
    const size = node((bytes: Uint8Array) => bytes.length, { outputName: "size", name: "size", version: "durability size" });
    const pipeline = new Pipeline({ nodes: [big, size], cache });
    const { result, warnings } = await warningsDuring(() => pipeline.map({ count: [5000, 6000] }, { mapOver: "count" }));
    expect(result.map((r) => r.size)).toEqual([5000, 6000]);
    expect(warnings).toEqual([
      "HYPERNODES_UNCACHED_VALUE: Node 'big': its output cannot be cached (it is 5006 bytes stored, over this cache's maxValueBytes (1000 bytes)); it is returned but will be recomputed next time",
    ]);
    const again = await pipeline.explain({ count: 5000 });
    expect(again.find((n) => n.node === "size")?.status).toBe("hit");
    expect(again.find((n) => n.node === "big")?.status).toBe("miss");
    await cache.close();
  });

  it("a value over SQLite's 1e9-byte limit, under the default maxValueBytes rule: returned, and the cache keeps working", async () => {
    const dir = tempDir();
    const cache = new DiskCache({ path: dir });
    const huge = node(() => Buffer.alloc(1_000_000_001, 1), { outputName: "huge", name: "huge", version: "durability huge" });
    const length = node((huge: Buffer) => huge.length, { outputName: "length", name: "length", version: "durability length" });
    const pipeline = new Pipeline({ nodes: [huge, length], cache });
    const { result, warnings } = await warningsDuring(() => pipeline.run({}));
    expect(result.length).toBe(1_000_000_001);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("Node 'huge': its output cannot be cached (it is 1.00 GB stored, over this cache's maxValueBytes (512.0 MB))");
    await cache.close();
    const reopened = new DiskCache({ path: dir });
    expect((await reopened.stats()).entries).toBeGreaterThan(0); // 'length' and its record were committed
    await reopened.close();
  }, 60_000);

  it("DiskCache refuses a maxValueBytes SQLite cannot store, and cache sizes that are not numbers, when it is made", () => {
    expect(() => new DiskCache({ path: tempDir(), maxValueBytes: 2e9 })).toThrow(HyperNodesError);
    expect(() => new DiskCache({ path: tempDir(), maxValueBytes: 2e9 })).toThrow("maxValueBytes");
    expect(() => new DiskCache({ path: tempDir(), batchSize: 0 })).toThrow("cache option batchSize must be a number of at least 1, got 0");
    expect(() => new DiskCache({ path: tempDir(), memoryBytes: "64MB" as unknown as number })).toThrow("memoryBytes");
  });
});

/** Mounting a small tmpfs needs root (CI runs as root); elsewhere the disk-full case cannot be made. */
function mountSmallDisk(dir: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const disk = tempDir();
const canMount = mountSmallDisk(disk, "256k");
if (canMount) execFileSync("umount", [disk]);
else console.log("test/cache-durability: the disk-full case needs `mount -t tmpfs` (root): skipped here");

describe.runIf(canMount)("a full disk", () => {
  const mounted: string[] = [];
  afterEach(() => {
    for (const dir of mounted.splice(0)) execFileSync("umount", ["-l", dir]);
  });

  it("fails no call and loses no result: writes stay in memory, one warning, and they are committed once there is room", async () => {
    const dir = join(tempDir(), "small");
    mkdirSync(dir);
    expect(mountSmallDisk(dir, "192k")).toBe(true);
    mounted.push(dir);
    const cache = new DiskCache({ path: dir, batchSize: 64 });
    const { pipeline, calls } = labelling(cache, 2000);
    const { result, warnings } = await warningsDuring(() => pipeline.map({ x: range(400) }, { mapOver: "x" }));
    expect(result.map((r) => r.label.slice(0, 4))).toEqual(range(400).map((x) => `${x}:`.padEnd(4, "#")));
    expect(warnings.filter((w) => w.startsWith("HYPERNODES_CACHE_WRITE"))).toHaveLength(1);
    expect(warnings[0]).toMatch(/^HYPERNODES_CACHE_WRITE: Cache writes could not be committed \(.*full.*\); \d+ results are kept in memory and retried$/);
    // Re-running serves every result, committed or still pending, without recomputing.
    await pipeline.map({ x: range(400) }, { mapOver: "x" });
    expect(calls.n).toBe(400);
    execFileSync("mount", ["-o", "remount,size=8m", dir]);
    await cache.flush();
    const other = new DiskCache({ path: dir });
    const { pipeline: reader, calls: readerCalls } = labelling(other, 2000);
    await reader.map({ x: range(400) }, { mapOver: "x" });
    expect(readerCalls.n).toBe(0);
    await other.close();
    await cache.close();
  }, 30_000);

  it("close() with writes that still cannot be committed warns and resolves", async () => {
    const dir = join(tempDir(), "full");
    mkdirSync(dir);
    expect(mountSmallDisk(dir, "128k")).toBe(true);
    mounted.push(dir);
    const cache = new DiskCache({ path: dir, batchSize: 1_000_000 });
    const { pipeline } = labelling(cache, 4000);
    const { warnings } = await warningsDuring(async () => {
      await pipeline.map({ x: range(100) }, { mapOver: "x" });
      await cache.close();
    });
    expect(warnings.at(-1)).toMatch(/^HYPERNODES_CACHE_WRITE: Cache closed with \d+ results that could not be committed; they will be recomputed$/);
  }, 30_000);
});

describe("the cache heals itself", () => {
  it("a cache folder deleted while a session runs: later results land in a new file, not an unlinked one", async () => {
    const dir = join(tempDir(), "cache");
    const cache = new DiskCache({ path: dir });
    const { pipeline } = labelling(cache);
    await pipeline.map({ x: range(10) }, { mapOver: "x" });
    rmSync(dir, { recursive: true });
    await pipeline.map({ x: range(10, 100) }, { mapOver: "x" });
    expect(existsSync(cache.file)).toBe(true);
    await cache.close();
    const reopened = new DiskCache({ path: dir });
    const { pipeline: again, calls } = labelling(reopened);
    await again.map({ x: range(10, 100) }, { mapOver: "x" });
    expect(calls.n).toBe(0);
    await reopened.close();
  });

  it("a truncated file is moved aside with its value files and a warning naming the paths, and a fresh cache starts", async () => {
    const dir = tempDir();
    const cache = new DiskCache({ path: dir });
    await labelling(cache, 3000).pipeline.map({ x: range(300) }, { mapOver: "x" });
    await cache.set("weights", new Float32Array(300_000)); // 1.2 MB: a value file
    await cache.close();
    truncateSync(cache.file, Math.floor(statSync(cache.file).size / 2));
    const { result, warnings } = await warningsDuring(async () => {
      const reopened = new DiskCache({ path: dir });
      const { pipeline, calls } = labelling(reopened, 3000);
      const rows = await pipeline.map({ x: range(300) }, { mapOver: "x" });
      await pipeline.map({ x: range(300) }, { mapOver: "x" });
      await reopened.close();
      return { rows, calls: calls.n };
    });
    expect(result.rows).toHaveLength(300);
    expect(result.calls).toBeLessThanOrEqual(300); // the lost ones once, then hits
    const aside = readdirSync(dir).filter((f) => f.startsWith("cache.sqlite.corrupt-") && !f.endsWith("-wal") && !f.endsWith("-shm"));
    expect(aside).toHaveLength(1);
    const files = join(dir, `values${aside[0]!.slice("cache.sqlite".length)}`);
    expect(readdirSync(files)).toHaveLength(1);
    expect(existsSync(join(dir, "values"))).toBe(false); // the fresh cache refers to none of them
    expect(warnings).toEqual([
      `HYPERNODES_CACHE_CORRUPT: The cache file ${cache.file} is corrupt (${warnings[0]!.match(/is corrupt \((.*)\): it was moved/)![1]}): it was moved to ${join(dir, aside[0]!)} (its value files to ${files}) and a fresh cache started`,
    ]);
  });

  it("a flipped byte inside a stored value: that entry is a miss, deleted, with a warning; the others hit", async () => {
    const dir = tempDir();
    const cache = new DiskCache({ path: dir });
    await labelling(cache).pipeline.map({ x: range(5) }, { mapOver: "x" });
    await cache.close();
    const db = new Database(cache.file);
    const rows = db.prepare("SELECT key, value FROM entries WHERE format = 0").all() as { key: Buffer; value: Buffer }[];
    const target = rows.find((r) => r.value.includes(Buffer.from("3:###")))!;
    const flipped = Buffer.from(target.value);
    flipped[flipped.indexOf(Buffer.from("3:###"))] = "8".charCodeAt(0);
    db.prepare("UPDATE entries SET value = ? WHERE key = ?").run(flipped, target.key);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok"); // SQLite cannot see it
    db.close();

    const reopened = new DiskCache({ path: dir });
    const { pipeline, calls } = labelling(reopened);
    const { result, warnings } = await warningsDuring(() => pipeline.map({ x: range(5) }, { mapOver: "x" }));
    expect(result.map((r) => r.label)).toEqual(range(5).map((x) => `${x}:`.padEnd(16, "#")));
    expect(calls.n).toBe(1);
    expect(warnings).toEqual([
      `HYPERNODES_CACHE_CORRUPT: The cache file ${cache.file} held an entry whose bytes changed since written (checksum mismatch, or its value file is gone): deleted, to be recomputed`,
    ]);
    await pipeline.map({ x: range(5) }, { mapOver: "x" });
    expect(calls.n).toBe(1); // recomputed once, then stored again
    await reopened.close();
  });
});

/** Running a process as another user (`nobody`) needs root and util-linux's setpriv (CI has both). */
const canSwitchUser = process.getuid?.() === 0 && spawnSync("setpriv", ["--version"]).status === 0;
if (!canSwitchUser) console.log("test/cache-durability: the read-only case runs a process as `nobody` (root and setpriv): skipped here");

describe("a store that does not answer (a Redis that is down queues every request)", () => {
  /**
   * Makes `methods` of `keyv` hang while the store is down, the store reporting an error every 50 ms
   * meanwhile (as a Redis client does for each failed reconnection); `up()` brings it back.
   */
  function downStore(keyv: Keyv, methods: readonly ("getMany" | "setMany" | "disconnect")[]) {
    let down = true;
    for (const method of methods) {
      const real = keyv[method].bind(keyv) as (...args: unknown[]) => Promise<never>;
      vi.spyOn(keyv, method).mockImplementation(((...args: unknown[]) => (down ? new Promise(() => {}) : real(...args))) as never);
    }
    const reconnecting = setInterval(() => keyv.emit("error", new Error("connect ECONNREFUSED 127.0.0.1:6379")), 50);
    onTestFinished(() => clearInterval(reconnecting));
    return { up: () => ((down = false), clearInterval(reconnecting)) };
  }

  it("no call waits past storeTimeout: reads are misses, results stay in memory, one warning; once it answers, they are committed", async () => {
    const keyv = new Keyv();
    const cache = new KeyvCache(keyv, { storeTimeout: 200 });
    const { pipeline, calls } = labelling(cache);
    await pipeline.run({ x: 1 });
    const store = downStore(keyv, ["getMany", "setMany", "disconnect"]);
    const started = performance.now();
    const { result, warnings } = await warningsDuring(() => pipeline.map({ x: range(50) }, { mapOver: "x" }));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toHaveLength(50);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^HYPERNODES_CACHE_STORE: The cache store did not answer a read within 2\d\d ms, and reports errors: results are computed rather than read, and kept in memory, until it answers again$/,
    );
    // x = 1 came from memory; the store skipped for a while: the next call does not wait again.
    expect(calls.n).toBe(1 + 49);
    const again = performance.now();
    expect(await pipeline.map({ x: range(50) }, { mapOver: "x" })).toEqual(result);
    expect(performance.now() - again).toBeLessThan(100);
    expect(calls.n).toBe(50);

    store.up();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the store's next try is due
    await cache.flush();
    const fresh = labelling(new KeyvCache(keyv)); // nothing in its memory: every result from the store
    expect(await fresh.pipeline.map({ x: range(50) }, { mapOver: "x" })).toEqual(result);
    expect(fresh.calls.n).toBe(0);
  });

  it("a slow store that reports no error is waited for: nothing is dropped", async () => {
    const keyv = new Keyv();
    const cache = new KeyvCache(keyv, { storeTimeout: 100 });
    const real = keyv.setMany.bind(keyv);
    vi.spyOn(keyv, "setMany").mockImplementation((async (entries: never) => (await new Promise((resolve) => setTimeout(resolve, 450)), real(entries))) as never);
    const { pipeline, calls } = labelling(cache);
    const { warnings } = await warningsDuring(() => pipeline.map({ x: range(500) }, { mapOver: "x" }));
    expect(warnings).toEqual([]);
    await cache.close();
    const fresh = labelling(new KeyvCache(keyv));
    await fresh.pipeline.map({ x: range(500) }, { mapOver: "x" });
    expect([calls.n, fresh.calls.n]).toEqual([500, 0]);
  });

  it("close() does not wait for a store that does not answer", async () => {
    const keyv = new Keyv();
    const cache = new KeyvCache(keyv, { storeTimeout: 200 });
    await cache.set("a signature", 1); // pending: committed by close()
    downStore(keyv, ["setMany", "disconnect"]);
    const { warnings } = await warningsDuring(() => cache.close());
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^HYPERNODES_CACHE_STORE: The cache store did not answer a commit within 2\d\d ms, and reports errors/);
    expect(warnings[1]).toBe("HYPERNODES_CACHE_WRITE: Cache closed with 1 results that could not be committed; they will be recomputed");
  });
});


describe.runIf(canSwitchUser)("a cache folder this user may only read (a team's shared cache)", () => {
  const fixture = new URL("./fixtures/label-map.js", import.meta.url).pathname;
  const labels = (dir: string, n: number, asNobody: boolean) => {
    const command = [process.execPath, fixture, dir, String(n)];
    const run = asNobody
      ? spawnSync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", ...command], { encoding: "utf8" })
      : spawnSync(command[0]!, command.slice(1), { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    return { ...(JSON.parse(run.stdout) as { calls: number; labels: string[] }), stderr: run.stderr };
  };

  it("serves its hits, computes the rest without storing them, and says so once", () => {
    const root = tempDir();
    chmodSync(root, 0o755);
    const dir = join(root, "shared");
    expect(labels(dir, 5, false).calls).toBe(5);
    expect(statSync(dir).mode & 0o022).toBe(0); // others may read, not write

    const reader = labels(dir, 8, true);
    expect(reader.labels).toEqual(range(8).map((x) => `item ${x}`));
    expect(reader.calls).toBe(3);
    expect(reader.stderr.match(/HYPERNODES_CACHE_READONLY/g)).toHaveLength(1);
    expect(reader.stderr).toContain(`The cache file ${join(dir, "cache.sqlite")} is read-only for this process: cached results are served, new ones are not stored`);
    expect(labels(dir, 8, true).calls).toBe(3);
    expect(labels(dir, 8, false).calls).toBe(3); // its owner still writes
  });
});

describe("cache lifecycle: access times, prune, maxBytes, hypernodes-cache", () => {
  const DAY = 86_400_000;
  /** A DiskCache holding `n` entries "k0"… of `size` bytes, entry i last used `ageOf(i)` ms ago. */
  async function agedCache(n: number, size: number, ageOf: (i: number) => number) {
    const dir = tempDir();
    const cache = new DiskCache({ path: dir });
    for (let i = 0; i < n; i++) await cache.set(`k${i}`, "x".repeat(size));
    await cache.close();
    const db = new Database(cache.file);
    const set = db.prepare("UPDATE entries SET accessed = ? WHERE key = ?");
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < n; i++) set.run(now - Math.floor(ageOf(i) / 1000), Buffer.concat([Buffer.from([0]), Buffer.from(`k${i}`)]));
    db.close();
    return dir;
  }
  const present = async (cache: DiskCache, n: number) => {
    const found = await cache.getMany(range(n).map((i) => `k${i}`));
    return range(n).filter((i) => found.has(`k${i}`));
  };

  it("prune({ olderThan }) removes what was not used for that long, and says how much", async () => {
    const dir = await agedCache(10, 1000, (i) => (i < 4 ? 40 * DAY : DAY));
    const cache = new DiskCache({ path: dir });
    const before = await cache.stats();
    expect(before.oldestAccess!.getTime()).toBeLessThan(Date.now() - 39 * DAY);
    expect(before.newestAccess!.getTime()).toBeGreaterThan(Date.now() - 2 * DAY);
    const pruned = await cache.prune({ olderThan: 30 * DAY });
    expect(pruned.entries).toBe(4);
    expect(pruned.bytes).toBeGreaterThanOrEqual(4000);
    expect(await present(cache, 10)).toEqual([4, 5, 6, 7, 8, 9]);
    await cache.close();
  });

  it("prune({ maxBytes }) removes the least recently used first, and a read counts as a use", async () => {
    const dir = await agedCache(100, 1000, (i) => (100 - i) * DAY); // k0 the oldest
    const reader = new DiskCache({ path: dir });
    expect(await reader.get("k1")).toBe("x".repeat(1000)); // used now: kept over newer-written entries
    await reader.close();
    const cache = new DiskCache({ path: dir });
    const before = await cache.stats();
    const pruned = await cache.prune({ maxBytes: 50_000 });
    const { bytes } = await cache.stats();
    expect(bytes).toBeLessThanOrEqual(50_000);
    expect(bytes).toBeGreaterThan(49_000); // no more than needed
    expect(bytes + pruned.bytes).toBe(before.bytes);
    const kept = await present(cache, 100);
    expect(kept).toContain(1);
    expect(kept).toContain(99);
    expect(kept).not.toContain(0);
    expect(kept.length).toBe(100 - pruned.entries);
    await expect(cache.prune({ maxBytes: -1 })).rejects.toThrow("prune: option maxBytes must be a number of at least 0, got -1");
    await cache.close();
  });

  it("new DiskCache({ maxBytes }) keeps itself under the bound in the background, keeping the newest results", async () => {
    const cache = new DiskCache({ path: tempDir(), maxBytes: 100_000, batchSize: 20 });
    const { pipeline, calls } = labelling(cache, 2000);
    await pipeline.map({ x: range(300) }, { mapOver: "x" });
    for (let i = 0; i < 100 && (await cache.stats()).bytes > 100_000; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await cache.stats()).bytes).toBeLessThanOrEqual(100_000);
    calls.n = 0;
    await pipeline.map({ x: range(10, 290) }, { mapOver: "x" });
    expect(calls.n).toBe(0); // the last results are still there
    await cache.close();
  });

  it("hypernodes-cache stats, prune and clear work on a cache folder from a shell", async () => {
    const { main } = await import("../src/cache/cache-cli.js");
    const dir = await agedCache(10, 1000, (i) => (i < 3 ? 40 * DAY : 0));
    const lines: string[] = [];
    expect(await main(["stats", "--path", dir], (line) => lines.push(line))).toBe(0);
    expect(await main(["prune", "--path", dir, "--older-than", "30d"], (line) => lines.push(line))).toBe(0);
    expect(await main(["prune", "--path", dir, "--max-bytes", "5KB"], (line) => lines.push(line))).toBe(0);
    expect(await main(["clear", "--path", dir], (line) => lines.push(line))).toBe(0);
    const file = join(dir, "cache.sqlite");
    expect(lines[0]).toMatch(/: 10 entries, 9\.\d\dKB$/);
    expect(lines[0].startsWith(`${file}: `)).toBe(true);
    expect(lines[1]).toMatch(/^last used: oldest \S+Z, newest \S+Z$/);
    expect(lines[2]).toContain(`${file}: removed 3 entries, 2.`);
    expect(lines[3]).toBe(`${file}: removed 2 entries, 1.96KB`); // 7 × 1003 bytes left, down to 5,120
    expect(lines[4]).toBe(`${file}: removed 5 entries`);
    expect(await main(["prune", "--path", dir])).toBe(2);
    expect(await main(["frob", "--path", dir])).toBe(2);
    expect(await main(["prune", "--path", dir, "--max-bytes", "lots"])).toBe(2);
  });
});


describe("large values: typed arrays and Buffers as raw bytes, large values as files beside the index", () => {
  const filesOf = (dir: string) => (existsSync(join(dir, "values")) ? readdirSync(join(dir, "values")) : []);

  it.each([
    ["kept in memory too", {}],
    ["read from disk on every hit", { memoryBytes: 0 }],
  ])("come back as the same kind with the same elements in memory of their own, each hit a fresh copy (%s)", async (_, options) => {
    const dir = tempDir();
    const cache = new DiskCache({ path: dir, ...options });
    const values = {
      float32: Float32Array.from({ length: 300_000 }, (_, i) => i / 3), // 1.2 MB: a file
      float64: Float64Array.from({ length: 20_000 }, (_, i) => -i / 7), // 160 KB: raw bytes in the row
      bigints: BigInt64Array.from({ length: 10_000 }, (_, i) => BigInt(i) * -(2n ** 40n)),
      buffer: Buffer.alloc(2_000_000, 7),
      bytes: new Uint8Array(100_000).fill(200),
      small: new Int16Array([1, -2, 3]), // v8.serialize as before
    };
    for (const [key, value] of Object.entries(values)) await cache.set(key, value);
    await cache.close();
    expect(filesOf(dir)).toHaveLength(2); // float32 and buffer
    const reopened = new DiskCache({ path: dir, ...options });
    const bytesOf = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    for (const [key, value] of Object.entries(values)) {
      const back = (await reopened.get(key)) as ArrayBufferView;
      expect(Object.getPrototypeOf(back), key).toBe(Object.getPrototypeOf(value));
      expect([back.byteOffset, back.buffer.byteLength], key).toEqual([0, back.byteLength]); // `new Float32Array(back.buffer)` is `back`
      expect(bytesOf(back).equals(bytesOf(value)), key).toBe(true);
      bytesOf(back)[0]! ^= 1; // a fresh copy: the next hit is unchanged
      expect(bytesOf((await reopened.get(key)) as ArrayBufferView).equals(bytesOf(value)), key).toBe(true);
    }
    expect((await reopened.stats()).bytes).toBeGreaterThan(3_200_000); // the files count
    await reopened.close();
  });

  it("a typed array subclass keeps its class; one with a symbol key is refused as before", async () => {
    const cache = new DiskCache({ path: tempDir() });
    const Vector = new Function("return class Vector extends Float32Array { norm() { return Math.hypot(...this); } }")() as Float32ArrayConstructor;
    const vector = new Vector(100_000);
    await cache.set("v", vector);
    expect(await cache.get("v")).toBeInstanceOf(Vector);
    const tagged = Object.assign(new Float32Array(100_000), { [Symbol("tag")]: 1 });
    await expect(cache.set("t", tagged)).rejects.toThrow("symbol-keyed");
    await cache.close();
  });

  it("a value file that is changed or gone is a miss with a warning; deleting entries deletes their files", async () => {
    const dir = tempDir();
    const cache = new DiskCache({ path: dir });
    const big = node((seed: number) => new Float64Array(300_000).fill(seed), { outputName: "big", name: "big", version: "durability file" });
    const pipeline = new Pipeline({ nodes: [big], cache });
    await pipeline.map({ seed: [1, 2, 3] }, { mapOver: "seed" });
    await cache.close();
    const [first, second] = filesOf(dir).sort();
    const damaged = readFileSync(join(dir, "values", first!));
    damaged[damaged.length - 1] ^= 1;
    writeFileSync(join(dir, "values", first!), damaged);
    rmSync(join(dir, "values", second!));
    const reopened = new DiskCache({ path: dir });
    const again = new Pipeline({ nodes: [big], cache: reopened });
    const { result, warnings } = await warningsDuring(() => again.map({ seed: [1, 2, 3] }, { mapOver: "seed" }));
    expect(result.map((r) => r.big[0])).toEqual([1, 2, 3]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("2 entries whose bytes changed since written (checksum mismatch, or its value file is gone)");
    expect(await again.clearCache()).toBeGreaterThanOrEqual(3);
    expect(filesOf(dir)).toEqual([]);
    await reopened.close();
  });
});


describe("bounded memory: the memory layer", () => {
  it("takes the heap memoryBytes says (within 2×), and none at 0", () => {
    const heldWith = (memoryBytes: number) =>
      Number(execFileSync(process.execPath, ["--expose-gc", new URL("./fixtures/memory-layer-heap.js", import.meta.url).pathname, tempDir(), String(memoryBytes)]).toString());
    const bound = 8 * 2 ** 20;
    const held = heldWith(bound);
    expect(held).toBeGreaterThan(bound / 2);
    expect(held).toBeLessThan(bound * 2);
    expect(heldWith(0)).toBeLessThan(2 ** 20);
  }, 60_000);

  it("a map larger than it keeps the entries it stored first, so a re-run hits them; a later call's entries replace them", async () => {
    const keyv = new Keyv();
    const cache = new KeyvCache(keyv, { memoryBytes: 100 * (64 + 48 + 8) }); // 100 entries of a number under a 48-character key
    const key = (i: number) => String(i).padStart(48, "0");
    const storeReads = vi.spyOn(keyv, "getMany");
    const readAll = async (keys: number[]) => {
      storeReads.mockClear();
      for (const i of keys) expect(await cache.get(key(i))).toBe(i);
      await cache.flush(); // the end of a run/map call
      return storeReads.mock.calls.length;
    };
    for (let i = 0; i < 300; i++) await cache.set(key(i), i);
    await cache.flush();
    expect(await readAll(range(300))).toBe(200); // LRU would have evicted each entry before the re-run reached it: 300
    expect(await readAll(range(300))).toBe(200);
    for (let i = 1000; i < 1100; i++) await cache.set(key(i), i);
    await cache.flush();
    expect(await readAll(range(100, 1000))).toBe(0);
    expect(await readAll(range(100))).toBe(100);
    await cache.set(key(5000), "x".repeat(20_000)); // larger than the whole layer: kept out, evicting nothing
    await cache.flush();
    expect(await readAll(range(100))).toBe(0);
  });
});

// A cache failure never loses results and never spreads: a value too large to store, a disk that
// fills up, a cache folder deleted under a running process, a damaged file, a flipped byte. Each case
// first reproduces the failure the way a user meets it, then checks what the user gets.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DiskCache, HyperNodesError, node, Pipeline } from "hypernodes";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "hn-durable-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Warnings emitted while `work` runs, as "CODE: message". */
async function warningsDuring<T>(work: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const listener = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
  process.on("warning", listener);
  try {
    return { result: await work(), warnings };
  } finally {
    process.off("warning", listener);
  }
}

/** A one-node pipeline on `cache` that counts its calls: `label(x)` is a string of `size` characters. */
function labelling(cache: DiskCache, size = 16) {
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

  it("a truncated file is moved aside with a warning naming both paths, and a fresh cache starts", async () => {
    const dir = tempDir();
    const cache = new DiskCache({ path: dir });
    await labelling(cache, 3000).pipeline.map({ x: range(300) }, { mapOver: "x" });
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
    expect(warnings).toEqual([
      `HYPERNODES_CACHE_CORRUPT: The cache file ${cache.file} is corrupt (${warnings[0]!.match(/is corrupt \((.*)\): it was moved/)![1]}): it was moved to ${join(dir, aside[0]!)} and a fresh cache started`,
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
      `HYPERNODES_CACHE_CORRUPT: The cache file ${cache.file} held an entry whose bytes changed since written (checksum mismatch): deleted, to be recomputed`,
    ]);
    await pipeline.map({ x: range(5) }, { mapOver: "x" });
    expect(calls.n).toBe(1); // recomputed once, then stored again
    await reopened.close();
  });
});

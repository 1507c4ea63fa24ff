// Cache throughput on the 3-node map: DiskCache cold, warm in-process, warm in a fresh process,
// pruning 1M entries; the same with @keyv/sqlite for comparison; a large value written and read;
// and value hashing throughput.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyvSqlite } from "@keyv/sqlite";
import Keyv from "keyv";
import { DiskCache, KeyvCache } from "hypernodes";
import { hashValue } from "../dist/identity/code-identity.js";
import { measure, report } from "./measure.js";
import { range, threeNodePipeline } from "./workloads.js";

const us = (ms, n) => `${((ms * 1000) / (n * 3)).toFixed(2)} µs/node`;

/** Runs the map in a new process against the cache folder; returns its wall time in ms and peak RSS above its start. */
function inFreshProcess(kind, dir, n) {
  const out = execFileSync(process.execPath, [new URL("./cache-child.js", import.meta.url).pathname, kind, dir, String(n)]);
  return JSON.parse(out.toString());
}

export async function benchCache() {
  const cold = {};
  for (const n of [10_000, 100_000, 333_334]) {
    const dir = mkdtempSync(join(tmpdir(), "hn-bench-"));
    const cache = new DiskCache({ path: dir });
    const pipeline = threeNodePipeline({ cache });
    const x = range(n);
    const { ms } = await measure(() => pipeline.map({ x }, { mapOver: "x" }), { repeat: 1 });
    cold[n] = ms / n;
    report(`DiskCache cold, N=${n.toLocaleString("en")} (${(n * 3).toLocaleString("en")} entries)`, us(ms, n), `${ms.toFixed(0)} ms incl. writes`);
    if (n === 100_000) {
      const warm = await measure(() => pipeline.map({ x }, { mapOver: "x" }), { repeat: 3 });
      report(`DiskCache warm, same process, N=100,000`, us(warm.ms, n), "a re-run cell");
      await cache.close();
      const fresh = inFreshProcess("disk", dir, n).ms;
      report(`DiskCache warm, fresh process, N=100,000`, us(fresh, n), "after a kernel restart");
    } else if (n === 333_334) {
      const { bytes } = await cache.stats();
      const t0 = performance.now();
      const pruned = await cache.prune({ maxBytes: bytes / 2 });
      report("DiskCache prune of 1,000,002 entries to half their bytes", `${(performance.now() - t0).toFixed(0)} ms`, `${pruned.entries.toLocaleString("en")} removed`);
      await cache.close();
    } else await cache.close();
    rmSync(dir, { recursive: true, force: true });
  }
  report("DiskCache cold linearity, 1M vs 100k entries", `${(cold[333_334] / cold[100_000]).toFixed(2)}× per-node time`, "1.00 = linear");
  {
    const n = 1_000_000;
    const dir = mkdtempSync(join(tmpdir(), "hn-bench-"));
    const { ms, peakRss } = inFreshProcess("disk-cold", dir, n);
    rmSync(dir, { recursive: true, force: true });
    report("DiskCache cold, N=1,000,000 in a fresh process: peak RSS", `${(peakRss / n).toFixed(0)} B/item`, `${(peakRss / 2 ** 20).toFixed(0)} MiB above its start (results: ~80 B/item); ${us(ms, n)}`);
  }

  const n = 10_000;
  const dir = mkdtempSync(join(tmpdir(), "hn-bench-"));
  const cache = new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, "keyv.sqlite")}`) }));
  const { ms } = await measure(() => threeNodePipeline({ cache }).map({ x: range(n) }, { mapOver: "x" }), { repeat: 1 });
  report(`@keyv/sqlite (sqlite3) cold, N=10,000`, us(ms, n), "for comparison");
  await cache.close();
  report(`@keyv/sqlite (sqlite3) warm, fresh process, N=10,000`, us(inFreshProcess("keyv-sqlite", dir, n).ms, n), "for comparison");
  rmSync(dir, { recursive: true, force: true });

  const big = new Float32Array(25_000_000);
  for (let i = 0; i < big.length; i += 997) big[i] = i;
  const largeDir = mkdtempSync(join(tmpdir(), "hn-bench-"));
  const writer = new DiskCache({ path: largeDir });
  const w = await measure(async () => (await writer.set("big", big), await writer.flush()), { repeat: 1 });
  await writer.close();
  const reader = new DiskCache({ path: largeDir });
  const r = await measure(() => reader.get("big"), { repeat: 1 });
  await reader.close();
  rmSync(largeDir, { recursive: true, force: true });
  report("DiskCache 100 MB Float32Array: write / read", `${(100 / (w.ms / 1000)).toFixed(0)} / ${(100 / (r.ms / 1000)).toFixed(0)} MB/s`, `${w.ms.toFixed(0)} / ${r.ms.toFixed(0)} ms`);
  const h = await measure(() => hashValue(big), { repeat: 3 });
  report("hash a 100 MB Float32Array", `${h.ms.toFixed(0)} ms`, `${(100 / (h.ms / 1000)).toFixed(0)} MB/s`);
  const objects = range(100_000).map((i) => ({ id: i, text: `document number ${i}`, tags: ["a", "b"], score: i / 7 }));
  const o = await measure(() => objects.map((v) => hashValue(v)), { repeat: 3 });
  report("hash 100k small objects", `${((o.ms * 1000) / objects.length).toFixed(2)} µs/object`, `${o.ms.toFixed(0)} ms`);
}

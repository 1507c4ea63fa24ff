// Child of bench/cache.js: maps the 3-node pipeline over N items in a fresh process, against an
// existing cache folder (nothing in memory; every node must hit) or, for "disk-cold", an empty one;
// prints the wall time and the peak RSS above the process's size once its inputs were made.
import { join } from "node:path";
import { KeyvSqlite } from "@keyv/sqlite";
import Keyv from "keyv";
import { DiskCache, KeyvCache } from "hypernodes";
import { range, threeNodePipeline } from "./workloads.js";

const [kind, dir, n] = process.argv.slice(2);
const cold = kind === "disk-cold";
const cache =
  kind === "disk" || cold
    ? new DiskCache({ path: dir })
    : new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, "keyv.sqlite")}`) }));
let executed = 0;
const pipeline = threeNodePipeline({ cache, callbacks: [{ onNodeEnd: () => executed++ }] });
const x = range(Number(n));
const startRss = process.memoryUsage().rss;
const t0 = performance.now();
await pipeline.map({ x }, { mapOver: "x" });
const ms = performance.now() - t0;
if (!cold && executed > 0) throw new Error(`expected only cache hits, ${executed} nodes executed`);
await cache.close();
console.log(JSON.stringify({ ms, peakRss: process.resourceUsage().maxRSS * 1024 - startRss }));

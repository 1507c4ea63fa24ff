// Child of bench/cache.js: maps the 3-node pipeline over N items against an existing cache folder
// in a fresh process (nothing in memory), and prints the wall time.
import { join } from "node:path";
import { KeyvSqlite } from "@keyv/sqlite";
import Keyv from "keyv";
import { DiskCache, KeyvCache } from "hypernodes";
import { range, threeNodePipeline } from "./workloads.js";

const [kind, dir, n] = process.argv.slice(2);
const cache =
  kind === "disk"
    ? new DiskCache({ path: dir })
    : new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, "keyv.sqlite")}`) }));
let executed = 0;
const pipeline = threeNodePipeline({ cache, callbacks: [{ onNodeEnd: () => executed++ }] });
const x = range(Number(n));
const t0 = performance.now();
await pipeline.map({ x }, { mapOver: "x" });
const ms = performance.now() - t0;
if (executed > 0) throw new Error(`expected only cache hits, ${executed} nodes executed`);
await cache.close();
console.log(JSON.stringify({ ms }));

import { mkdtempSync } from "node:fs"; import { tmpdir } from "node:os"; import { join } from "node:path";
import { DiskCache } from "hypernodes"; import { range, threeNodePipeline } from "./workloads.js";
const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "hn-"));
const cache = new DiskCache({ path: dir }); const p = threeNodePipeline({ cache });
const t = performance.now(); await p.map({ x: range(100000) }, { mapOver: "x" }); console.log(dir, ((performance.now() - t) * 1000 / 300000).toFixed(2)); await cache.close();

// Child of bench/calls.js: one row in a fresh process, as a session's first calls run (library code
// not yet compiled by the JIT). Prints its figure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskCache } from "hypernodes";
import { CALL_ROWS, firstLargeMap, timeRow } from "./calls.js";

const name = process.argv[2];
if (name === "first 10k map") console.log(JSON.stringify(await firstLargeMap()));
else {
  const row = CALL_ROWS.find((r) => r.name === name);
  const dir = mkdtempSync(join(tmpdir(), "hn-bench-"));
  const cache = new DiskCache({ path: dir });
  console.log(JSON.stringify(await timeRow(row, await row.setup(cache))));
  await cache.close();
  rmSync(dir, { recursive: true, force: true });
}

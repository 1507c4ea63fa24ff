// The `hypernodes-cache` CLI (bin/hypernodes-cache.js): a DiskCache from a shell.
// `npx hypernodes-cache stats|prune|clear [--path DIR] [--max-bytes N] [--older-than 30d]`.
import { parseArgs } from "node:util";
import bytes from "bytes";
import ms from "ms";
import { messageOf } from "../core/errors.js";
import { DiskCache } from "./disk-cache.js";

const USAGE = `Usage: hypernodes-cache stats|prune|clear [--path DIR] [--max-bytes SIZE] [--older-than AGE]
  stats   entries, bytes and access times of the cache
  prune   removes entries not used for --older-than (e.g. 30d, 12h), then the least recently used
          beyond --max-bytes (e.g. 10GB, 500MB, or a number of bytes)
  clear   removes every entry
--path is the cache folder (default .hypernodes, as DiskCache's).`;

/** Runs one command; returns the process's exit code. */
export async function main(argv: string[], print: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { path: { type: "string" }, "max-bytes": { type: "string" }, "older-than": { type: "string" }, help: { type: "boolean" } },
    });
  } catch (error) {
    console.error(`${messageOf(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (values.help) return console.error(USAGE), 0;
  if (!command || !["stats", "prune", "clear"].includes(command) || extra.length > 0) {
    console.error(`${command ? `Unknown command '${[command, ...extra].join(" ")}'` : "No command given"}\n${USAGE}`);
    return 2;
  }
  const maxBytes = values["max-bytes"] === undefined ? undefined : bytes.parse(values["max-bytes"]);
  const olderThan = values["older-than"] === undefined ? undefined : ms(values["older-than"] as ms.StringValue);
  if (maxBytes === null || Number.isNaN(maxBytes) || (olderThan !== undefined && !(olderThan >= 0))) {
    console.error(`--max-bytes takes a size (10GB, 500MB, 1048576) and --older-than an age (30d, 12h)\n${USAGE}`);
    return 2;
  }
  if (command === "prune" && maxBytes === undefined && olderThan === undefined) {
    console.error(`prune needs --max-bytes or --older-than\n${USAGE}`);
    return 2;
  }
  const cache = new DiskCache({ path: values.path });
  try {
    if (command === "stats") {
      const stats = await cache.stats();
      print(`${cache.file}: ${stats.entries} entries, ${bytes.format(stats.bytes)}`);
      if (stats.oldestAccess) print(`last used: oldest ${stats.oldestAccess.toISOString()}, newest ${stats.newestAccess!.toISOString()}`);
    } else if (command === "prune") {
      const pruned = await cache.prune({ maxBytes, olderThan });
      print(`${cache.file}: removed ${pruned.entries} entries, ${bytes.format(pruned.bytes)}`);
    } else {
      const { entries } = await cache.stats();
      await cache.clear();
      print(`${cache.file}: removed ${entries} entries`);
    }
    return 0;
  } catch (error) {
    console.error(`hypernodes-cache: ${messageOf(error)}`);
    return 1;
  } finally {
    await cache.close();
  }
}

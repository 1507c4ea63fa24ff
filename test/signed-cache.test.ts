// A KeyvCache on a store others can write to (here @keyv/sqlite on a file, standing for Redis or a
// database): what an attacker with write access to the store can make a caller return, with and
// without the team's secret.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serialize } from "node:v8";
import { KeyvSqlite } from "@keyv/sqlite";
import Keyv from "keyv";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DiskCache, KeyvCache, node, Pipeline } from "hypernodes";
import { warningsDuring } from "./helpers/warnings.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const savedSecret = process.env.HYPERNODES_SECRET;
afterEach(() => {
  if (savedSecret === undefined) delete process.env.HYPERNODES_SECRET;
  else process.env.HYPERNODES_SECRET = savedSecret;
});

/** A shared store's file: every Keyv on it sees what the others wrote, as with Redis. */
function storeFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "hn-signed-"));
  dirs.push(dir);
  return join(dir, "shared.sqlite");
}

/**
 * A Keyv on the file, recording the signatures of the node results the cache commits (what an attacker
 * would overwrite), in order; the shorter keys of explain's records are left out.
 */
function sharedKeyv(file: string): Keyv & { committed: string[] } {
  const keyv = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }) as Keyv & { committed: string[] };
  keyv.committed = [];
  const setMany = keyv.setMany.bind(keyv);
  keyv.setMany = (entries) => (keyv.committed.push(...entries.map((e) => e.key).filter((key) => key.length > 40)), setMany(entries));
  return keyv;
}

/** `x * x` on `cache`, counting its executions. */
function squares(cache: KeyvCache) {
  const calls = { n: 0 };
  const square = node((x: number) => (calls.n++, x * x), { outputName: "y", name: "square", version: "signed" });
  const pipeline = new Pipeline({ nodes: [square], cache });
  return { calls, map: async (xs: number[]) => (await pipeline.map({ x: xs }, { mapOver: "x" })).map((r) => r.y) };
}

/** What an attacker writes: a value the store's readers would take for a result. */
const forged = () => serialize(666);

describe("KeyvCache on a shared store", () => {
  it("without a secret: one warning that the store is unauthenticated, and whoever writes to it decides the result", async () => {
    const file = storeFile();
    const { result: owner, warnings } = await warningsDuring(() => new KeyvCache(sharedKeyv(file)));
    expect(warnings).toEqual([expect.stringMatching(/^HYPERNODES_UNSIGNED_CACHE: .*shared and unauthenticated.*HYPERNODES_SECRET/)]);
    await squares(owner).map([4242]);
    await owner.close();
    const attacker = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) });
    for (const key of (owner.keyv as Keyv & { committed: string[] }).committed) await attacker.set(key, forged());
    // This is the trust model the warning states: with no secret, the store is believed.
    const victim = squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) })));
    expect(await victim.map([4242])).toEqual([666]);
  });

  it("warns that a shared store is unauthenticated once per process and kind of store: a re-run cell does not repeat it", async () => {
    const { warnings } = await warningsDuring(() => {
      for (let i = 0; i < 3; i++) new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${storeFile()}`) }));
    });
    expect(warnings).toEqual([]); // the first test's cache already said it
  });

  it("with a secret: forged entries are misses, recomputed and never deserialized, with one warning", async () => {
    const file = storeFile();
    const { result: owner, warnings } = await warningsDuring(() => new KeyvCache(sharedKeyv(file), { secret: "team secret" }));
    expect(warnings).toEqual([]);
    await squares(owner).map([4242, 7]);
    await owner.close();
    const keys = (owner.keyv as Keyv & { committed: string[] }).committed;
    expect(keys).toHaveLength(2);
    const attacker = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) });
    await attacker.set(keys[0]!, forged());
    // Bytes that could not even be deserialized: were they read, the warning would say "could not be read".
    await attacker.set(keys[1]!, Buffer.from([0xff, 0x0f, 0x6f, 0x22, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    const victim = squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "team secret" }));
    const { result, warnings: read } = await warningsDuring(() => victim.map([4242, 7]));
    expect(result).toEqual([4242 * 4242, 49]);
    expect(victim.calls.n).toBe(2);
    expect(read).toEqual([expect.stringMatching(/^HYPERNODES_CACHE_FORGED: A cache entry was not served, as it does not verify with this cache's secret/)]);
  });

  it("with a secret: an altered entry, or a genuine one moved under another signature, is a miss", async () => {
    const file = storeFile();
    const owner = new KeyvCache(sharedKeyv(file), { secret: "team secret" });
    await squares(owner).map([1, 2]);
    await owner.close();
    const [one, two] = (owner.keyv as Keyv & { committed: string[] }).committed as [string, string];
    const attacker = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) });
    const genuine = Buffer.from((await attacker.get<Uint8Array>(one))!);
    // x = 2 answered with x = 1's genuine, signed entry.
    await attacker.set(two, genuine);
    // x = 1's entry with its last byte changed.
    const altered = Buffer.from(genuine);
    altered[altered.length - 1]! ^= 0x01;
    await attacker.set(one, altered);
    const victim = squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "team secret" }));
    const { result, warnings } = await warningsDuring(() => victim.map([1, 2]));
    expect(result).toEqual([1, 4]);
    expect(victim.calls.n).toBe(2);
    expect(warnings).toHaveLength(1);
  });

  it("serves entries signed with its own secret from another cache object, and not those of another secret or of none", async () => {
    const file = storeFile();
    const first = squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "team secret" }));
    await first.map([1, 2, 3]);
    const same = squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "team secret" }));
    expect(await same.map([1, 2, 3])).toEqual([1, 4, 9]);
    expect(same.calls.n).toBe(0);
    const other = squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "another team" }));
    const { result, warnings } = await warningsDuring(() => other.map([1, 2, 3]));
    expect(result).toEqual([1, 4, 9]);
    expect(other.calls.n).toBe(3);
    expect(warnings).toEqual([expect.stringMatching(/^HYPERNODES_CACHE_FORGED: .*written without it, with another one, or altered/)]);
    // Entries written before the team had a secret are not trusted once it has one.
    const unsignedFile = storeFile();
    await warningsDuring(() => squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${unsignedFile}`) }))).map([5]));
    const signed = squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${unsignedFile}`) }), { secret: "team secret" }));
    expect(await warningsDuring(() => signed.map([5])).then((r) => r.result)).toEqual([25]);
    expect(signed.calls.n).toBe(1);
  });

  it("has() is true only for an entry that would be served", async () => {
    const file = storeFile();
    const owner = new KeyvCache(sharedKeyv(file), { secret: "team secret" });
    await squares(owner).map([3]);
    await owner.close();
    const [key] = (owner.keyv as Keyv & { committed: string[] }).committed as [string];
    const reader = new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "team secret" });
    expect(await reader.has(key)).toBe(true);
    await new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }).set(key, forged());
    const fresh = new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "team secret" });
    expect(await warningsDuring(() => fresh.has(key)).then((r) => r.result)).toBe(false);
  });

  it("reads its secret from HYPERNODES_SECRET; an empty one signs nothing, with a warning; a non-string one is refused by name", async () => {
    const file = storeFile();
    process.env.HYPERNODES_SECRET = "from the environment";
    const { warnings } = await warningsDuring(() => squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }))).map([6]));
    expect(warnings).toEqual([]);
    delete process.env.HYPERNODES_SECRET;
    const explicit = squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "from the environment" }));
    expect(await explicit.map([6])).toEqual([36]);
    expect(explicit.calls.n).toBe(0);
    const empty = await warningsDuring(() => new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) }), { secret: "" }));
    expect(empty.warnings).toContain("HYPERNODES_EMPTY_SECRET: new KeyvCache: the secret is empty, so nothing is signed");
    expect(() => new KeyvCache(new Keyv(), { secret: 42 as never })).toThrow("new KeyvCache: secret must be a string (the team's shared secret, e.g. process.env.HYPERNODES_SECRET), got number");
  });

  it("a store in this process and DiskCache's file need no secret: no warning, no HYPERNODES_SECRET read, no secret option", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hn-signed-disk-"));
    dirs.push(dir);
    const { warnings } = await warningsDuring(async () => {
      await squares(new KeyvCache(new Keyv())).map([1]);
      await squares(new DiskCache({ path: dir })).map([1]);
    });
    expect(warnings).toEqual([]);
    process.env.HYPERNODES_SECRET = "not for local files";
    const disk = squares(new DiskCache({ path: dir }));
    expect(await disk.map([1])).toEqual([1]);
    expect(disk.calls.n).toBe(0);
    expect(() => new DiskCache({ path: dir, secret: "x" } as never)).toThrow("new DiskCache takes no secret: its file is local, guarded by its folder's permissions");
    // Nor for a store in this process: had it read it, the unsigned entry would be a miss.
    const keyv = new Keyv();
    delete process.env.HYPERNODES_SECRET;
    await squares(new KeyvCache(keyv)).map([2]);
    process.env.HYPERNODES_SECRET = "not for local stores";
    const reader = squares(new KeyvCache(keyv));
    expect(await reader.map([2])).toEqual([4]);
    expect(reader.calls.n).toBe(0);
  });

  it("without a secret, an entry that is not a HyperNodes value is a miss with one warning, not a failed run", async () => {
    const file = storeFile();
    const owner = new KeyvCache(sharedKeyv(file), { secret: undefined });
    await squares(owner).map([8, 9]);
    await owner.close();
    const attacker = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) });
    const keys = (owner.keyv as Keyv & { committed: string[] }).committed;
    await attacker.set(keys[0]!, Buffer.from("not a value"));
    await attacker.set(keys[1]!, "a string where bytes belong");
    const victim = squares(new KeyvCache(new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) })));
    const { result, warnings } = await warningsDuring(() => victim.map([8, 9]));
    expect(result).toEqual([64, 81]);
    expect(warnings).toEqual([expect.stringMatching(/^HYPERNODES_CACHE_UNREADABLE: A cache entry was not served, as it could not be read/)]);
  });
});

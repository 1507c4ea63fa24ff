// What a secret costs a KeyvCache (issue 18: ≤ 2 µs per entry): the 3-node map over 10,000 items
// (30,000 entries) on Keyv's in-process store, so the store's own cost does not hide the signing,
// with and without a secret: committing (each entry sealed), a warm re-run in a new cache object
// (each entry read back from the store and verified), and a warm re-run in the same object (its
// memory layer: nothing to verify).
import Keyv from "keyv";
import { KeyvCache } from "hypernodes";
import { Signer } from "../dist/security/signing.js";
import { measure, report } from "./measure.js";
import { range, threeNodePipeline } from "./workloads.js";

const N = 10_000;
const ENTRIES = N * 3;
const SECRET = "bench secret";

/** Best times (ms) of the three workloads on a cache made with `options`. */
async function timings(options) {
  const x = range(N);
  const map = (cache) => threeNodePipeline({ cache }).map({ x }, { mapOver: "x" });
  const commit = await measure(async () => {
    const cache = new KeyvCache(new Keyv(), options);
    await map(cache);
  }, { repeat: 5 });
  const keyv = new Keyv();
  const cache = new KeyvCache(keyv, options);
  await map(cache);
  const fromStore = await measure(() => map(new KeyvCache(keyv, options)), { repeat: 5 });
  const fromMemory = await measure(() => map(cache), { repeat: 5 });
  return { commit: commit.ms, fromStore: fromStore.ms, fromMemory: fromMemory.ms };
}

export async function benchSigning() {
  const plain = await timings({});
  const signed = await timings({ secret: SECRET });
  const perEntry = (key) => `${(((signed[key] - plain[key]) * 1000) / ENTRIES).toFixed(2)} µs/entry`;
  const detail = (key) => `${plain[key].toFixed(0)} → ${signed[key].toFixed(0)} ms for ${ENTRIES.toLocaleString("en")} entries (≤ 2 µs)`;
  report("KeyvCache secret: cold map, entries sealed", perEntry("commit"), detail("commit"));
  report("KeyvCache secret: warm, read from store, verified", perEntry("fromStore"), detail("fromStore"));
  report("KeyvCache secret: warm, same object (memory)", perEntry("fromMemory"), detail("fromMemory"));

  const signer = new Signer(SECRET);
  const key = "a".repeat(48);
  const sealed = signer.seal("cache entry", key, Buffer.alloc(64, 7));
  const rounds = 100_000;
  const { ms } = await measure(() => {
    for (let i = 0; i < rounds; i++) signer.open("cache entry", key, sealed);
  });
  report("KeyvCache secret: one 64-byte entry checked", `${((ms * 1000) / rounds).toFixed(2)} µs`, "node:crypto's createHmac alone costs ~2 µs a call here");
}

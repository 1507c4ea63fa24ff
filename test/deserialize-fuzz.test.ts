// Values read back from a shared store are deserialized: whatever bytes someone put there, reading
// them returns a value or throws an Error, never crashes or hangs the process; with a secret, no
// altered entry is served at all.
import Keyv from "keyv";
import { describe, expect, it } from "vitest";
import { KeyvCache } from "hypernodes";
import { encode, fromBytes, toBytes } from "../src/cache/serialization.js";
import { Signer } from "../src/security/signing.js";

/** A seeded PRNG (mulberry32): the same 50,000 payloads on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

/** Stored forms of every kind: plain V8 bytes, values with fix-ups (class instances, null prototypes), raw typed arrays. */
const corpus: Buffer[] = [
  { a: 1, b: "text", c: [1, 2, 3], d: { nested: true } },
  new Map<unknown, unknown>([["k", new Set([1, 2])], [3, new Date(0)]]),
  [1.5, -0, NaN, 2n ** 70n, null, undefined, "é"],
  new Float64Array(64).map((_, i) => i / 3),
  Buffer.from("bytes"),
  new Point(1, 2),
  Object.assign(Object.create(null), { bare: 1 }),
  { big: "x".repeat(2000), list: Array.from({ length: 100 }, (_, i) => ({ i })) },
  new Uint8Array(70_000).fill(7), // large enough to be stored raw
].map((value) => toBytes(encode(value, { classes: true })));

/** `bytes` with one random mutation: flipped bits, bytes overwritten, cut, inserted, repeated or spliced from another payload. */
function mutate(bytes: Buffer, next: () => number): Buffer {
  const at = Math.floor(next() * bytes.length);
  const copy = Buffer.from(bytes);
  switch (Math.floor(next() * 6)) {
    case 0:
      copy[at]! ^= 1 << Math.floor(next() * 8);
      return copy;
    case 1:
      for (let i = at; i < Math.min(copy.length, at + 1 + Math.floor(next() * 8)); i++) copy[i] = Math.floor(next() * 256);
      return copy;
    case 2:
      return copy.subarray(0, at);
    case 3:
      return Buffer.concat([copy.subarray(0, at), Buffer.from([0xff, 0x00, 0x7f, 0x80, 0xfe].slice(0, 1 + Math.floor(next() * 5))), copy.subarray(at)]);
    case 4:
      return Buffer.concat([copy.subarray(0, at), copy.subarray(Math.floor(next() * at))]);
    default: {
      const other = corpus[Math.floor(next() * corpus.length)]!;
      return Buffer.concat([copy.subarray(0, at), other.subarray(Math.floor(next() * other.length))]);
    }
  }
}

describe("reading stored bytes someone else wrote", () => {
  it("50,000 mutated payloads: each reads as a value or throws an Error", () => {
    const next = random(18);
    const outcomes = { values: 0, errors: 0 };
    for (let i = 0; i < 50_000; i++) {
      const payload = mutate(corpus[i % corpus.length]!, next);
      try {
        fromBytes(payload);
        outcomes.values++;
      } catch (error) {
        if (!(error instanceof Error)) throw new Error(`payload ${i} (${payload.toString("hex").slice(0, 80)}…) threw a non-Error: ${String(error)}`);
        outcomes.errors++;
      }
    }
    // Both kinds occur: the mutations reach past the format checks into V8's deserializer.
    expect(outcomes.values).toBeGreaterThan(1000);
    expect(outcomes.errors).toBeGreaterThan(1000);
  });

  it("a cache without a secret serves or misses mutated entries, and never fails the read", async () => {
    const next = random(7);
    const keyv = new Keyv();
    const cache = new KeyvCache(keyv, { memoryBytes: 0 });
    const keys = Array.from({ length: 2000 }, (_, i) => `key${i}`);
    await Promise.all(keys.map((key, i) => keyv.set(key, mutate(corpus[i % corpus.length]!, next))));
    const hits = await cache.getMany(keys);
    expect(hits.size).toBeGreaterThan(0);
    expect(hits.size).toBeLessThan(keys.length);
  });

  it("a cache with a secret serves none of 5,000 altered signed entries, and every genuine one", async () => {
    const next = random(99);
    const signer = new Signer("fuzz secret");
    const keyv = new Keyv();
    const cache = new KeyvCache(keyv, { secret: "fuzz secret", memoryBytes: 0 });
    const keys = corpus.map((_, i) => `signature${i}`);
    const genuine = corpus.map((bytes, i) => signer.seal("cache entry", keys[i]!, bytes));
    let served = 0;
    let tried = 0;
    for (let i = 0; i < 5000; i++) {
      const k = i % keys.length;
      const payload = mutate(genuine[k]!, next);
      if (payload.equals(genuine[k]!)) continue;
      tried++;
      // Under the genuine entry's own signature, as an attacker would put it.
      await keyv.set(keys[k]!, payload);
      if ((await cache.getMany([keys[k]!])).size > 0) served++;
    }
    expect(tried).toBeGreaterThan(4900);
    expect(served).toBe(0);
    await Promise.all(keys.map((key, i) => keyv.set(key, genuine[i])));
    expect((await cache.getMany(keys)).size).toBe(keys.length);
  });
});

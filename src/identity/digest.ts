import { createHash, hash } from "node:crypto";

/**
 * The one hash primitive behind code hashes, value hashes and signatures.
 * SHA-1 from node:crypto: hardware-accelerated here (≈0.4 µs for a short string, 100 MB in ≈60 ms,
 * 6× faster than SHA-256 on this CPU) and 160 bits make accidental collisions impossible in practice.
 * Cache keys are not a security boundary, so SHA-1's weakness against crafted collisions does not matter.
 */
export const DIGEST_ALGORITHM = "sha1";

/** Hex digest of a string (one-shot, no Hash object allocated). */
export function digest(text: string): string {
  return hash(DIGEST_ALGORITHM, text, "hex");
}

/** Incremental hasher for values made of many parts (large binary buffers included). */
export function createHasher() {
  return createHash(DIGEST_ALGORITHM);
}

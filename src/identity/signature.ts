import type { CodePart } from "./code-identity.js";
import { digest } from "./digest.js";
import { Memo } from "./memo.js";

/** Bump when the signature recipe or the stored value format changes: old entries stop matching. */
export const CACHE_FORMAT_VERSION = "hypernodes-cache-3";

/** Environment part of every signature: the format version plus optional user salts. */
export function envHash(...salts: (string | undefined)[]): string {
  return digest([CACHE_FORMAT_VERSION, ...salts.filter((s) => s !== undefined)].join("\u0000"));
}

/** The environment a nested pipeline with its own `cacheSalt` signs in: the outer one, salted again. */
export function saltedEnv(env: string, cacheSalt: string | undefined): string {
  return cacheSalt === undefined ? env : envHash(env, cacheSalt);
}

/** Marks an optional input that was not given (its default is part of the code). */
export const DEFAULT_INPUT_HASH = "default";

/** Hex digits of a node's code hash that start each of its signatures. */
export const NODE_TAG_LENGTH = 8;

/**
 * A node's entries all start with this (the start of its code hash), so a cache can delete every
 * entry of a node, and so of a pipeline, by key prefix (`pipeline.clearCache()`).
 */
export function nodeTag(codeHash: string): string {
  return codeHash.slice(0, NODE_TAG_LENGTH);
}

/**
 * Signature of one node execution: the node's tag, then the digest of its code, the environment, and
 * each input as `name=hash`, where the hash of an input produced upstream is the producing node's
 * signature (a Merkle chain), and a root input's hash is the hash of its value.
 */
export function nodeSignature(codeHash: string, env: string, argNames: readonly string[], argHashes: readonly string[]): string {
  let text = codeHash + "|" + env;
  for (let i = 0; i < argNames.length; i++) text += "|" + argNames[i] + "=" + argHashes[i];
  return nodeTag(codeHash) + digest(text);
}

/**
 * One step's recent signatures, by its inputs' hashes, for the code hash and environment they were
 * made with (another code hash or environment starts over). A re-run finds each signature again, as
 * the same string, so the cache's lookups of it reuse its string hash too.
 */
export class SignatureMemo {
  #codeHash = "";
  #env = "";
  #memo: Memo<string, string>;

  constructor(readonly limit: number) {
    this.#memo = new Memo(limit);
  }

  signature(codeHash: string, env: string, argNames: readonly string[], argHashes: readonly string[]): string {
    if (codeHash !== this.#codeHash || env !== this.#env) {
      this.#memo = new Memo(this.limit);
      this.#codeHash = codeHash;
      this.#env = env;
    }
    // Hashes hold no "|", and a step always has the same number of inputs: the key is unambiguous.
    const key = argHashes.length === 1 ? argHashes[0]! : argHashes.join("|");
    let signature = this.#memo.get(key);
    if (signature === undefined) {
      signature = nodeSignature(codeHash, env, argNames, argHashes);
      this.#memo.set(key, signature);
    }
    return signature;
  }
}

/**
 * What a node's last execution was signed with, kept in the cache so `explain` can say which part
 * changed since: the code hash and each input's hash.
 */
export interface SignatureRecord {
  codeHash: string;
  argNames: string[];
  argHashes: string[];
  /** What the code hash was made of, when the node can tell (function nodes). */
  codeParts?: CodePart[];
}

/** Cache key of a node's SignatureRecord: one per node position (pipeline path + node name). */
export function recordKey(env: string, hierarchyPath: readonly string[], nodeName: string): string {
  return digest(`record|${env}|${hierarchyPath.join("/")}|${nodeName}`);
}

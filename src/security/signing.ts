// Signed shared state: what KeyvCache and BullMQEngine write to a store that others can write to
// (Redis, a database) carries an HMAC-SHA256 under a secret the team shares, so a reader can tell
// what its own side wrote from what anyone else with access to the store put there. Readers check
// before deserializing: bytes that fail are never decoded.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { HyperNodesError } from "../core/errors.js";
import { warnOnce } from "../core/warnings.js";
import { rememberSecret } from "./redaction.js";

/** The environment variable every side reads its secret from when not given one. */
export const SECRET_ENV = "HYPERNODES_SECRET";

/**
 * What a MAC vouches for. Each is signed apart (its name leads the MAC's input), so bytes signed as one
 * cannot pass as another: a job's result is not a valid job, a cache entry not a valid result.
 */
export type Purpose = "cache entry" | "job" | "job result";

/** Leads sealed bytes: "HS" and the layout's version. No serialization.ts format starts so (0xFF, "HN"). */
const SEAL = Buffer.from([0x48, 0x53, 0x01]);
const MAC_BYTES = 32;

/** Signs and checks with one secret. */
export class Signer {
  readonly #key: KeyObject;

  constructor(secret: string) {
    this.#key = createSecretKey(Buffer.from(secret, "utf8"));
  }

  /** HMAC-SHA256 over the purpose, the key the bytes are stored or sent under, and the bytes. */
  mac(purpose: Purpose, key: string, bytes: Uint8Array | string): Buffer {
    // Lengths delimit the parts: ("ab", "c") and ("a", "bc") sign differently.
    return createHmac("sha256", this.#key).update(`${purpose}\n${key.length}:${key}\n`).update(bytes).digest();
  }

  verifies(purpose: Purpose, key: string, bytes: Uint8Array | string, mac: Uint8Array): boolean {
    return mac.byteLength === MAC_BYTES && timingSafeEqual(this.mac(purpose, key, bytes), mac);
  }

  /** `bytes` with their MAC in front, to be opened by `open`. */
  seal(purpose: Purpose, key: string, bytes: Uint8Array): Buffer {
    const sealed = Buffer.allocUnsafe(SEAL.length + MAC_BYTES + bytes.byteLength);
    SEAL.copy(sealed);
    this.mac(purpose, key, bytes).copy(sealed, SEAL.length);
    sealed.set(bytes, SEAL.length + MAC_BYTES);
    return sealed;
  }

  /** The bytes `seal` sealed; FORGED when they are not sealed, or not by this secret for this key. */
  open(purpose: Purpose, key: string, stored: Uint8Array): Uint8Array | typeof FORGED {
    if (!isSealed(stored)) return FORGED;
    const bytes = stored.subarray(SEAL.length + MAC_BYTES);
    return this.verifies(purpose, key, bytes, stored.subarray(SEAL.length, SEAL.length + MAC_BYTES)) ? bytes : FORGED;
  }
}

/** Sealed bytes without their seal, unchecked: for a reader without a secret, which trusts its store. */
export function unseal(stored: Uint8Array): Uint8Array {
  return isSealed(stored) ? stored.subarray(SEAL.length + MAC_BYTES) : stored;
}

function isSealed(stored: Uint8Array): boolean {
  return stored.byteLength >= SEAL.length + MAC_BYTES && stored[0] === SEAL[0] && stored[1] === SEAL[1] && stored[2] === SEAL[2];
}

/** What `open` returns for bytes that fail verification. */
export const FORGED: unique symbol = Symbol("forged");

/**
 * The signer for a `secret` option (`what` names it in messages), else for $HYPERNODES_SECRET when
 * `fromEnv`; undefined when neither is set. An empty secret (`HYPERNODES_SECRET=` on a command line,
 * or that variable passed on) signs nothing, with a warning: a key anyone can guess protects nothing.
 */
export function signerFor(secret: unknown, what: string, fromEnv = true): Signer | undefined {
  if (secret !== undefined && typeof secret !== "string") {
    throw new HyperNodesError(`${what}: secret must be a string (the team's shared secret, e.g. process.env.${SECRET_ENV}), got ${typeof secret}`);
  }
  const given = secret ?? (fromEnv ? process.env[SECRET_ENV] : undefined);
  if (given === "") {
    warnOnce(`${what}: the secret${secret === undefined ? ` (${SECRET_ENV})` : ""} is empty, so nothing is signed`, "HYPERNODES_EMPTY_SECRET", `HYPERNODES_EMPTY_SECRET ${what}`);
    return undefined;
  }
  if (given === undefined) return undefined;
  rememberSecret(given);
  return new Signer(given);
}

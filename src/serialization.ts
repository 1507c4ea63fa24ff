import { deserialize, serialize } from "node:v8";
import { UnserializableValueError, messageOf } from "./errors.js";


/**
 * Cache values travel as Node's structured serialization (typed arrays, Map, Set, Date, BigInt,
 * nested objects, null and undefined survive), so a hit is always a fresh copy.
 */
export function encode(value: unknown): Buffer {
  try {
    return serialize(value);
  } catch (error) {
    throw new UnserializableValueError(messageOf(error), { cause: error });
  }
}

export function decode(buffer: Uint8Array): unknown {
  return deserialize(buffer);
}

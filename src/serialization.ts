import { types } from "node:util";
import { deserialize, serialize } from "node:v8";
import { UnserializableValueError, messageOf } from "./errors.js";

/**
 * A value as a cache holds it: primitives as themselves (immutable, nothing to copy) and everything
 * else as bytes of Node's structured serialization (typed arrays, Map, Set, Date, BigInt, nested
 * objects, null and undefined survive), so every hit is a fresh copy.
 */
export type Encoded = Buffer | string | number | boolean | bigint | null | undefined;

type Primitive = string | number | boolean | bigint | null | undefined;

function isPrimitive(value: unknown): value is Primitive {
  return value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol");
}

/** Throws UnserializableValueError (naming what and where) for values that would not come back as they went in. */
export function encode(value: unknown): Encoded {
  if (isPrimitive(value)) return value;
  checkRoundTrip(value);
  try {
    return serialize(value);
  } catch (error) {
    throw new UnserializableValueError(messageOf(error), { cause: error });
  }
}

export function decode(encoded: Encoded): unknown {
  return Buffer.isBuffer(encoded) ? deserialize(encoded) : encoded;
}

/** Bytes for a persistent store. */
export function toBytes(encoded: Encoded): Buffer {
  return Buffer.isBuffer(encoded) ? encoded : serialize(encoded);
}

/** The in-memory form of bytes read from a store, and the value they hold. */
export function fromBytes(bytes: Uint8Array): { encoded: Encoded; value: unknown } {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = deserialize(buffer);
  return { encoded: isPrimitive(value) ? value : buffer, value };
}

export function byteSize(encoded: Encoded): number {
  return Buffer.isBuffer(encoded) ? encoded.byteLength : typeof encoded === "string" ? encoded.length * 2 : 8;
}

const CLONEABLE_PROTOTYPES = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  Error.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
]);

/**
 * Structured serialization (and so structured clone, across threads) silently turns a class instance
 * into a plain object: refuse such values (and functions or symbols anywhere inside) with a message
 * saying where (`label` names the root), before anything is stored or sent.
 */
export function checkRoundTrip(root: unknown, label = "value"): void {
  if (isPrimitive(root)) return;
  const seen = new Set<object>();
  const stack: [unknown, string][] = [[root, label]];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === "function") throw new UnserializableValueError(`${path} is a function`);
    if (typeof value === "symbol") throw new UnserializableValueError(`${path} is a symbol`);
    if (value === null || typeof value !== "object" || seen.has(value)) continue;
    seen.add(value);
    if (types.isArrayBufferView(value) || types.isAnyArrayBuffer(value)) continue;
    const proto = Object.getPrototypeOf(value);
    if (!CLONEABLE_PROTOTYPES.has(proto) && !(value instanceof Error)) {
      const name = (proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? "object";
      throw new UnserializableValueError(`${path} is a ${name} instance, which would come back as a plain object`);
    }
    if (value instanceof Map) {
      let i = 0;
      for (const [k, v] of value) {
        stack.push([k, `${path}.keys()[${i}]`], [v, `${path}.get(…)[${i++}]`]);
      }
    } else if (value instanceof Set) {
      let i = 0;
      for (const v of value) stack.push([v, `${path}.values()[${i++}]`]);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (!isPrimitive(value[i])) stack.push([value[i], `${path}[${i}]`]);
    } else {
      for (const key of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[key];
        if (!isPrimitive(v)) stack.push([v, `${path}.${key}`]);
      }
    }
  }
}

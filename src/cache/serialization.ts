import { DefaultDeserializer, DefaultSerializer, serialize } from "node:v8";
import { UnserializableValueError, messageOf } from "../core/errors.js";
import { decodeRaw, encodeRaw, isRaw, RawArray } from "./raw-arrays.js";
import { planRoundTrip, restoreRoundTrip, type Plan, type PlannedValue } from "./round-trip.js";

export { MISS } from "./round-trip.js";

/**
 * A value as a cache holds it: primitives as themselves (immutable, nothing to copy) and everything
 * else as bytes, so every hit is a fresh copy. The bytes are Node's structured serialization
 * (v8.serialize: typed arrays, Map, Set, Date, BigInt, nested objects, cycles, null and undefined
 * survive). A value V8 alone would not bring back exactly (class instances, null-prototype objects,
 * Errors with fields, URLs…: see round-trip.ts) is stored as HEADER followed by the serialization of
 * `[value, fix-ups…]`; plain values stay plain v8.serialize output, which every entry written before
 * the header existed is too (such bytes start with 0xFF, V8's version tag, which HEADER never does).
 * Large typed arrays and Buffers are RawArrays (raw-arrays.ts).
 */
export type Encoded = Buffer | RawArray | string | number | boolean | bigint | null | undefined;

/** "HN" and the version of the fix-ups' layout. */
const HEADER = Buffer.from([0x48, 0x4e, 0x01]);

type Primitive = string | number | boolean | bigint | null | undefined;

function isPrimitive(value: unknown): value is Primitive {
  return value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol");
}

export interface EncodeOptions {
  /**
   * Store class instances with their class's code identity, to be found again on reading (`decode`
   * returns MISS when the class is not in the reading process). Caches do; values sent to another
   * process (BullMQ jobs) do not, as a class instance there could not be read.
   */
  classes?: boolean;
}

/**
 * Throws UnserializableValueError (naming what and where) for values that would not come back as they
 * went in. The value is serialized first: its byte length bounds the walk that checks it (see
 * planRoundTrip), and plain values, the usual case, are then stored as those bytes.
 */
export function encode(value: unknown, options?: EncodeOptions): Encoded {
  if (isPrimitive(value)) return value;
  const raw = encodeRaw(value as object);
  if (raw) return raw;
  const mode = options?.classes ? "cache" : "portable";
  let bytes: Buffer;
  try {
    bytes = serialize(value);
  } catch (error) {
    planRoundTrip(value, "value", mode); // says where and why, when it can tell
    throw new UnserializableValueError(messageOf(error), { cause: error });
  }
  const plan = planRoundTrip(value, "value", mode, bytes.length);
  if (!plan) return bytes;
  try {
    return writePlanned(value, plan);
  } catch (error) {
    throw new UnserializableValueError(messageOf(error), { cause: error });
  }
}

function writePlanned(value: unknown, plan: Plan): Buffer {
  const stored: PlannedValue = [value, plan.objects, plan.protos, plan.fixups, plan.classes, plan.references];
  const serializer = new DefaultSerializer();
  serializer.writeRawBytes(HEADER);
  serializer.writeHeader();
  serializer.writeValue(stored);
  return serializer.releaseBuffer();
}

/**
 * The value `encode` was given, as a fresh copy; MISS when it needs a class this process does not have.
 * `last`: nothing will decode `encoded` again, so the value may take its memory instead of a copy.
 */
export function decode(encoded: Encoded, last = false): unknown {
  if (encoded instanceof RawArray) return last ? encoded.take() : encoded.copy();
  return Buffer.isBuffer(encoded) ? read(encoded) : encoded;
}

function read(bytes: Buffer): unknown {
  if (bytes[0] === 0xff) return deserialize(bytes);
  if (isRaw(bytes)) return decodeRaw(bytes).take();
  if (bytes[0] === HEADER[0] && bytes[1] === HEADER[1] && bytes[2] === HEADER[2]) {
    return restoreRoundTrip(deserialize(bytes.subarray(HEADER.length)) as PlannedValue);
  }
  throw new Error(`Not a HyperNodes value: unknown format (first bytes ${bytes.subarray(0, 3).toString("hex")})`);
}

/** Bytes for a persistent store. */
export function toBytes(encoded: Encoded): Buffer {
  if (encoded instanceof RawArray) return encoded.toBytes();
  return Buffer.isBuffer(encoded) ? encoded : serialize(encoded);
}

/**
 * The in-memory form of what a store returned (its bytes, or a RawArray from a store that keeps them
 * apart), and the value it holds (MISS: see decode). `keep`: the caller keeps `encoded`, so the value
 * must not share its memory.
 */
export function fromBytes(stored: Uint8Array | RawArray, keep = true): { encoded: Encoded; value: unknown } {
  if (stored instanceof RawArray) return { encoded: stored, value: decode(stored, !keep) };
  const buffer = Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const value = read(buffer);
  return { encoded: isPrimitive(value) ? value : buffer, value };
}

export function byteSize(encoded: Encoded): number {
  if (encoded instanceof RawArray) return encoded.byteLength;
  return Buffer.isBuffer(encoded) ? encoded.byteLength : typeof encoded === "string" ? encoded.length * 2 : 8;
}

/**
 * Structured clone (values crossing to and from worker threads) has nothing on the other side to
 * restore what it drops: refuse values that would not come back as they went in — class instances
 * (they would arrive as plain objects), functions and symbols, null-prototype objects, symbol-keyed,
 * non-enumerable and accessor properties, Errors with fields or prototypes V8 does not keep, Buffers
 * (they arrive as Uint8Array), URLs… — with a message saying where (`label` names the root), before
 * anything is sent. Integrity levels and property attributes (a frozen object arrives writable) are let through.
 */
export function checkRoundTrip(root: unknown, label = "value"): void {
  if (!isPrimitive(root)) planRoundTrip(root, label, "clone");
}

/** Node's typed array and Buffer constructors by the index its serializer writes for them. */
const VIEW_TYPES: Function[] = [];
{
  class Probe extends DefaultSerializer {
    index = -1;
    override writeUint32(value: number): void {
      if (this.index < 0) this.index = value;
      super.writeUint32(value);
    }
  }
  const views: [Function, ArrayBufferView][] = [
    [Int8Array, new Int8Array(0)],
    [Uint8Array, new Uint8Array(0)],
    [Uint8ClampedArray, new Uint8ClampedArray(0)],
    [Int16Array, new Int16Array(0)],
    [Uint16Array, new Uint16Array(0)],
    [Int32Array, new Int32Array(0)],
    [Uint32Array, new Uint32Array(0)],
    [Float32Array, new Float32Array(0)],
    [Float64Array, new Float64Array(0)],
    [BigInt64Array, new BigInt64Array(0)],
    [BigUint64Array, new BigUint64Array(0)],
    [DataView, new DataView(new ArrayBuffer(0))],
    [Buffer, Buffer.alloc(0)],
  ];
  for (const [ctor, view] of views) {
    const probe = new Probe();
    probe.writeHeader();
    probe.writeValue(view);
    VIEW_TYPES[probe.index] = ctor;
  }
}

/**
 * Node's deserializer returns typed arrays and Buffers that share memory with the bytes read (when
 * aligned), so mutating a value read from a cache would change the cached bytes, and the next hit.
 * This one copies each into an ArrayBuffer of its own, as a fresh run makes them.
 */
class CopyingDeserializer extends DefaultDeserializer {
  _readHostObject(): ArrayBufferView {
    const type = this.readUint32();
    const byteLength = this.readUint32();
    const bytes = this.readRawBytes(byteLength);
    const ctor = VIEW_TYPES[type];
    if (ctor === Buffer) return Buffer.from(bytes);
    if (ctor === DataView) return new DataView(new Uint8Array(bytes).buffer);
    if (!ctor) throw new Error(`Unknown typed array type ${type} in stored bytes`);
    const copy = new Uint8Array(bytes).buffer;
    return new (ctor as Float64ArrayConstructor)(copy);
  }
}

function deserialize(bytes: Buffer): unknown {
  const deserializer = new CopyingDeserializer(bytes);
  deserializer.readHeader();
  return deserializer.readValue();
}


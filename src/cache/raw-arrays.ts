// Typed arrays and Buffers stored as their raw bytes behind an 8-byte header: what ML values mostly are
// (embeddings, feature matrices, weights). v8.serialize copies them element by element (~5 ms per MB);
// raw bytes are a copy at memory speed, both ways.
import { types } from "node:util";

/** "HN", format 2, then the kind (an index in KINDS) and padding, so the elements start 8-byte aligned. */
const HEADER_LENGTH = 8;
const MAGIC = [0x48, 0x4e, 0x02] as const;
type ViewClass = { prototype: object; BYTES_PER_ELEMENT: number; new (buffer: ArrayBuffer, offset: number, length: number): ArrayBufferView };
const KINDS: readonly ViewClass[] = [
  Buffer as unknown as ViewClass,
  Uint8Array,
  Uint8ClampedArray,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/** Smaller views are left to v8.serialize, whose cost is then negligible (and their stored form unchanged). */
const MIN_BYTES = 64 * 1024;

/**
 * The stored form of a large typed array or Buffer of a built-in class (not a subclass, whose fields
 * are state; not on a SharedArrayBuffer; without symbol keys, which the general path refuses), or
 * undefined for any other value.
 */
export function encodeRaw(value: object): Buffer | undefined {
  if (!ArrayBuffer.isView(value) || value.byteLength < MIN_BYTES || !types.isTypedArray(value)) return undefined;
  const kind = KINDS.findIndex((k) => k.prototype === Object.getPrototypeOf(value));
  if (kind < 0 || types.isSharedArrayBuffer(value.buffer) || Object.getOwnPropertySymbols(value).length) return undefined;
  const bytes = Buffer.allocUnsafe(HEADER_LENGTH + value.byteLength);
  bytes.set(MAGIC);
  bytes.fill(0, MAGIC.length, HEADER_LENGTH);
  bytes[3] = kind;
  bytes.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), HEADER_LENGTH);
  return bytes;
}

export function isRaw(bytes: Buffer): boolean {
  return bytes.length >= HEADER_LENGTH && bytes[0] === MAGIC[0] && bytes[1] === MAGIC[1] && bytes[2] === MAGIC[2];
}

/** A fresh typed array (or Buffer) of the stored kind holding a copy of the stored elements. */
export function decodeRaw(bytes: Buffer): ArrayBufferView {
  const kind = KINDS[bytes[3]!];
  if (!kind) throw new Error(`Not a HyperNodes value: unknown array kind ${bytes[3]}`);
  const length = (bytes.length - HEADER_LENGTH) / kind.BYTES_PER_ELEMENT;
  const copy = new ArrayBuffer(bytes.length - HEADER_LENGTH);
  new Uint8Array(copy).set(bytes.subarray(HEADER_LENGTH));
  return kind === KINDS[0] ? Buffer.from(copy) : new kind(copy, 0, length);
}

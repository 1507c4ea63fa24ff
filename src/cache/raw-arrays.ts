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
 * A large typed array or Buffer as a cache holds it: its kind, and its elements in an ArrayBuffer of
 * their own, kept apart from the header of the stored form. Joining the two would copy every byte once
 * more (~250 ms per 100 MB of fresh memory on this machine): a file gets both parts written in turn,
 * and a value read back takes the elements' memory as its own.
 */
export class RawArray {
  constructor(
    readonly kind: number,
    readonly elements: ArrayBuffer,
  ) {}

  /** Bytes of the stored form. */
  get byteLength(): number {
    return HEADER_LENGTH + this.elements.byteLength;
  }

  /** The stored form as its two parts, header then elements. */
  parts(): [Buffer, Uint8Array] {
    const header = Buffer.alloc(HEADER_LENGTH);
    header.set(MAGIC);
    header[3] = this.kind;
    return [header, new Uint8Array(this.elements)];
  }

  /** The stored form in one buffer, for a store that takes one. */
  toBytes(): Buffer {
    return Buffer.concat(this.parts(), this.byteLength);
  }

  /** A fresh value of the stored kind; this RawArray stays as it is. */
  copy(): ArrayBufferView {
    return viewOf(this.kind, this.elements.slice(0));
  }

  /** The value on this RawArray's own memory, for its last user (nothing may use the RawArray after). */
  take(): ArrayBufferView {
    return viewOf(this.kind, this.elements);
  }
}

/**
 * A private copy of a large typed array or Buffer of a built-in class (not a subclass, whose fields are
 * state; not on a SharedArrayBuffer; without symbol keys, which the general path refuses), or
 * undefined for any other value.
 */
export function encodeRaw(value: object): RawArray | undefined {
  if (!ArrayBuffer.isView(value) || value.byteLength < MIN_BYTES || !types.isTypedArray(value)) return undefined;
  const kind = KINDS.findIndex((k) => k.prototype === Object.getPrototypeOf(value));
  if (kind < 0 || types.isSharedArrayBuffer(value.buffer) || Object.getOwnPropertySymbols(value).length) return undefined;
  return new RawArray(kind, (value.buffer as ArrayBuffer).slice(value.byteOffset, value.byteOffset + value.byteLength));
}

/** Whether these bytes start with a RawArray's header (all of a stored form, or its first HEADER_LENGTH bytes). */
export function isRaw(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER_LENGTH && bytes[0] === MAGIC[0] && bytes[1] === MAGIC[1] && bytes[2] === MAGIC[2] && KINDS[bytes[3]!] !== undefined;
}

/** The RawArray stored in `bytes` (its elements copied out: they are the RawArray's own). */
export function decodeRaw(bytes: Uint8Array): RawArray {
  const start = bytes.byteOffset + HEADER_LENGTH;
  return new RawArray(kindOf(bytes), (bytes.buffer as ArrayBuffer).slice(start, bytes.byteOffset + bytes.byteLength));
}

/** The RawArray whose stored form is `header` followed by `elements` (which become its own). */
export function rawArrayOf(header: Uint8Array, elements: ArrayBuffer): RawArray {
  return new RawArray(kindOf(header), elements);
}

export { HEADER_LENGTH as RAW_HEADER_LENGTH };

function kindOf(header: Uint8Array): number {
  if (!isRaw(header)) throw new Error(`Not a HyperNodes value: unknown array kind ${header[3]}`);
  return header[3]!;
}

function viewOf(kind: number, elements: ArrayBuffer): ArrayBufferView {
  const View = KINDS[kind]!;
  return View === KINDS[0] ? Buffer.from(elements) : new View(elements, 0, elements.byteLength / View.BYTES_PER_ELEMENT);
}

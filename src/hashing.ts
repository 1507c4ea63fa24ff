import type { Hash } from "node:crypto";
import { types } from "node:util";
import { functionHash } from "./code-identity.js";
import { createHasher, digest } from "./digest.js";
import { UnhashableValueError } from "./errors.js";

/**
 * Content hashes of arbitrary values, for cache signatures.
 *
 * A value is encoded as a prefix-free text: every value starts with a one-letter type tag and is
 * self-delimiting (strings and keys via JSON.stringify, numbers end with `;`, containers with a closing
 * bracket, binary data carries its byte length), so distinct values never share an encoding.
 * Small values become one string hashed with a single `digest()` call; a Hash object is only created
 * once binary data (typed arrays, buffers) shows up, whose bytes are fed to it without copying, or once
 * the text grows large.
 *
 * The walk is iterative (an explicit task stack), so arbitrarily deep acyclic nesting cannot overflow
 * the call stack. Objects on the current path are tracked to report cycles instead of looping.
 */

/** Hex digest of a value's content. `label` names the value in error messages, e.g. "input 'x'". */
export function hashValue(value: unknown, label = "value"): string {
  const text = encodeScalar(value);
  return text !== undefined ? digest(text) : new Encoder(label).hash(value);
}

/**
 * Tagged text of a primitive. Undefined for objects and functions, and for symbols that have no
 * stable content (only `Symbol.for` symbols do).
 */
function encodeScalar(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      // JSON escapes lone surrogates, which UTF-8 hashing would otherwise collapse into U+FFFD.
      return "s" + JSON.stringify(value);
    case "number":
      // -0 is told apart from 0 (1 / x differs); String(NaN) is "NaN", so NaN equals NaN.
      return Object.is(value, -0) ? "d-0;" : `d${value};`;
    case "boolean":
      return value ? "t" : "f";
    case "undefined":
      return "u";
    case "bigint":
      return `b${value};`;
    case "symbol": {
      const key = Symbol.keyFor(value);
      return key === undefined ? undefined : "y" + JSON.stringify(key);
    }
    case "object":
      return value === null ? "n" : undefined;
    default:
      return undefined; // function
  }
}

/** Where a value sits under the root: a property name, an array index, or a Map/Set position. */
type Key = string | number | { readonly text: string } | undefined;

/** A value still to encode. It doubles as a path node (via `parent`) for error messages. */
interface Frame {
  kind: typeof VALUE | typeof LEAVE;
  readonly value: unknown;
  readonly key: Key;
  readonly parent: Frame | undefined;
  /** Text emitted just before the value (an object's `"key":`). */
  readonly prefix: string;
}

const VALUE = 0; // encode `value`
const LEAVE = 1; // a container's children are done: it is no longer an ancestor
const OPEN = 2; // start a separate sub-hash (one Set member / Map entry)
const CLOSE = 3; // finish the sub-hash and collect it into `into`
const SORTED = 4; // emit the collected sub-hashes sorted (order independence) and close the collection

type Task =
  | string // text to emit
  | Frame
  | { readonly kind: typeof OPEN }
  | { readonly kind: typeof CLOSE; readonly into: string[] }
  | { readonly kind: typeof SORTED; readonly list: string[] };

const OPEN_TASK = { kind: OPEN } as const;

/**
 * Text beyond this many characters goes to an incremental Hash: V8 caps a string at ~2^29 characters,
 * and hashing large text in chunks of this size measured ~2.5× faster than in 1 MB ones.
 */
const MAX_TEXT = 1 << 16;

/**
 * Hash input: one string, hashed with a single `digest()`, until binary data or a lot of text calls for
 * an incremental Hash. Text is only ever split between whole emitted pieces, so where the switch happens
 * does not change the digest.
 */
class Sink {
  private text = "";
  private hasher: Hash | undefined;

  write(text: string): void {
    this.text += text;
    if (this.text.length > MAX_TEXT) this.spill();
  }

  writeBytes(bytes: Uint8Array): void {
    this.spill().update(bytes);
  }

  digest(): string {
    return this.hasher ? this.hasher.update(this.text).digest("hex") : digest(this.text);
  }

  private spill(): Hash {
    this.hasher ??= createHasher();
    this.hasher.update(this.text);
    this.text = "";
    return this.hasher;
  }
}

const PLAIN_OBJECT_TAG = `o${JSON.stringify("Object")}{`;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

class Encoder {
  private readonly stack: Task[] = [];
  private readonly sinks: Sink[] = [];
  private sink = new Sink();
  /** Containers on the path from the root to the value being encoded, for cycle detection. */
  private readonly ancestors = new Map<object, Frame>();
  /** Children of the container being expanded: primitives are joined into `run`, others become tasks. */
  private run = "";
  private readonly pending: Task[] = [];

  constructor(private readonly label: string) {}

  hash(root: unknown): string {
    const stack = this.stack;
    stack.push({ kind: VALUE, value: root, key: undefined, parent: undefined, prefix: "" });
    while (stack.length > 0) {
      const task = stack.pop()!;
      if (typeof task === "string") {
        this.sink.write(task);
        continue;
      }
      switch (task.kind) {
        case VALUE:
          this.visit(task);
          break;
        case LEAVE:
          this.ancestors.delete(task.value as object);
          break;
        case OPEN:
          this.sinks.push(this.sink);
          this.sink = new Sink();
          break;
        case CLOSE:
          task.into.push(this.sink.digest());
          this.sink = this.sinks.pop()!;
          break;
        case SORTED:
          for (const hash of task.list.sort()) this.sink.write(hash);
          this.sink.write("}");
          break;
      }
    }
    return this.sink.digest();
  }

  private visit(frame: Frame): void {
    const value = frame.value;
    this.sink.write(frame.prefix);
    if (typeof value === "function") {
      // A function by its identity: its code and everything it reads (a closure's variables included).
      this.sink.write("F" + functionHash(value));
    } else if (typeof value === "object" && value !== null) {
      this.visitObject(frame, value);
    } else {
      const text = encodeScalar(value);
      if (text === undefined) {
        throw this.unhashable(frame, `a unique ${String(value)} has no content to hash; use Symbol.for() or a string`);
      }
      this.sink.write(text);
    }
  }

  private visitObject(frame: Frame, obj: object): void {
    const cacheKey = (obj as { cacheKey?: unknown }).cacheKey;
    if (typeof cacheKey === "function") {
      const key: unknown = cacheKey.call(obj);
      if (typeof key !== "string") throw this.unhashable(frame, `cacheKey() returned ${typeof key}, not a string`);
      this.sink.write("k" + JSON.stringify(key));
      return;
    }
    const ancestor = this.ancestors.get(obj);
    if (ancestor) {
      throw new UnhashableValueError(
        `Cannot hash ${this.label}: circular reference at ${this.path(frame)} -> ${this.path(ancestor)}`,
      );
    }
    if (Array.isArray(obj)) {
      this.sink.write("a[");
      // Indexing (not iterating entries) reads holes as undefined.
      for (let i = 0; i < obj.length; i++) this.child(frame, obj[i], i, "");
      return this.expand(frame, "]");
    }
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto === Object.prototype || proto === null) return this.fields(frame, obj, PLAIN_OBJECT_TAG);
    if (types.isArrayBufferView(obj)) {
      return this.bytes(className(proto), new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength));
    }
    if (types.isAnyArrayBuffer(obj)) return this.bytes(className(proto), new Uint8Array(obj));
    if (types.isMap(obj)) return this.unordered(frame, obj, "M{");
    if (types.isSet(obj)) return this.unordered(frame, obj, "S{");
    if (types.isDate(obj)) return this.sink.write(`D${obj.getTime()};`);
    if (types.isRegExp(obj)) return this.sink.write("R" + JSON.stringify(obj.source) + JSON.stringify(obj.flags));
    if (types.isNativeError(obj) || obj instanceof Error) {
      const { name, message } = obj as Error;
      return this.sink.write("E" + JSON.stringify(String(name)) + JSON.stringify(String(message)));
    }
    if (types.isBoxedPrimitive(obj)) {
      this.sink.write("B");
      return this.visit({ kind: VALUE, value: obj.valueOf(), key: frame.key, parent: frame.parent, prefix: "" });
    }
    if (obj instanceof URL) return this.sink.write("U" + JSON.stringify(obj.href));
    if (types.isPromise(obj)) throw this.unhashable(frame, "a Promise cannot be hashed by content; await it first");
    if (types.isWeakMap(obj) || types.isWeakSet(obj)) {
      const kind = types.isWeakMap(obj) ? "WeakMap" : "WeakSet";
      throw this.unhashable(frame, `a ${kind} cannot be enumerated, so it cannot be hashed by content; use a Map or Set`);
    }
    if (obj instanceof WeakRef) {
      throw this.unhashable(frame, "a WeakRef's target may vanish, so it cannot be hashed by content; hash deref() instead");
    }
    // Class instance (or a plain object from another realm, whose class is also named "Object").
    return this.fields(frame, obj, `o${JSON.stringify(className(proto))}{`);
  }

  /** Public fields: enumerable own string keys not starting with `_`, in sorted order. */
  private fields(frame: Frame, obj: object, tag: string): void {
    const keys = Object.keys(obj);
    let kept = 0;
    for (const key of keys) if (key.charCodeAt(0) !== 95 /* _ */) keys[kept++] = key;
    if (kept < keys.length) keys.length = kept;
    keys.sort();
    this.sink.write(tag);
    const record = obj as Record<string, unknown>;
    for (const key of keys) this.child(frame, record[key], key, JSON.stringify(key) + ":");
    this.expand(frame, "}");
  }

  /** Set members / Map entries: each hashed on its own, hashes sorted so insertion order does not count. */
  private unordered(frame: Frame, collection: Map<unknown, unknown> | Set<unknown>, tag: string): void {
    this.sink.write(tag);
    const hashes: string[] = [];
    const close = { kind: CLOSE, into: hashes } as const;
    const isMap = types.isMap(collection);
    let i = 0;
    for (const [k, v] of collection.entries()) {
      const keyText = encodeScalar(k);
      const valueText = isMap ? encodeScalar(v) : "";
      if (keyText !== undefined && valueText !== undefined) {
        // Same text the OPEN/CLOSE route would produce, without the task round trip.
        hashes.push(digest(keyText + valueText));
      } else if (isMap) {
        this.schedule(OPEN_TASK);
        this.child(frame, k, { text: `.keys()[${i}]` }, "");
        this.child(frame, v, { text: `.get(${preview(k, i)})` }, "");
        this.schedule(close);
      } else {
        this.schedule(OPEN_TASK);
        this.child(frame, k, { text: `.values()[${i}]` }, "");
        this.schedule(close);
      }
      i++;
    }
    this.schedule({ kind: SORTED, list: hashes });
    this.expand(frame, "");
  }

  private child(parent: Frame, value: unknown, key: Key, prefix: string): void {
    const text = encodeScalar(value);
    if (text === undefined) return this.schedule({ kind: VALUE, value, key, parent, prefix });
    this.run += prefix + text;
    if (this.run.length > MAX_TEXT) {
      // Keeps `run` below V8's string length limit; with nothing scheduled before it, it can go out now.
      if (this.pending.length === 0) this.sink.write(this.run);
      else this.pending.push(this.run);
      this.run = "";
    }
  }

  private schedule(task: Task): void {
    if (this.run) this.pending.push(this.run);
    this.run = "";
    this.pending.push(task);
  }

  /** Emits the collected children: directly if all were primitives, else as tasks (reversed: LIFO). */
  private expand(frame: Frame, end: string): void {
    const pending = this.pending;
    if (pending.length === 0) {
      this.sink.write(this.run + end);
      this.run = "";
      return;
    }
    // Only containers with non-primitive children can be part of a cycle.
    this.ancestors.set(frame.value as object, frame);
    frame.kind = LEAVE; // the frame is done as a VALUE; reuse it as its own LEAVE marker
    this.stack.push(frame, this.run + end);
    this.run = "";
    for (let i = pending.length - 1; i >= 0; i--) this.stack.push(pending[i]!);
    pending.length = 0;
  }

  /** Binary data: type name + byte length as text, then the bytes straight into the Hash. */
  private bytes(typeName: string, view: Uint8Array): void {
    this.sink.write(`T${JSON.stringify(typeName)}${view.byteLength}:`);
    this.sink.writeBytes(view);
  }

  private unhashable(frame: Frame, reason: string): UnhashableValueError {
    const at = frame.parent ? ` at ${this.path(frame)}` : "";
    return new UnhashableValueError(`Cannot hash ${this.label}${at}: ${reason}`);
  }

  /** `x.a[0].get("k")`, rooted at the label's quoted name (`input 'x'` → `x`), else `value`. */
  private path(frame: Frame): string {
    const segments: string[] = [];
    for (let f = frame; f.parent; f = f.parent) segments.push(segment(f.key));
    segments.reverse();
    // Long paths (deep linked lists) keep their two ends readable.
    if (segments.length > 20) segments.splice(8, segments.length - 16, "…");
    const root = /^\w+ '(.+)'$/.exec(this.label)?.[1] ?? "value";
    return root + segments.join("");
  }
}

function className(proto: unknown): string {
  const ctor = (proto as { constructor?: unknown } | null)?.constructor;
  return typeof ctor === "function" ? ctor.name : "Object";
}

function segment(key: Key): string {
  if (typeof key === "number") return `[${key}]`;
  if (typeof key === "string") return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return key!.text;
}

/** A Map key as written in a path: `"k"`, `1`, `2n`, or `<key i>` for an object key. */
function preview(key: unknown, index: number): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "bigint") return `${key}n`;
  return (typeof key === "object" && key !== null) || typeof key === "function" ? `<key ${index}>` : String(key);
}

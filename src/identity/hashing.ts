import type { Hash } from "node:crypto";
import { types } from "node:util";
import { hasOnlyElements, isIndex } from "../cache/array-properties.js";
import { createHasher, digest } from "./digest.js";
import { Memo } from "./memo.js";
import { UnhashableValueError } from "../core/errors.js";
import { hasReadableSource } from "../core/parameters.js";

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
 *
 * Two values that a computation could tell apart must never share an encoding: an array's holes
 * differ from `undefined` and its extra named properties count, an Error carries its class, fields,
 * `cause` and `errors`, a class instance carries its class's identity (its code, not only its name).
 * What cannot be read synchronously (`#private` fields, a Blob's bytes, a live platform object such
 * as a socket or a stream) is refused with a reason instead of being hashed as if it were empty.
 */

/** What kind of code a class is: where it comes from, and the `#private` fields it declares itself. */
export interface ClassInfo {
  readonly name: string;
  readonly origin: "user" | "library" | "platform";
  /** `#private` instance fields (state hashing cannot read). */
  readonly privateFields: readonly string[];
  /** Every `#private` instance member (what an instance not built by the constructor lacks). */
  readonly privateMembers: readonly string[];
}

/**
 * What hashing a value needs from code identity, for the functions and classes met inside it:
 * code-identity.ts supplies it (and the `hashValue` everything else calls), so this module never
 * imports it and the two are no import circle.
 */
export interface CodeHashing {
  functionHash(fn: Function): string;
  classIdentity(ctor: Function): string;
  classInfo(ctor: Function): ClassInfo;
}

/** Hex digest of a value's content, code inside it hashed by `code`. `label` names the value in error messages, e.g. "input 'x'". */
export function hashValueWith(value: unknown, label: string, code: CodeHashing): string {
  // -0 is not kept: a Map takes it for 0.
  const kept = (typeof value === "number" && !Object.is(value, -0)) || (typeof value === "string" && value.length <= MEMO_MAX_STRING);
  if (kept) {
    const known = SCALAR_HASHES.get(value as number | string);
    if (known !== undefined) return known;
  }
  const text = encodeScalar(value);
  if (text === undefined) return new Encoder(label, code).hash(value);
  const hash = digest(text);
  if (kept) SCALAR_HASHES.set(value as number | string, hash);
  return hash;
}

/**
 * Hashes of recent numbers and short strings, the usual map items and inputs: a re-run hashes the
 * same ones again, and a digest costs far more than a lookup.
 */
const SCALAR_HASHES = new Memo<number | string, string>(65_536);
const MEMO_MAX_STRING = 256;

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
/** Cycle checks walk this many parents before indexing the path (see Encoder.ancestor). */
const ANCESTOR_WALK = 32;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

class Encoder {
  private readonly stack: Task[] = [];
  private readonly sinks: Sink[] = [];
  private sink = new Sink();
  /**
   * Containers on the path from the root to the value being encoded, for cycle detection. A value's
   * ancestors are its frame's parents; this index of them is built only once a path grows deep
   * (see ancestor), so shallow values never allocate it.
   */
  private ancestors: Map<object, Frame> | undefined;
  /** Children of the container being expanded: primitives are joined into `run`, others become tasks. */
  private run = "";
  private readonly pending: Task[] = [];
  /** Tags of the classes met in this value (see classTag). */
  private classTags: Map<Function, string> | undefined;

  constructor(
    private readonly label: string,
    private readonly code: CodeHashing,
  ) {}

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
          this.ancestors?.delete(task.value as object);
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
      this.sink.write("F" + this.code.functionHash(value));
    } else if (typeof value === "object" && value !== null) {
      try {
        this.visitObject(frame, value);
      } catch (error) {
        // A getter, a proxy trap or a cacheKey() of the user's that throws: say where, not only what.
        if (error instanceof UnhashableValueError) throw error;
        throw this.unhashable(frame, `reading it threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
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
    const ancestor = this.ancestor(frame, obj);
    if (ancestor) {
      throw new UnhashableValueError(
        `Cannot hash ${this.label}: circular reference at ${this.path(frame)} -> ${this.path(ancestor)}`,
      );
    }
    if (Array.isArray(obj)) {
      const proto: object | null = Object.getPrototypeOf(obj);
      if (proto !== Array.prototype && proto !== null) this.checkPrivate(frame, classFacts(proto, this.code));
      return this.array(frame, obj);
    }
    const proto: object | null = Object.getPrototypeOf(obj);
    if (proto === Object.prototype || proto === null) return this.fields(frame, obj, PLAIN_OBJECT_TAG);
    const facts = classFacts(proto, this.code);
    this.checkPrivate(frame, facts);
    if (types.isArrayBufferView(obj)) {
      return this.bytes(facts.name, new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength));
    }
    if (types.isAnyArrayBuffer(obj)) return this.bytes(facts.name, new Uint8Array(obj));
    if (types.isMap(obj)) return this.unordered(frame, obj, "M{");
    if (types.isSet(obj)) return this.unordered(frame, obj, "S{");
    if (types.isDate(obj)) return this.sink.write(`D${obj.getTime()};`);
    if (types.isRegExp(obj)) return this.sink.write("R" + JSON.stringify(obj.source) + JSON.stringify(obj.flags));
    if (types.isNativeError(obj) || obj instanceof Error) return this.error(frame, obj as Error, facts);
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
    switch (facts.handling) {
      case SEARCH_PARAMS:
        return this.sink.write("Q" + JSON.stringify(String(obj)));
      case HEADERS: {
        let text = "H[";
        for (const [name, value] of obj as Headers) text += JSON.stringify(name) + JSON.stringify(value);
        return this.sink.write(text + "]");
      }
      case REJECT:
        throw this.unhashable(frame, facts.reject!);
    }
    // A class instance by its class's identity and its public fields; without a class of its own
    // (`Object.create(proto)`) by its constructor's name, as is another realm's plain object.
    return this.fields(frame, obj, facts.ctor ? this.classTag(frame, facts.ctor) + "{" : facts.tag);
  }

  /**
   * Elements in order, a hole apart from `undefined`; then, when there are any, the public named
   * properties (a regex match's `index`, `input`, `groups`) under another tag, so a plain array's
   * encoding stays what it always was.
   */
  private array(frame: Frame, arr: unknown[]): void {
    const extras = arrayExtras(arr);
    this.sink.write(extras ? "A[" : "a[");
    const n = arr.length;
    for (let i = 0; i < n; i++) {
      const value = arr[i];
      // Only an undefined read can be a hole; hasOwn (not `in`) ignores the prototype chain.
      if (value === undefined && !Object.hasOwn(arr, i)) this.literal("h");
      else this.child(frame, value, i, "");
    }
    if (!extras) return this.expand(frame, "]");
    this.literal("]{");
    const record = arr as unknown as Record<string, unknown>;
    for (const key of extras) this.child(frame, record[key], key, JSON.stringify(key) + ":");
    this.expand(frame, "}");
  }

  /**
   * An Error by its class (a user or library class by its identity), name, message, public fields,
   * and its own `cause` and `errors` (AggregateError), enumerable or not. Never `stack`: the same
   * error thrown from another call site has another stack.
   */
  private error(frame: Frame, error: Error, facts: ClassFacts): void {
    const cls = facts.ctor ? this.classTag(frame, facts.ctor) : "o" + JSON.stringify(facts.name);
    const keys = publicKeys(error);
    const stack = keys.indexOf("stack");
    if (stack >= 0) keys.splice(stack, 1);
    for (const own of ["cause", "errors"]) if (Object.hasOwn(error, own) && !keys.includes(own)) keys.push(own);
    const tag = `E${cls}${JSON.stringify(String(error.name))}${JSON.stringify(String(error.message))}{`;
    this.fields(frame, error, tag, keys.sort());
  }

  /** Public fields (by default: enumerable own string keys not starting with `_`), in sorted order. */
  private fields(frame: Frame, obj: object, tag: string, keys = publicKeys(obj).sort()): void {
    this.sink.write(tag);
    const record = obj as Record<string, unknown>;
    for (const key of keys) this.child(frame, record[key], key, JSON.stringify(key) + ":");
    this.expand(frame, "}");
  }

  /**
   * The frame of `obj` among the frame's parents (a cycle), if any. Up to ANCESTOR_WALK levels up
   * this walks the parents; past that it indexes the whole path in a Map, kept up to date from then on.
   */
  private ancestor(frame: Frame, obj: object): Frame | undefined {
    if (this.ancestors) return this.ancestors.get(obj);
    let steps = 0;
    for (let f = frame.parent; f; f = f.parent) {
      if (f.value === obj) return f;
      if (++steps === ANCESTOR_WALK) {
        const index = (this.ancestors = new Map());
        for (let g = frame.parent; g; g = g.parent) index.set(g.value as object, g);
        return index.get(obj);
      }
    }
    return undefined;
  }

  /** Refuses an instance whose class (or a superclass) keeps state in `#private` fields. */
  private checkPrivate(frame: Frame, facts: ClassFacts): void {
    if (facts.privateFields === undefined) return;
    throw this.unhashable(
      frame,
      `an instance of class '${facts.name}' keeps state in #private fields (${facts.privateFields}), which hashing cannot read: ` +
        "give the class a cacheKey() method, pass what it holds instead, or make it a stateful() resource",
    );
  }

  /**
   * `c"<identity>"`: a user or library class by its identity now (its code and what the code reads),
   * read once per hashValue call: it is live (statics, prototype, bindings its code reads), so it is
   * not kept per prototype; code-identity memoizes it per hash epoch.
   */
  private classTag(frame: Frame, ctor: Function): string {
    const known = (this.classTags ??= new Map()).get(ctor);
    if (known !== undefined) return known;
    let identity: string;
    try {
      identity = this.code.classIdentity(ctor);
    } catch (error) {
      if (!(error instanceof UnhashableValueError)) throw error;
      throw this.unhashable(frame, `the identity of class '${ctor.name}' cannot be hashed: ${error.message}`);
    }
    const tag = "c" + JSON.stringify(identity);
    this.classTags.set(ctor, tag);
    return tag;
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
    if (this.run.length > MAX_TEXT) this.flushRun();
  }

  /** Text among the children being collected (a hole, a separator). */
  private literal(text: string): void {
    this.run += text;
    if (this.run.length > MAX_TEXT) this.flushRun();
  }

  /** Keeps `run` below V8's string length limit; with nothing scheduled before it, it can go out now. */
  private flushRun(): void {
    if (this.pending.length === 0) this.sink.write(this.run);
    else this.pending.push(this.run);
    this.run = "";
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
    this.ancestors?.set(frame.value as object, frame);
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

/** Enumerable own string keys not starting with `_` (unsorted; a fresh array). */
function publicKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  let kept = 0;
  for (const key of keys) if (key.charCodeAt(0) !== 95 /* _ */) keys[kept++] = key;
  if (kept < keys.length) keys.length = kept;
  return keys;
}

/** An array's public named properties (sorted), undefined when it has none (see hasOnlyElements). */
function arrayExtras(arr: unknown[]): string[] | undefined {
  if (hasOnlyElements(arr, { hidden: false })) return undefined;
  const keys = Object.keys(arr).filter((key) => key.charCodeAt(0) !== 95 /* _ */ && !isIndex(key));
  return keys.length > 0 ? keys.sort() : undefined;
}

/** How instances of a prototype are hashed once no built-in handling (Map, Date, Error…) applied. */
const FIELDS = 0; // public fields, tagged by class identity or name
const SEARCH_PARAMS = 1; // URLSearchParams: by toString()
const HEADERS = 2; // Headers: by entries (sorted, combined by the platform)
const REJECT = 3; // unhashable: `reject` says why

/** What hashing needs to know about the instances of one prototype: computed once per prototype. */
interface ClassFacts {
  /** Its constructor's name ("Object" when it has none): messages, and the tag when `ctor` is unset. */
  readonly name: string;
  /** The user or library class whose identity tags instances; undefined for platform and class-less prototypes. */
  readonly ctor: Function | undefined;
  /** `o"Name"{`: the tag of instances of a prototype without a user or library class. */
  readonly tag: string;
  readonly handling: typeof FIELDS | typeof SEARCH_PARAMS | typeof HEADERS | typeof REJECT;
  readonly reject: string | undefined;
  /** `#a, #b of class 'Base'`: the #private fields user and library classes in the chain declare. */
  readonly privateFields: string | undefined;
}

const factsByPrototype = new WeakMap<object, ClassFacts>();

function classFacts(proto: object, code: CodeHashing): ClassFacts {
  let facts = factsByPrototype.get(proto);
  if (facts === undefined) factsByPrototype.set(proto, (facts = computeFacts(proto, code)));
  return facts;
}

function computeFacts(proto: object, code: CodeHashing): ClassFacts {
  const c = (proto as { constructor?: unknown }).constructor;
  const name = typeof c === "function" ? c.name : "Object";
  const ctor = typeof c === "function" && c.prototype === proto ? c : undefined;
  const origin = ctor && code.classInfo(ctor).origin;
  let special: string | undefined;
  const privates: string[] = [];
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const k: unknown = Object.getOwnPropertyDescriptor(p, "constructor")?.value;
    if (typeof k !== "function" || k.prototype !== p) continue;
    // Not gated on the origin: without an inspector, classInfo calls Node's own classes "user".
    const explicit = explicitPlatformClass(k);
    if (explicit !== undefined) special ??= explicit;
    else {
      const info = code.classInfo(k);
      if (info.origin !== "platform" && info.privateFields.length > 0) {
        privates.push(info.privateFields.join(", ") + (k === ctor ? "" : ` of class '${info.name}'`));
      }
    }
  }
  let handling: ClassFacts["handling"] = FIELDS;
  let reject: string | undefined;
  if (special === "URLSearchParams") handling = SEARCH_PARAMS;
  else if (special === "Headers") handling = HEADERS;
  else if (special === "Blob") reject = `a ${name}'s bytes can only be read asynchronously: hash \`await blob.arrayBuffer()\` or give it a cacheKey()`;
  else if (!ctor) {
    const next = (proto as { next?: unknown }).next;
    if (typeof next === "function" && !hasReadableSource(next)) {
      const kind = (proto as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
      reject = `an iterator${typeof kind === "string" ? ` (${kind})` : ""} is used up as it is read, so it cannot be hashed by content; pass [...iterator] instead`;
    }
  } else if (origin === "platform" && !(name === "Object" && Object.getPrototypeOf(proto) === null)) {
    // Not another realm's plain object: a socket, a stream, a request, an emitter, a process…
    reject = `an instance of ${name} is a live platform object, not data to hash: pass the data it holds, or make it a stateful() resource`;
  }
  if (reject !== undefined) handling = REJECT;
  return {
    name,
    ctor: origin === "user" || origin === "library" ? ctor : undefined,
    tag: `o${JSON.stringify(name)}{`,
    handling,
    reject,
    privateFields: privates.length > 0 ? privates.join("; ") : undefined,
  };
}

/** The platform classes hashed by what they hold (or refused with a specific reason): "File" counts as "Blob". */
function explicitPlatformClass(k: Function): string | undefined {
  const name = k.name;
  if (name !== "URLSearchParams" && name !== "Headers" && name !== "Blob" && name !== "File") return undefined;
  // Read the global only for a class of that name: `Headers` loads undici on first access.
  if ((globalThis as Record<string, unknown>)[name] !== k) return undefined;
  return name === "File" ? "Blob" : name;
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

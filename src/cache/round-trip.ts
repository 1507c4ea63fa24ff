// What V8's structured serialization brings back as it was, what it does not, and how the cache makes
// up for the rest. serialization.ts walks every stored value once with `planRoundTrip`: plain data
// gives no plan (the bytes are plain v8.serialize output, as before); class instances, null-prototype
// objects, Errors V8 would change, URLs… give a plan, stored next to the value and applied by
// `restoreRoundTrip` after reading; anything else that would not come back exactly is refused.
import { types } from "node:util";
import { hasOnlyElements } from "./array-properties.js";
import { classIdentity, classInfo, findClass } from "../identity/code-identity.js";
import { UnserializableValueError } from "../core/errors.js";
import { hasReadableSource } from "../core/parameters.js";

/**
 * What the value must survive: "clone" is structured clone between threads (nothing restores it on the
 * other side, so anything needing a fix-up is refused); "portable" is our bytes read by another
 * process (fix-ups, but no classes: that process may not have them); "cache" adds class instances,
 * found again by their class's code identity (a miss when the class is not there).
 */
export type RoundTripMode = "clone" | "portable" | "cache";

/** Returned by restoreRoundTrip when a class the value needs is not in this process: a cache miss. */
export const MISS: unique symbol = Symbol("hypernodes.miss");

/** A property restored by definition: key, value, and its attributes (ENUMERABLE | WRITABLE | CONFIGURABLE). */
type Field = [key: string, value: unknown, flags: number];
const ENUMERABLE = 1;
const WRITABLE = 2;
const CONFIGURABLE = 4;

/** What one object needs after reading, besides its prototype. */
interface Fixup {
  /** Own properties V8 drops (a Map's fields, an Error's), defined in order. */
  f?: Field[];
  /** An Error: its own properties as V8 rebuilt them are replaced by `f`, in the original order. */
  e?: 1;
  /** Attributes V8 resets (non-writable or non-configurable data properties): key and flags. */
  a?: [string, number][];
  /** Integrity level: 1 non-extensible, 2 sealed, 3 frozen. */
  x?: number;
  /** A RegExp's lastIndex (V8 resets it to 0). */
  r?: number;
  /** A platform object V8 cannot carry, rebuilt from its state and put where its placeholder is. */
  m?: Make;
}
type Make = ["URL", string] | ["URLSearchParams", string] | ["searchParams", number];

/** A class by name and code identity; identity null for the built-in errors, found by name. */
type ClassRef = [name: string, identity: string | null];

/** Where a rebuilt object goes: its holder (index in `objects`, -1 for the root) and key (null: a Map's or Set's entries). */
type Reference = [holder: number, key: string | number | null];

const KEEP = -1;
const NULL_PROTO = -2;

/**
 * Fix-ups stored with a value: `objects` are the objects concerned (the same objects as in the value,
 * as V8 keeps references within one serialization), `protos[i]` the prototype `objects[i]` gets back
 * (KEEP, NULL_PROTO or an index in `classes`).
 */
export interface Plan {
  objects: object[];
  protos: number[];
  fixups: [index: number, fixup: Fixup][];
  classes: ClassRef[];
  references: Reference[];
}

/** The stored form of a planned value: what one v8.serialize call writes. */
export type PlannedValue = [root: unknown, objects: object[], protos: number[], fixups: [number, Fixup][], classes: ClassRef[], references: Reference[]];

// How a value is reached from its parent: for paths in messages, and where a rebuilt object goes.
const ROOT = 0;
const PROP = 1;
const INDEX = 2;
const MAP_KEY = 3;
const MAP_VALUE = 4;
const SET_VALUE = 5;
/** A property restored from a fix-up (no reference needed: the fix-up's value is mapped when defined). */
const FIELD = 6;

interface Frame {
  value: unknown;
  parent: Frame | undefined;
  key: string | number;
  how: number;
  depth: number;
}

/** Thrown by a walk without a set of visited objects that met too much sharing or depth: walk again with one. */
const WALK_AGAIN = Symbol("walk again");
/** Deeper than this, checking a frame's ancestors for cycles costs more than a set of visited objects. */
const MAX_DEPTH = 64;

// The kinds of built-in objects V8 serializes, by prototype.
const OBJECT = 0;
const ARRAY = 1;
const MAP = 2;
const SET = 3;
const DATE = 4;
const REGEXP = 5;
const BOXED = 6;
const ARRAY_BUFFER = 7;
const VIEW = 8;
const ERROR = 9;
const URL_KIND = 10;
const SEARCH_PARAMS = 11;

const ERROR_CONSTRUCTORS: Record<string, Function> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  AggregateError,
};
/** Error prototypes V8 restores by the error's `name` (AggregateError is not one of them). */
const V8_ERROR_NAMES = new Map<object, string>(
  ["Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"].map((n) => [ERROR_CONSTRUCTORS[n]!.prototype, n]),
);
const ERROR_NAMES = new Map<object, string>(Object.entries(ERROR_CONSTRUCTORS).map(([n, c]) => [c.prototype, n]));

const VIEW_CONSTRUCTORS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
  Buffer,
];

const BASES = new Map<object, number>([
  [Object.prototype, OBJECT],
  [Array.prototype, ARRAY],
  [Map.prototype, MAP],
  [Set.prototype, SET],
  [Date.prototype, DATE],
  [RegExp.prototype, REGEXP],
  [Boolean.prototype, BOXED],
  [Number.prototype, BOXED],
  [String.prototype, BOXED],
  [BigInt.prototype, BOXED],
  [ArrayBuffer.prototype, ARRAY_BUFFER],
  ...VIEW_CONSTRUCTORS.map((c) => [c.prototype, VIEW] as [object, number]),
  ...[...ERROR_NAMES.keys()].map((p) => [p, ERROR] as [object, number]),
  [URL.prototype, URL_KIND],
  [URLSearchParams.prototype, SEARCH_PARAMS],
]);

const KIND_NAMES = ["Object", "Array", "Map", "Set", "Date", "RegExp", "boxed primitive", "ArrayBuffer", "typed array", "Error", "URL", "URLSearchParams"];

/**
 * Walks `root` and returns what must be stored with it for it to come back exactly, or undefined when
 * plain v8.serialize output does. Throws UnserializableValueError naming the path (`label` is the
 * root's name) and the reason for anything that would not come back exactly in this mode.
 *
 * Shared references and cycles are fine. Remembering every visited object in a Set costs more than
 * serializing it (each fresh object gets an identity hash), so with `budget` — the byte length of the
 * value's v8.serialize output, which writes each object once and each further reference in a few
 * bytes — the walk remembers nothing: a cycle is an object met again among the ancestors it was
 * reached through, and a shared object is simply walked again. Should sharing make visits outnumber
 * the bytes (or nesting be very deep), it starts over with a Set, so the work stays linear.
 */
export function planRoundTrip(root: unknown, label: string, mode: RoundTripMode, budget?: number): Plan | undefined {
  if (budget !== undefined) {
    try {
      return new Walk(mode, label, budget).run(root);
    } catch (error) {
      if (error !== WALK_AGAIN) throw error;
    }
  }
  return new Walk(mode, label, undefined).run(root);
}

class Walk {
  /** Every object visited; undefined when walking within a budget instead. */
  readonly #seen: Set<object> | undefined;
  readonly #budget: number;
  #visits = 0;
  readonly #stack: Frame[] = [];
  #plan: Plan | undefined;
  #indices: Map<object, number> | undefined;
  #fixups: Map<object, Fixup> | undefined;
  #classes: Map<Function, number> | undefined;
  /** Objects rebuilt after reading (URLs…): every reference to them must be recorded. */
  #rebuilt: Set<object> | undefined;
  #urls: URL[] | undefined;
  #searchParams: Map<URLSearchParams, Fixup> | undefined;
  /** Byte ranges of ArrayBuffers the value's views and buffers cover, by buffer. */
  #memory: Map<ArrayBufferLike, [start: number, end: number, frame: Frame][]> | undefined;

  constructor(
    readonly mode: RoundTripMode,
    readonly label: string,
    budget: number | undefined,
  ) {
    this.#seen = budget === undefined ? new Set() : undefined;
    this.#budget = budget ?? Infinity;
  }

  run(root: unknown): Plan | undefined {
    this.#stack.push({ value: root, parent: undefined, key: "", how: ROOT, depth: 0 });
    const stack = this.#stack;
    const seen = this.#seen;
    while (stack.length) {
      const frame = stack.pop()!;
      const value = frame.value as object;
      if (typeof value === "function") this.#refuse(frame, "is a function");
      if (typeof value === "symbol") this.#refuse(frame, "is a symbol");
      if (seen) {
        if (seen.has(value)) {
          if (this.#rebuilt?.has(value)) this.#reference(frame);
          continue;
        }
        seen.add(value);
      } else {
        if (++this.#visits > this.#budget || frame.depth > MAX_DEPTH) throw WALK_AGAIN;
        if (isAncestor(frame, value)) continue;
        if (this.#rebuilt?.has(value)) {
          this.#reference(frame);
          continue;
        }
      }
      this.#visit(value, frame);
    }
    if (this.#urls && this.#searchParams) this.#linkSearchParams();
    return this.#plan;
  }

  #visit(value: object, frame: Frame): void {
    const proto: object | null = Object.getPrototypeOf(value);
    if (proto === Object.prototype) return this.#object(value, frame);
    if (proto === Array.prototype && Array.isArray(value)) return this.#array(value, frame);
    if (proto === null) {
      if (this.mode === "clone") this.#refuse(frame, "is an object with a null prototype, which would come back with Object.prototype");
      this.#setProto(value, NULL_PROTO);
      return this.#object(value, frame);
    }
    const base = BASES.get(proto);
    if (base !== undefined) return this.#builtin(value, frame, base, proto, undefined);
    return this.#instance(value, frame, proto);
  }

  /** An instance of a class (or something that is not one: refused). */
  #instance(value: object, frame: Frame, proto: object): void {
    if (this.mode !== "cache") {
      // Nothing on the other side looks classes up: what structured serialization makes of it.
      const name = (Object.getOwnPropertyDescriptor(proto, "constructor")?.value as Function | undefined)?.name || "object";
      let base: number | undefined;
      for (let p: object | null = proto; p && base === undefined; p = Object.getPrototypeOf(p)) base = BASES.get(p);
      const comesBack = base === undefined || base === OBJECT ? "a plain object" : `a plain ${KIND_NAMES[base]}`;
      this.#refuse(frame, `is a ${name} instance, which would come back as ${comesBack}`);
    }
    const verdict = classOf(proto);
    if (typeof verdict === "string") this.#refuse(frame, verdict);
    const { ctor, base, baseProto } = verdict;
    if (base === URL_KIND || base === SEARCH_PARAMS) {
      this.#refuse(frame, `is a ${ctor.name} instance: subclasses of ${KIND_NAMES[base]} cannot be rebuilt`);
    }
    this.#setProto(value, this.#classRef(ctor, frame));
    this.#builtin(value, frame, base, baseProto, ctor);
  }

  #builtin(value: object, frame: Frame, kind: number, proto: object, ctor: Function | undefined): void {
    switch (kind) {
      case OBJECT:
        return this.#object(value, frame);
      case ARRAY:
        if (!Array.isArray(value)) return this.#fake(frame, kind);
        return this.#array(value, frame);
      case MAP: {
        if (!types.isMap(value)) return this.#fake(frame, kind);
        let i = 0;
        for (const [k, v] of value) {
          if (isRef(k)) this.#push(k, frame, i, MAP_KEY);
          if (isRef(v)) this.#push(v, frame, i, MAP_VALUE);
          i++;
        }
        return this.#dropped(value, frame, 0);
      }
      case SET: {
        if (!types.isSet(value)) return this.#fake(frame, kind);
        let i = 0;
        for (const v of value) {
          if (isRef(v)) this.#push(v, frame, i, SET_VALUE);
          i++;
        }
        return this.#dropped(value, frame, 0);
      }
      case DATE:
        if (!types.isDate(value)) return this.#fake(frame, kind);
        return this.#dropped(value, frame, 0);
      case REGEXP: {
        if (!types.isRegExp(value)) return this.#fake(frame, kind);
        const { lastIndex } = value as RegExp;
        if (lastIndex !== 0) {
          if (this.mode === "clone") this.#refuse(frame, `is a RegExp whose lastIndex (${lastIndex}) would come back as 0`);
          this.#fixup(value).r = lastIndex;
        }
        return this.#dropped(value, frame, 1); // lastIndex
      }
      case BOXED:
        if (!types.isBoxedPrimitive(value)) return this.#fake(frame, kind);
        return this.#dropped(value, frame, types.isStringObject(value) ? (value as string).length + 1 : 0);
      case ARRAY_BUFFER:
        if (!types.isArrayBuffer(value)) return this.#fake(frame, kind);
        if (this.mode !== "clone") this.#claim(value, 0, value.byteLength, frame);
        return this.#dropped(value, frame, 0);
      case VIEW:
        if (!ArrayBuffer.isView(value)) return this.#fake(frame, kind);
        return this.#view(value, frame, proto, ctor);
      case ERROR:
        if (!types.isNativeError(value)) return this.#fake(frame, kind);
        return this.#error(value as Error, frame, proto, ctor);
      case URL_KIND:
      case SEARCH_PARAMS:
        return this.#rebuild(value, frame, kind);
    }
  }

  /** An object (plain, null-prototype, or a class instance on Object): V8 keeps its enumerable own data properties. */
  #object(value: object, frame: Frame): void {
    const keys = Object.keys(value);
    if (Object.getOwnPropertyNames(value).length !== keys.length) this.#hidden(value, frame, new Set(keys));
    if (Object.getOwnPropertySymbols(value).length) this.#symbolKeyed(value, frame);
    const level = Object.isExtensible(value) ? 0 : integrity(value);
    let attributes: [string, number][] | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const d = Object.getOwnPropertyDescriptor(value, key)!;
      if (d.writable === undefined) this.#accessor(frame, key);
      if ((!d.writable && level < 3) || (!d.configurable && level < 2)) (attributes ??= []).push([key, flagsOf(d)]);
      const v = d.value;
      if (typeof v === "object" ? v !== null : typeof v === "function" || typeof v === "symbol") this.#push(v, frame, key, PROP);
    }
    if (attributes && this.mode !== "clone") this.#fixup(value).a = attributes;
    if (level && this.mode !== "clone") this.#fixup(value).x = level;
  }

  /** An array: V8 keeps its elements (holes too) and its enumerable named properties. */
  #array(value: unknown[], frame: Frame): void {
    for (let i = 0, n = value.length; i < n; i++) {
      const v = value[i];
      if (isRef(v)) this.#push(v, frame, i, INDEX);
    }
    if (Object.getOwnPropertySymbols(value).length) this.#symbolKeyed(value, frame);
    if (!hasOnlyElements(value, { hidden: true })) this.#namedOfArray(value, frame);
    if (!Object.isExtensible(value) && this.mode !== "clone") this.#fixup(value).x = integrity(value);
  }

  /** An array's own properties besides its elements and length (rare: looked at only when present). */
  #namedOfArray(value: unknown[], frame: Frame): void {
    let attributes: [string, number][] | undefined;
    for (const key of Object.getOwnPropertyNames(value)) {
      if (key === "length" || isIndex(key, value.length)) continue;
      const d = Object.getOwnPropertyDescriptor(value, key)!;
      if (d.writable === undefined) this.#accessor(frame, key);
      if (!d.enumerable) this.#refuse(frame, `has a non-enumerable property '${key}', which would be lost`);
      if (!d.writable || !d.configurable) (attributes ??= []).push([key, flagsOf(d)]);
      if (isRef(d.value)) this.#push(d.value, frame, key, PROP);
    }
    if (attributes && this.mode !== "clone") this.#fixup(value).a = attributes;
  }

  /**
   * Own properties V8 does not write for this kind of object (a Map's, a Date's…): `natives` is how
   * many own names the object has by itself. Enumerable data ones are stored in a fix-up.
   */
  #dropped(value: object, frame: Frame, natives: number): void {
    const names = Object.getOwnPropertyNames(value);
    if (names.length === natives && !Object.getOwnPropertySymbols(value).length) {
      if (!Object.isExtensible(value) && this.mode !== "clone") this.#fixup(value).x = integrity(value);
      return;
    }
    if (Object.getOwnPropertySymbols(value).length) this.#symbolKeyed(value, frame);
    const isNative = nativeNames(value);
    const fields: Field[] = [];
    for (const key of names) {
      if (isNative(key)) continue;
      const d = Object.getOwnPropertyDescriptor(value, key)!;
      if (d.writable === undefined) this.#accessor(frame, key);
      if (!d.enumerable) this.#refuse(frame, `has a non-enumerable property '${key}', which would be lost`);
      if (this.mode === "clone") this.#refuse(frame, `has its own property '${key}', which structured clone does not keep on a ${describeKind(value)}`);
      fields.push([key, d.value, flagsOf(d)]);
      if (isRef(d.value)) this.#push(d.value, frame, key, FIELD);
    }
    if (fields.length) this.#fixup(value).f = fields;
    if (!Object.isExtensible(value)) this.#fixup(value).x = integrity(value);
  }

  /** A typed array, DataView or Buffer: Node writes its bytes (a copy of its own range, not its ArrayBuffer). */
  #view(value: ArrayBufferView, frame: Frame, proto: object, ctor: Function | undefined): void {
    if (Object.getOwnPropertySymbols(value).length) this.#symbolKeyed(value, frame);
    if (this.mode === "clone") {
      if (proto === Buffer.prototype) this.#refuse(frame, "is a Buffer, which would arrive as a Uint8Array in another thread");
      return;
    }
    const { buffer } = value;
    if (types.isSharedArrayBuffer(buffer)) this.#refuse(frame, "is a view on a SharedArrayBuffer, which would come back as an unshared copy");
    this.#claim(buffer, value.byteOffset, value.byteOffset + value.byteLength, frame);
    // A typed array's named own properties are not looked for (V8 lists them only with every index, which
    // costs more than storing the array); a DataView has no indices, and a subclass's fields are its state.
    if (ctor || value instanceof DataView) this.#dropped(value, frame, types.isTypedArray(value) ? (value as Uint8Array).length : 0);
  }

  /** An Error: V8 keeps message, stack and cause, and picks the prototype by `name` among the standard ones. */
  #error(value: Error, frame: Frame, proto: object, ctor: Function | undefined): void {
    const keys = Reflect.ownKeys(value);
    const cause = Object.getOwnPropertyDescriptor(value, "cause");
    if (cause && isRef(cause.value) && reaches(cause.value as object, value)) {
      this.#refuse(frame, "is an Error whose cause leads back to it, which V8 cannot read back");
    }
    if (!ctor && nativelyExact(value, keys, proto)) {
      if (cause && isRef(cause.value)) this.#push(cause.value, frame, "cause", PROP);
      return;
    }
    const name = ctor?.name ?? ERROR_NAMES.get(proto)!;
    if (this.mode === "clone") this.#refuse(frame, `is ${article(name)} ${name} whose ${errorLoss(value, keys, proto)} would be lost in structured clone`);
    const fields: Field[] = [];
    for (const key of keys) {
      if (typeof key === "symbol") this.#refuse(frame, `has a symbol-keyed property ${String(key)}, which would be lost`);
      const d = Object.getOwnPropertyDescriptor(value, key)!;
      if (d.writable === undefined) this.#accessor(frame, key);
      fields.push([key, d.value, flagsOf(d)]);
      if (isRef(d.value)) this.#push(d.value, frame, key, FIELD);
    }
    const fixup = this.#fixup(value);
    fixup.e = 1;
    fixup.f = fields;
    if (!Object.isExtensible(value)) fixup.x = integrity(value);
    if (!ctor) this.#setProto(value, this.#builtinErrorRef(name));
  }

  /** A URL or URLSearchParams: V8 writes `{}`; it is rebuilt from its text and put where the placeholder is. */
  #rebuild(value: object, frame: Frame, kind: number): void {
    const name = KIND_NAMES[kind]!;
    if (this.mode === "clone") this.#refuse(frame, `is a ${name}, which would come back as a plain object`);
    let text: string;
    try {
      text = kind === URL_KIND ? (value as URL).href : (value as URLSearchParams).toString();
    } catch {
      return this.#fake(frame, kind);
    }
    if (Reflect.ownKeys(value).length) this.#refuse(frame, `is a ${name} with own properties, which would be lost`);
    if (!Object.isExtensible(value)) this.#refuse(frame, `is a ${name} that is frozen or sealed, which would come back extensible`);
    const fixup = this.#fixup(value);
    fixup.m = kind === URL_KIND ? ["URL", text] : ["URLSearchParams", text];
    (this.#rebuilt ??= new Set()).add(value);
    if (kind === URL_KIND) (this.#urls ??= []).push(value as URL);
    else (this.#searchParams ??= new Map()).set(value as URLSearchParams, fixup);
    this.#reference(frame);
  }

  /** A URL's `searchParams` stored with that URL comes back as the rebuilt URL's, still linked to it. */
  #linkSearchParams(): void {
    for (const url of this.#urls!) {
      const fixup = this.#searchParams!.get(url.searchParams);
      if (fixup) fixup.m = ["searchParams", this.#index(url)];
    }
  }

  /** Records where a rebuilt object is referenced from. */
  #reference(frame: Frame): void {
    const { parent, how, key } = frame;
    if (how === FIELD) return;
    const holder = parent ? this.#index(parent.value as object) : -1;
    this.#ensurePlan().references.push([holder, how === PROP || how === INDEX ? key : null]);
  }

  #claim(buffer: ArrayBufferLike, start: number, end: number, frame: Frame): void {
    if (end === start) return;
    const memory = (this.#memory ??= new Map());
    const ranges = memory.get(buffer);
    if (!ranges) return void memory.set(buffer, [[start, end, frame]]);
    for (const [s, e, other] of ranges) {
      if (other.value === frame.value) return; // the same view or buffer, met again
      if (start < e && s < end) {
        this.#refuse(frame, `shares memory with ${this.#path(other)}, which would come back as two separate copies`);
      }
    }
    ranges.push([start, end, frame]);
  }

  #push(value: unknown, parent: Frame, key: string | number, how: number): void {
    this.#stack.push({ value, parent, key, how, depth: parent.depth + 1 });
  }

  #ensurePlan(): Plan {
    return (this.#plan ??= { objects: [], protos: [], fixups: [], classes: [], references: [] });
  }

  #index(object: object): number {
    const indices = (this.#indices ??= new Map());
    let index = indices.get(object);
    if (index === undefined) {
      const plan = this.#ensurePlan();
      index = plan.objects.push(object) - 1;
      plan.protos.push(KEEP);
      indices.set(object, index);
    }
    return index;
  }

  #setProto(object: object, proto: number): void {
    this.#ensurePlan().protos[this.#index(object)] = proto;
  }

  #fixup(object: object): Fixup {
    const fixups = (this.#fixups ??= new Map());
    let fixup = fixups.get(object);
    if (!fixup) {
      fixup = {};
      fixups.set(object, fixup);
      this.#ensurePlan().fixups.push([this.#index(object), fixup]);
    }
    return fixup;
  }

  #classRef(ctor: Function, frame: Frame): number {
    const classes = (this.#classes ??= new Map());
    let index = classes.get(ctor);
    if (index === undefined) {
      let identity: string;
      try {
        identity = classIdentity(ctor);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        this.#refuse(frame, `is a ${ctor.name || "anonymous class"} instance whose class cannot be identified by its code (${why})`);
      }
      index = this.#ensurePlan().classes.push([ctor.name, identity]) - 1;
      classes.set(ctor, index);
    }
    return index;
  }

  #builtinErrorRef(name: string): number {
    const ctor = ERROR_CONSTRUCTORS[name]!;
    const classes = (this.#classes ??= new Map());
    let index = classes.get(ctor);
    if (index === undefined) {
      index = this.#ensurePlan().classes.push([name, null]) - 1;
      classes.set(ctor, index);
    }
    return index;
  }

  #hidden(value: object, frame: Frame, enumerable: Set<string>): void {
    const key = Object.getOwnPropertyNames(value).find((k) => !enumerable.has(k))!;
    const d = Object.getOwnPropertyDescriptor(value, key)!;
    if (d.writable === undefined) this.#accessor(frame, key);
    this.#refuse(frame, `has a non-enumerable property '${key}', which would be lost`);
  }

  #symbolKeyed(value: object, frame: Frame): never {
    const key = Object.getOwnPropertySymbols(value)[0]!;
    this.#refuse(frame, `has a symbol-keyed property ${String(key)}, which would be lost`);
  }

  #accessor(frame: Frame, key: string): never {
    this.#refuse(frame, `has an accessor (getter/setter) property '${key}', which would come back as a plain value`);
  }

  #fake(frame: Frame, kind: number): never {
    this.#refuse(frame, `inherits from ${KIND_NAMES[kind]}.prototype without being a real ${KIND_NAMES[kind]}, so it would come back as a plain object`);
  }

  #refuse(frame: Frame, why: string): never {
    throw new UnserializableValueError(`${this.#path(frame)} ${why}`);
  }

  #path(frame: Frame): string {
    const steps: string[] = [];
    for (let f: Frame | undefined = frame; f?.parent; f = f.parent) steps.push(step(f));
    return this.label + steps.reverse().join("");
  }
}

/** Whether `value` is one of the objects `frame` was reached through (a cycle). */
function isAncestor(frame: Frame, value: object): boolean {
  for (let f = frame.parent; f; f = f.parent) if (f.value === value) return true;
  return false;
}

function step({ key, how }: Frame): string {
  switch (how) {
    case INDEX:
      return `[${key}]`;
    case MAP_KEY:
      return `.keys()[${key}]`;
    case MAP_VALUE:
      return `.get(…)[${key}]`;
    case SET_VALUE:
      return `.values()[${key}]`;
    default:
      return typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
}

function isRef(value: unknown): boolean {
  return typeof value === "object" ? value !== null : typeof value === "function" || typeof value === "symbol";
}

function flagsOf(d: PropertyDescriptor): number {
  return (d.enumerable ? ENUMERABLE : 0) | (d.writable ? WRITABLE : 0) | (d.configurable ? CONFIGURABLE : 0);
}

function integrity(value: object): number {
  return Object.isFrozen(value) ? 3 : Object.isSealed(value) ? 2 : 1;
}

function isIndex(key: string, length: number): boolean {
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && n < length && String(n) === key;
}

/** Own names a built-in object has by itself (a String object's indices and length, a RegExp's lastIndex…). */
function nativeNames(value: object): (key: string) => boolean {
  if (types.isStringObject(value)) return (key) => key === "length" || isIndex(key, (value as string).length);
  if (types.isRegExp(value)) return (key) => key === "lastIndex";
  if (types.isTypedArray(value)) return (key) => isIndex(key, (value as Uint8Array).length);
  return () => false;
}

function describeKind(value: object): string {
  return types.isMap(value) ? "Map" : types.isSet(value) ? "Set" : types.isDate(value) ? "Date" : types.isRegExp(value) ? "RegExp" : "built-in object";
}

function article(name: string): string {
  return /^[AEIOU]/.test(name) ? "an" : "a";
}

/** Whether V8 alone brings this Error back exactly: its prototype, and stack, message, cause as the constructor makes them. */
function nativelyExact(value: Error, keys: (string | symbol)[], proto: object): boolean {
  const name = V8_ERROR_NAMES.get(proto);
  if (name === undefined || keys[0] !== "stack") return false;
  let next = 0;
  for (const key of keys) {
    const at = NATIVE_ERROR_KEYS.indexOf(key as string, next);
    if (at < 0) return false;
    next = at + 1;
    const d = Object.getOwnPropertyDescriptor(value, key)!;
    if (d.writable !== true || d.enumerable || !d.configurable) return false;
    if (key !== "cause" && typeof d.value !== "string") return false;
  }
  // V8 picks the prototype it restores by reading `name`.
  return value.name === name;
}
const NATIVE_ERROR_KEYS = ["stack", "message", "cause"];

function errorLoss(value: Error, keys: (string | symbol)[], proto: object): string {
  if (!V8_ERROR_NAMES.has(proto)) return "prototype";
  const extra = keys.filter((k) => typeof k === "symbol" || !NATIVE_ERROR_KEYS.includes(k));
  if (extra.length) return `own propert${extra.length > 1 ? "ies" : "y"} ${extra.map((k) => `'${String(k)}'`).join(", ")}`;
  return "properties' attributes or values";
}

/** Whether `target` is reachable from `from` along what V8 writes (own enumerable properties, entries, causes). */
function reaches(from: object, target: object): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [from];
  while (stack.length) {
    const value = stack.pop();
    if (value === target) return true;
    if (!isRef(value) || typeof value !== "object" || seen.has(value!)) continue;
    seen.add(value!);
    if (types.isMap(value)) for (const [k, v] of value) stack.push(k, v);
    else if (types.isSet(value)) for (const v of value) stack.push(v);
    else if (!ArrayBuffer.isView(value) && !types.isAnyArrayBuffer(value)) {
      for (const key of Object.keys(value!)) stack.push(Object.getOwnPropertyDescriptor(value, key)?.value);
      if (types.isNativeError(value)) stack.push(Object.getOwnPropertyDescriptor(value, "cause")?.value);
    }
  }
  return false;
}

/** A class as a stored instance needs it, or why its instances cannot be stored. */
type ClassVerdict = { ctor: Function; base: number; baseProto: object } | string;

const verdicts = new WeakMap<object, ClassVerdict>();

/** What the prototype of an instance says about it (computed once per prototype). */
function classOf(proto: object): ClassVerdict {
  let verdict = verdicts.get(proto);
  if (verdict === undefined) verdicts.set(proto, (verdict = judge(proto)));
  return verdict;
}

function judge(proto: object): ClassVerdict {
  const ctor = ownConstructor(proto);
  if (!ctor && Error.prototype.isPrototypeOf(proto)) {
    return "is an Error whose prototype is not a class's (as Node.js makes its internal errors), which cannot be restored";
  }
  if (!ctor) {
    return "is an object whose prototype is not a class's (made with Object.create, or from another realm), which would come back as a plain object";
  }
  const name = ctor.name || "anonymous class";
  for (let p: object | null = proto; ; p = Object.getPrototypeOf(p)) {
    if (p === null) return `is a ${name} instance, whose class does not extend Object or another built-in V8 can write`;
    const base = BASES.get(p);
    if (base !== undefined) return { ctor, base, baseProto: p };
    const c = ownConstructor(p);
    if (!c) return `is a ${name} instance, whose prototype chain holds an object that is not a class's prototype`;
    if (!hasReadableSource(c)) {
      const ours = (globalThis as Record<string, unknown>)[c.name];
      if (typeof ours === "function" && ours !== c && BASES.has((ours as Function).prototype)) {
        return `is ${article(c.name)} ${c.name} from another realm (a vm context), which would come back as this realm's`;
      }
      return `is ${article(c.name)} ${c.name || "object"} (a platform object), which cannot be stored`;
    }
    if (!/^class\b/.test(Function.prototype.toString.call(c))) {
      return `is a ${name} instance, but ${c.name || "its constructor"} is a constructor function, not a class, so it would not be found again`;
    }
    if (classInfo(c).origin === "platform") return `is ${article(c.name)} ${c.name} (an object of the platform), which cannot be stored`;
    const privates = classInfo(c).privateMembers;
    if (privates.length) return `is a ${name} instance: class ${c.name} has #private members (${privates.join(", ")}), which cannot be restored`;
  }
}

function ownConstructor(proto: object): Function | undefined {
  const ctor = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
  return typeof ctor === "function" && ctor.prototype === proto ? ctor : undefined;
}

/**
 * The value stored with a plan, made exact again: prototypes set (classes found by name and code
 * identity), rebuilt objects put in place, dropped properties defined, attributes and integrity levels
 * applied. MISS when a class is not in this process (the code changed, or it was never loaded).
 */
export function restoreRoundTrip(stored: PlannedValue): unknown {
  const [root, objects, protos, fixups, classes, references] = stored;
  const prototypes: object[] = [];
  for (const [name, identity] of classes) {
    const ctor = identity === null ? (Object.hasOwn(ERROR_CONSTRUCTORS, name) ? ERROR_CONSTRUCTORS[name] : undefined) : liveClass(name, identity);
    if (!ctor) return MISS;
    prototypes.push(ctor.prototype as object);
  }
  let rebuilt: Map<unknown, object> | undefined;
  for (const [index, fixup] of fixups) {
    const make = fixup.m;
    if (!make || make[0] === "searchParams") continue;
    (rebuilt ??= new Map()).set(objects[index], make[0] === "URL" ? new URL(make[1]) : new URLSearchParams(make[1]));
  }
  for (const [index, fixup] of fixups) {
    const make = fixup.m;
    if (make?.[0] === "searchParams") rebuilt!.set(objects[index], (rebuilt!.get(objects[make[1]]) as URL).searchParams);
  }
  if (rebuilt) {
    for (const [holder, key] of references) if (holder >= 0) replaceIn(objects[holder]!, key, rebuilt);
  }
  for (let i = 0; i < protos.length; i++) {
    const proto = protos[i]!;
    if (proto !== KEEP) Object.setPrototypeOf(objects[i]!, proto === NULL_PROTO ? null : prototypes[proto]!);
  }
  for (const [index, fixup] of fixups) {
    const object = objects[index] as Record<string, unknown>;
    if (fixup.e) for (const key of Reflect.ownKeys(object)) delete object[key as string];
    if (fixup.f) {
      for (const [key, value, flags] of fixup.f) {
        Object.defineProperty(object, key, {
          value: rebuilt?.get(value) ?? value,
          enumerable: (flags & ENUMERABLE) !== 0,
          writable: (flags & WRITABLE) !== 0,
          configurable: (flags & CONFIGURABLE) !== 0,
        });
      }
    }
    if (fixup.r !== undefined) (object as unknown as RegExp).lastIndex = fixup.r;
  }
  for (const [index, fixup] of fixups) {
    const object = objects[index]!;
    if (fixup.a) {
      for (const [key, flags] of fixup.a) {
        Object.defineProperty(object, key, {
          enumerable: (flags & ENUMERABLE) !== 0,
          writable: (flags & WRITABLE) !== 0,
          configurable: (flags & CONFIGURABLE) !== 0,
        });
      }
    }
    if (fixup.x === 3) Object.freeze(object);
    else if (fixup.x === 2) Object.seal(object);
    else if (fixup.x === 1) Object.preventExtensions(object);
  }
  return rebuilt?.get(root) ?? root;
}

/** The live class with this name and identity; undefined when none (or when a candidate cannot be hashed now). */
function liveClass(name: string, identity: string): Function | undefined {
  try {
    return findClass(name, identity);
  } catch {
    return undefined;
  }
}

/** Puts rebuilt objects where their placeholders are: a property or element, or a Map's or Set's entries (order kept). */
function replaceIn(holder: object, key: string | number | null, rebuilt: Map<unknown, object>): void {
  if (key !== null) {
    const placeholder = (holder as Record<string | number, unknown>)[key];
    const real = rebuilt.get(placeholder);
    if (real && Object.hasOwn(holder, key)) Object.defineProperty(holder, key, { value: real });
    return;
  }
  if (holder instanceof Map) {
    const entries = [...holder];
    if (!entries.some(([k, v]) => rebuilt.has(k) || rebuilt.has(v))) return;
    holder.clear();
    for (const [k, v] of entries) Map.prototype.set.call(holder, rebuilt.get(k) ?? k, rebuilt.get(v) ?? v);
  } else if (holder instanceof Set) {
    const values = [...holder];
    if (!values.some((v) => rebuilt.has(v))) return;
    holder.clear();
    for (const v of values) Set.prototype.add.call(holder, rebuilt.get(v) ?? v);
  }
}

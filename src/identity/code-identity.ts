import { bindingIsStable } from "./binding-stability.js";
import { boundParts, locate, readScopes, scopesReadable, withScripts, type CodeLocation, type ScopeBinding } from "./closure-scopes.js";
import { hashFunctionSource, normalizeSource } from "./code-hash.js";
import { libraryOf } from "./code-origin.js";
import { digest } from "./digest.js";
import { analyzeClass, analyzeFunction, type FreeVariables } from "./free-variables.js";
import { hashValueWith, type ClassInfo, type CodeHashing } from "./hashing.js";
import { isModuleObject, registeredBinding } from "./module-objects.js";
import { UnhashableValueError } from "../core/errors.js";
import { hasReadableSource } from "../core/parameters.js";
import { warn } from "../core/warnings.js";

/**
 * A function's identity covers everything it can reach (the idea behind Unison's content-addressed
 * code): its normalised source, and each binding its code reads — closure variables, module and
 * cell bindings, imports, globals of the user's — by value: helper functions and classes by their own
 * identity (recursively, cycles included), values by content. Library code (code-origin.ts) is
 * identified by package and version instead of being walked.
 *
 * The walk happens once per function. What can change afterwards is read again at each use, cheaply:
 * bindings some code assigns (binding-stability.ts), objects (their content), module objects' members,
 * user globals, class statics. Everything else is folded into fixed hashes.
 */

/** A part of a code identity as `explain()` reports it: what it is, its hash, what it is made of. */
export interface CodePart {
  label: string;
  hash: string;
  parts?: CodePart[];
}

/** Globals whose names nobody shadows: a function reading only these needs no scope read. */
const LANGUAGE_GLOBALS = new Set(
  (
    "Math JSON Object Array Number String Boolean Symbol BigInt Promise Map Set WeakMap WeakSet Date RegExp Error " +
    "TypeError RangeError SyntaxError ReferenceError EvalError URIError AggregateError parseInt parseFloat isNaN " +
    "isFinite undefined NaN Infinity globalThis Reflect Proxy Intl ArrayBuffer SharedArrayBuffer DataView Int8Array " +
    "Uint8Array Uint8ClampedArray Int16Array Uint16Array Int32Array Uint32Array Float32Array Float64Array " +
    "BigInt64Array BigUint64Array encodeURIComponent decodeURIComponent encodeURI decodeURI console Atomics WeakRef " +
    "FinalizationRegistry structuredClone queueMicrotask setTimeout clearTimeout setInterval clearInterval setImmediate"
  ).split(" "),
);
/** The platform's globals (Node's and the host's, present when HyperNodes loaded): not the user's. */
const PLATFORM_GLOBALS = new Set([...LANGUAGE_GLOBALS, ...Object.getOwnPropertyNames(globalThis)]);

/** Whether a name is one of the language's globals, which code never shadows (Math, JSON, Array…). */
export function isLanguageGlobal(name: string): boolean {
  return LANGUAGE_GLOBALS.has(name);
}

/** Whether a name not bound in any scope is one every thread has (not a global the user set). */
export function isPlatformGlobal(name: string): boolean {
  return PLATFORM_GLOBALS.has(name);
}

/** Live parts are read once per epoch; every public code hash read starts a new one. */
let epoch = 0;

/** Starts a new epoch: what can change is read again by the next hash. */
export function nextHashEpoch(): void {
  epoch++;
}

/** One part of a hash: a fixed hash, a value read live, or parts combined. */
abstract class Part {
  #epoch = -1;
  #memo = "";
  #evaluating = false;

  /** `name` joins the hash (a binding's name: the same wherever it is declared); `label` is for people. */
  constructor(
    readonly name: string,
    readonly label: string,
  ) {}

  abstract get live(): boolean;

  hash(): string {
    if (!this.live) return this.compute();
    if (this.#epoch === epoch) return this.#memo;
    // A value that reaches back to this part (an object holding the function that reads it).
    if (this.#evaluating) return `cycle:${this.name}`;
    this.#evaluating = true;
    try {
      this.#memo = this.compute();
    } finally {
      this.#evaluating = false;
    }
    this.#epoch = epoch;
    return this.#memo;
  }

  protected abstract compute(): string;

  /** The part for explain(), evaluated now, `depth` levels of sub-parts deep. */
  describe(depth: number): CodePart {
    const parts = depth > 0 ? this.children().map((p) => p.describe(depth - 1)) : [];
    return { label: this.label, hash: this.hash(), ...(parts.length ? { parts } : {}) };
  }

  children(): readonly Part[] {
    return [];
  }
}

class Fixed extends Part {
  constructor(
    name: string,
    label: string,
    readonly value: string,
  ) {
    super(name, label);
  }
  get live(): boolean {
    return false;
  }
  protected compute(): string {
    return this.value;
  }
}

class Live extends Part {
  constructor(
    name: string,
    label: string,
    readonly read: () => string,
  ) {
    super(name, label);
  }
  get live(): boolean {
    return true;
  }
  protected compute(): string {
    return this.read();
  }
}

/**
 * Parts combined, in order, whether each is fixed or live (a binding that is a cell's live `exports.k`
 * in one function and a fixed `k` in another hashes the same): runs of fixed parts are written out
 * once, live ones read at each use.
 */
class Combined extends Part {
  /** The text to digest: fixed runs as text, live parts to read. */
  readonly #segments: readonly (string | Part)[];
  readonly #fixed: string | undefined;

  constructor(
    name: string,
    label: string,
    kind: string,
    readonly parts: readonly Part[],
    /** Where the code is, as labels say it (` (module ./text.js)`), for functions and classes. */
    readonly where = "",
  ) {
    super(name, label);
    const segments: (string | Part)[] = [kind];
    for (const p of parts) {
      if (p.live) segments.push(p);
      else if (typeof segments.at(-1) === "string") segments[segments.length - 1] += `|${p.name}=${p.hash()}`;
      else segments.push(`|${p.name}=${p.hash()}`);
    }
    this.#segments = segments;
    this.#fixed = segments.length === 1 ? digest(segments[0] as string) : undefined;
  }
  get live(): boolean {
    return this.#fixed === undefined;
  }
  protected compute(): string {
    if (this.#fixed !== undefined) return this.#fixed;
    let text = "";
    for (const s of this.#segments) text += typeof s === "string" ? s : `|${s.name}=${s.hash()}`;
    return digest(text);
  }
  override children(): readonly Part[] {
    return this.parts;
  }
}

/** A function's identity seen from where it is read: same hash, the reader's name and label. */
class Reference extends Part {
  constructor(
    name: string,
    label: string,
    readonly target: Part,
  ) {
    super(name, label);
  }
  get live(): boolean {
    return this.target.live;
  }
  override hash(): string {
    return this.target.hash();
  }
  protected compute(): string {
    return this.target.hash();
  }
  override children(): readonly Part[] {
    return this.target.children();
  }
}

/** Identities of functions whose walk did not depend on where it started (see Walk). */
const identities = new WeakMap<Function, Part>();

/**
 * One walk from a root function. Functions met again while still being expanded (recursion, mutual
 * recursion) stand for themselves by their source hash; a function whose expansion met such a
 * back-reference to a function above it is complete only as part of that one, so it is not memoized
 * on its own (Tarjan's low-link): everything reachable is still covered exactly once per root.
 */
class Walk {
  readonly stack: Function[] = [];
  readonly low: number[] = [];
  readonly expanded = new Map<Function, Part>();
}

/** Code as value hashing meets it inside values. */
const CODE: CodeHashing = { functionHash, classIdentity, classInfo };

/**
 * Hex digest of a value's content (hashing.ts), the functions and classes inside it by their
 * identity. `label` names the value in error messages, e.g. "input 'x'".
 */
export function hashValue(value: unknown, label = "value"): string {
  return hashValueWith(value, label, CODE);
}

/** The hash of a function's identity now (its live parts read in the current epoch). */
export function functionHash(fn: Function): string {
  return identity(fn).hash();
}

/** The parts of a function's identity as they are now, for explain(). */
export function describeFunction(fn: Function, depth = 3): CodePart[] {
  return [...identity(fn).children()].map((p) => p.describe(depth));
}

/** A function's identity, walked (in one window of script access) the first time. */
function identity(fn: Function): Part {
  return identities.get(fn) ?? withScripts(() => identityOf(fn, new Walk()));
}

function identityOf(fn: Function, walk: Walk): Part {
  const known = identities.get(fn) ?? walk.expanded.get(fn);
  if (known) return known;
  const onStack = walk.stack.indexOf(fn);
  if (onStack >= 0) {
    walk.low[walk.low.length - 1] = Math.min(walk.low.at(-1)!, onStack);
    return new Fixed("", "", `cycle:${hashFunctionSource(fn)}`);
  }
  const depth = walk.stack.length;
  walk.stack.push(fn);
  walk.low.push(depth);
  let identity: Part;
  try {
    identity = build(fn, walk);
  } finally {
    walk.stack.pop();
  }
  const low = walk.low.pop()!;
  if (walk.low.length) walk.low[walk.low.length - 1] = Math.min(walk.low.at(-1)!, low);
  if (low >= depth) identities.set(fn, identity);
  else walk.expanded.set(fn, identity);
  return identity;
}

function build(fn: Function, walk: Walk): Part {
  if (!hasReadableSource(fn)) return nativeIdentity(fn, walk);
  const source = Function.prototype.toString.call(fn);
  const analyzed = /^class\b/.test(source) ? analyzeClass(source) : analyzeFunction(fn);
  // Unparseable source (never seen for real functions): the source alone.
  if (!analyzed) return new Fixed("", "code", digest(`source|${normalizeSource(source)}`));
  const { free } = analyzed;
  if (free.names.has("this") || free.members.has("this")) {
    throw new UnhashableValueError(
      `the function${fn.name ? ` '${fn.name}'` : ""} reads \`this\` from the code around it, which cannot be read before it runs: ` +
        "pass what it needs as an input or as a parameter of a factory function",
    );
  }
  const names = new Set([...free.names, ...free.members.keys()].filter((n) => !LANGUAGE_GLOBALS.has(n)));
  const isClass = "methods" in analyzed;
  if (names.size === 0 && !isClass) return new Fixed("", "code", digest(`f|${normalizeSource(source)}`));
  if (!scopesReadable()) return unreadableScopes(fn, source);
  const { bindings, location } = names.size ? readScopes(fn, names, stableModuleBindings) : { bindings: new Map(), location: locate(fn) };
  const library = location && libraryOf(location.url);
  if (library) return new Fixed("", "code", digest(`lib|${library}|${hashFunctionSource(fn)}`));

  const where = location ? describeLocation(location) : "";
  const live = new LiveBindings(fn);
  const fold = new Set<string>();
  const parts: Part[] = [];
  for (const name of [...names].sort()) {
    const binding = bindings.get(name);
    if (!binding) {
      const label = `global '${name}'`;
      if (!PLATFORM_GLOBALS.has(name)) parts.push(new Live(name, label, () => hashOf(globalThis[name as keyof typeof globalThis], label)));
      continue;
    }
    const { value } = binding;
    // `const X = undefined` may be a `const` read before its declaration ran: read it again.
    const stable = value !== undefined && bindingIsStable(location, name, binding.scope);
    if (stable && binding.scope === "module") rememberModuleBinding(location!, name, binding);
    const current = stable ? () => value : live.watch(name);
    const members = [...(free.members.get(name) ?? [])].sort();
    if (members.length && isModuleObject(value)) {
      // `mod.x`, `exports.k`: the bindings x and k, read live (a cell re-run reassigns them).
      fold.add(name);
      for (const member of members) {
        const memberValue = value[member];
        if (!free.reads.has(`${name}.${member}`) && typeof memberValue !== "function") continue;
        const label = labelFor(member, memberValue, "variable", "");
        parts.push(new Live(member, label, () => hashOf((current() as Record<string, unknown>)[member], label)));
      }
      continue;
    }
    if (!isRead(free, name) && typeof value !== "function") continue; // only written: counters, logs
    // An enclosing function's variable is a closure variable; an anonymous wrapper's (a CommonJS module,
    // a notebook cell, `new Function` code) are its top-level constants and variables.
    const closure = binding.scope === "closure" && binding.owner !== "";
    const kind = closure ? "closure variable" : stable ? "constant" : "variable";
    const place = closure ? "" : where;
    if (members.length && !free.methodCalls.has(name) && typeof value === "object" && value !== null) {
      // Read only as `config.scale`: those members, live (the object may change).
      for (const member of members) {
        if (!free.reads.has(`${name}.${member}`)) continue;
        const label = `${kind} '${name}.${member}'${place}`;
        parts.push(new Live(`${name}.${member}`, label, () => hashValue((current() as Record<string, unknown>)[member], label)));
      }
      continue;
    }
    parts.push(bindingPart(name, kind, place, value, stable, current, walk));
  }
  const code = new Fixed("", "code", digest(normalizeSource(source, fold)));
  if (!isClass) return new Combined("", "", "f", [code, ...parts], where);
  const methods = [...analyzed.methods].map(([name, text]) => new Fixed(`#${name}`, `method '${name.replace(/^(static |get |set )+/, "")}'`, digest(normalizeSource(text))));
  const bodyMethods = new Set(analyzed.methods.values());
  return new Combined("", "", "c", [code, ...methods, ...parts, ...classStateParts(fn, bodyMethods)], where);
}

const classInfos = new WeakMap<Function, ClassInfo>();

/** A class's origin and own `#private` fields (computed once per class). */
export function classInfo(ctor: Function): ClassInfo {
  let info = classInfos.get(ctor);
  if (!info) {
    const readable = hasReadableSource(ctor);
    const library = readable && scopesReadable() ? withScripts(() => libraryOf(locate(ctor)?.url ?? "")) : undefined;
    const origin = !readable || library?.startsWith("node:") ? "platform" : library ? "library" : "user";
    const analyzed = readable ? analyzeClass(Function.prototype.toString.call(ctor)) : undefined;
    const { privateFields = [], privateMembers = [] } = analyzed ?? {};
    classInfos.set(ctor, (info = { name: ctor.name, origin, privateFields, privateMembers }));
    remember(ctor);
  }
  return info;
}

/** Classes this process has met (read by node code, or instances hashed or stored), by name. */
const knownClasses = new Map<string, Set<WeakRef<Function>>>();
const remembered = new WeakSet<Function>();

function remember(ctor: Function): void {
  if (remembered.has(ctor) || !/^class\b/.test(Function.prototype.toString.call(ctor))) return;
  remembered.add(ctor);
  let same = knownClasses.get(ctor.name);
  if (!same) knownClasses.set(ctor.name, (same = new Set()));
  same.add(new WeakRef(ctor));
}

/** A class's identity now: what a stored instance carries to find its class again. */
export function classIdentity(ctor: Function): string {
  remember(ctor);
  return functionHash(ctor);
}

/**
 * The live class with this identity: one this process has met, or one a notebook cell declared under
 * that name. Undefined when none matches (the code changed, or the class was never loaded).
 */
export function findClass(name: string, identity: string): Function | undefined {
  const cell = registeredBinding(name)?.value;
  if (typeof cell === "function") remember(cell);
  const same = knownClasses.get(name);
  if (!same) return undefined;
  // Several live classes may have this identity (a cell declaring a class run again, the same code
  // loaded twice): the one a notebook cell declares now, else the one met last, is what code uses now.
  let found: Function | undefined;
  for (const ref of same) {
    const ctor = ref.deref();
    if (!ctor) same.delete(ref);
    else if (functionHash(ctor) === identity) {
      if (ctor === cell) return ctor;
      found = ctor;
    }
  }
  return found;
}

/** Module bindings that cannot change, by script: the next function of that module needs no read of its Module scope. */
const moduleBindings = new Map<string, Map<string, ScopeBinding>>();

function stableModuleBindings(location: CodeLocation): ReadonlyMap<string, ScopeBinding> | undefined {
  return moduleBindings.get(location.scriptId);
}

function rememberModuleBinding(location: CodeLocation, name: string, binding: ScopeBinding): void {
  let known = moduleBindings.get(location.scriptId);
  if (!known) moduleBindings.set(location.scriptId, (known = new Map()));
  known.set(name, binding);
}

function isRead(free: FreeVariables, name: string): boolean {
  if (free.reads.has(name)) return true;
  for (const member of free.members.get(name) ?? []) if (free.reads.has(`${name}.${member}`)) return true;
  return false;
}

/** A binding's part: a function by its identity, a value by content (live unless a fixed primitive). */
function bindingPart(name: string, kind: string, place: string, value: unknown, stable: boolean, current: () => unknown, walk: Walk): Part {
  if (typeof value === "function") remember(value);
  if (stable && typeof value === "function") {
    const identity = identityOf(value, walk);
    // A helper is named where its code is, not where it is read.
    return new Reference(name, labelFor(name, value, kind, identity instanceof Combined ? identity.where : place), identity);
  }
  const label = labelFor(name, value, kind, place);
  if (stable && (typeof value !== "object" || value === null)) return new Fixed(name, label, hashOf(value, label));
  return new Live(name, label, () => hashOf(current(), label));
}

function hashOf(value: unknown, label: string): string {
  return typeof value === "function" ? functionHash(value) : hashValue(value, label);
}

/**
 * A class's statics, and members put on its prototype from outside its body (`Scaler.prototype.apply = …`),
 * now: its body's own methods are already in its source.
 */
function classStateParts(ctor: Function, bodyMethods: ReadonlySet<string>): Part[] {
  const statics = new Live("static", "static fields", () => {
    const keys = Object.keys(ctor);
    if (keys.length === 0) return "none";
    const own: Record<string, unknown> = {};
    for (const key of keys) own[key] = (ctor as unknown as Record<string, unknown>)[key];
    return hashValue(own, `class '${ctor.name}'`);
  });
  // The prototype's members, compared by identity with what they were: hashed again when one changed,
  // or when some were added from outside the body (their own live parts may have changed).
  let seen: unknown[] = [];
  let seenHash = "";
  let added = false;
  const prototype = new Live("prototype", "members added to its prototype", () => {
    const proto = ctor.prototype as object | undefined;
    const now: unknown[] = [];
    for (const key of Reflect.ownKeys(proto ?? {})) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      now.push(key, d.value, d.get, d.set);
    }
    if (added || now.length !== seen.length || now.some((v, i) => v !== seen[i])) {
      seen = now;
      seenHash = addedMembersHash(now, bodyMethods);
      added = seenHash !== NOTHING_ADDED;
    }
    return seenHash;
  });
  return [statics, prototype];
}

const NOTHING_ADDED = digest("");

/** Members of a prototype not written in its class's body (key, value, get, set quadruples). */
function addedMembersHash(members: readonly unknown[], bodyMethods: ReadonlySet<string>): string {
  let text = "";
  for (let i = 0; i < members.length; i += 4) {
    if (members[i] === "constructor") continue;
    const parts = members.slice(i + 1, i + 4).filter((v) => v !== undefined);
    if (parts.every((v) => typeof v === "function" && bodyMethods.has(Function.prototype.toString.call(v)))) continue;
    text += `${String(members[i])}:${parts.map((v) => (typeof v === "function" ? functionHash(v) : hashValue(v))).join(",")};`;
  }
  return digest(text);
}

/** A native function by where the platform defines it; a bound one by its target, `this` and arguments. */
function nativeIdentity(fn: Function, walk: Walk): Part {
  const bound = fn.name.startsWith("bound ") && scopesReadable() ? boundParts(fn) : undefined;
  if (!bound) return new Fixed("", "code", `native:${nativeName(fn)}`);
  const { target, thisArg, args } = bound;
  return new Combined("", "", "bound", [
    new Reference("target", `bound function '${target.name}'`, identityOf(target, walk)),
    new Live("this", "bound this", () => hashOf(thisArg, "bound this")),
    new Live("args", "bound arguments", () => hashValue(args, "bound arguments")),
  ]);
}

let nativeNames: WeakMap<Function, string> | undefined;

/** `Map.prototype.get`, found among the platform's globals; an unknown native by name and length. */
function nativeName(fn: Function): string {
  if (!nativeNames) {
    nativeNames = new WeakMap();
    for (const global of PLATFORM_GLOBALS) {
      const value = (globalThis as Record<string, unknown>)[global];
      if (typeof value === "function" && !nativeNames.has(value)) nativeNames.set(value, global);
      for (const [owner, prefix] of [
        [value, global],
        [(value as { prototype?: unknown } | undefined)?.prototype, `${global}.prototype`],
      ] as const) {
        if ((typeof owner !== "object" && typeof owner !== "function") || owner === null) continue;
        for (const key of Object.getOwnPropertyNames(owner)) {
          const member = Object.getOwnPropertyDescriptor(owner, key)?.value;
          if (typeof member === "function" && !nativeNames.has(member)) nativeNames.set(member, `${prefix}.${key}`);
        }
      }
    }
  }
  return nativeNames.get(fn) ?? `?${fn.name}/${fn.length}`;
}

/** Bindings of one function that some code may assign: read again (one scope read) once per epoch. */
class LiveBindings {
  readonly #names = new Set<string>();
  #epoch = -1;
  #values = new Map<string, ScopeBinding>();

  constructor(readonly fn: Function) {}

  /** Reads `name` live from now on: the reader of its current value. */
  watch(name: string): () => unknown {
    this.#names.add(name);
    return () => this.read(name);
  }

  read(name: string): unknown {
    if (this.#epoch !== epoch) {
      this.#values = readScopes(this.fn, this.#names).bindings;
      this.#epoch = epoch;
    }
    return this.#values.get(name)?.value;
  }
}

/** `helper 'tokenize' (module ./text.js)`, `class 'Scaler'`, `closure variable 'k'`, as explain() says it. */
function labelFor(name: string, value: unknown, kind: string, place: string): string {
  if (typeof value !== "function") return `${kind} '${name}'${place}`;
  return `${/^class\b/.test(Function.prototype.toString.call(value)) ? "class" : "helper"} '${name}'${place}`;
}

const places = new Map<string, string>();

/** ` (module ./text.js)` for a file under the working directory, ` (module /abs/path.js)` otherwise; "" for cells. */
function describeLocation({ url }: CodeLocation): string {
  let place = places.get(url);
  if (place === undefined) places.set(url, (place = placeOf(url)));
  return place;
}

function placeOf(url: string): string {
  if (!url) return "";
  const path = url.startsWith("file:") ? decodeURIComponent(new URL(url).pathname) : url;
  if (!path.startsWith("/")) return "";
  const cwd = process.cwd() + "/";
  return ` (module ${path.startsWith(cwd) ? "./" + path.slice(cwd.length) : path})`;
}

let warnedUnreadable = false;

/** Without an inspector (a Node built without one) only the source counts: said once. */
function unreadableScopes(fn: Function, source: string): Part {
  if (!warnedUnreadable) {
    warnedUnreadable = true;
    warn(
      "This Node.js has no inspector: node functions are hashed by their source only, not by the values they read; list those in `deps`",
      "HYPERNODES_NO_INSPECTOR",
    );
  }
  return new Fixed("", "code", digest(`f|${normalizeSource(source)}|${fn.name}`));
}

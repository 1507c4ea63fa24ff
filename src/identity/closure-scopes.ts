import { Session } from "node:inspector";

/**
 * What JavaScript does not reflect: the variables a function closes over, its module's bindings, where
 * its code is, a bound function's parts. V8's inspector exposes them in-process and synchronously
 * (`Runtime.getProperties` on a function lists its `[[Scopes]]`), so a function's hash can cover the
 * values its code really reads (see ../shared/notes/closure-scopes.md). One Session per thread.
 */

/** A variable some scope of a function binds. */
export interface ScopeBinding {
  readonly value: unknown;
  /** The kind of scope: "closure" (of an enclosing function), "module", "script", "block", "catch", … */
  readonly scope: string;
  /** The enclosing function's name for a closure scope (`make` in `Closure (make)`), else "" (anonymous). */
  readonly owner: string;
}

/** Where a function's code is: its script (url "" for eval and `new Function`) and start position. */
export interface CodeLocation {
  readonly scriptId: string;
  readonly url: string;
  readonly line: number;
  readonly column: number;
}

export interface BoundParts {
  readonly target: Function;
  readonly thisArg: unknown;
  readonly args: readonly unknown[];
}

interface RemoteObject {
  type: string;
  subtype?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
  objectId?: string;
}

interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
}

const GROUP = "hypernodes";
const SLOT = Symbol.for("hypernodes.inspector-slot");
const SLOT_EXPRESSION = `globalThis[Symbol.for("hypernodes.inspector-slot")]`;
const HOLDER_GROUP = "hypernodes-holder";
/** Called on the holder: puts the values passed as arguments into it. */
const HAND_BACK = "function (...values) { this.value = values; }";

let session: Session | null | undefined;
let debuggerOn = false;
let listening = false;
let windowDepth = 0;
const urls = new Map<string, string>();
const scriptIds = new Map<string, string>();

/** The thread's inspector session, or null where this Node has no inspector. */
function connect(): Session | null {
  if (session !== undefined) return session;
  try {
    session = new Session();
    session.connect();
  } catch {
    session = null;
  }
  return session;
}

/** Whether scopes can be read here (Node built with its inspector, which every official build is). */
export function scopesReadable(): boolean {
  return connect() !== null;
}

function post<T>(method: string, params: object): T {
  let result: T | undefined;
  let failure: Error | null = null;
  (connect() as Session).post(method, params, (error, response) => {
    failure = error;
    result = response as T;
  });
  if (failure) throw failure;
  return result as T;
}

/**
 * A plain object the inspector holds an id for (in a group never released): values cross between
 * JavaScript and the inspector through its `value` property, so no expression is compiled per read.
 */
let holder: { value: unknown; id: string } | undefined;

function theHolder(): { value: unknown; id: string } {
  if (!holder) {
    const slots = globalThis as unknown as Record<symbol, unknown>;
    const object = { value: undefined as unknown };
    slots[SLOT] = object;
    try {
      const { result } = post<{ result: RemoteObject }>("Runtime.evaluate", { expression: SLOT_EXPRESSION, objectGroup: HOLDER_GROUP });
      holder = Object.assign(object, { id: result.objectId! });
    } finally {
      delete slots[SLOT];
    }
  }
  return holder;
}

/** Runs `read` with `value` reachable as a RemoteObject id, releasing every id it fetched afterwards. */
function withRemote<T>(value: unknown, read: (objectId: string) => T): T {
  const h = theHolder();
  h.value = value;
  try {
    const remote = properties(h.id).result.find((p) => p.name === "value")!.value!;
    return read(remote.objectId!);
  } finally {
    h.value = undefined;
    post("Runtime.releaseObjectGroup", { objectGroup: GROUP });
  }
}

function properties(objectId: string): { result: PropertyDescriptor[]; internalProperties?: PropertyDescriptor[] } {
  return post("Runtime.getProperties", { objectId, ownProperties: true, objectGroup: GROUP });
}

/** The live values of RemoteObjects, handed back to JavaScript in one call (primitives need none). */
function valuesOf(remotes: readonly RemoteObject[]): unknown[] {
  if (remotes.every((r) => !r.objectId)) return remotes.map(primitiveOf);
  const args = remotes.map((r) =>
    r.objectId ? { objectId: r.objectId } : r.unserializableValue ? { unserializableValue: r.unserializableValue } : { value: r.value },
  );
  const h = theHolder();
  post("Runtime.callFunctionOn", { objectId: h.id, functionDeclaration: HAND_BACK, arguments: args, objectGroup: GROUP });
  const values = h.value as unknown[];
  h.value = undefined;
  return values;
}

/** A primitive RemoteObject's value (`unserializableValue` holds NaN, ±Infinity, -0 and bigints). */
function primitiveOf(remote: RemoteObject): unknown {
  const text = remote.unserializableValue;
  if (text === undefined) return remote.value;
  return text.endsWith("n") ? BigInt(text.slice(0, -1)) : Number(text);
}

const internal = (props: PropertyDescriptor[] | undefined, name: string) => props?.find((p) => p.name === name)?.value;

/**
 * The bindings `names` resolve to from inside `fn` (the innermost scope that declares each, the
 * global scope excepted), and where `fn`'s code is. Names no scope declares are left out: they are
 * globals or undeclared. `known` may supply a module's bindings that cannot have changed since they
 * were read, sparing a read of its whole Module scope (the costliest: every binding of the module).
 */
export function readScopes(
  fn: Function,
  names: ReadonlySet<string>,
  known?: (location: CodeLocation) => ReadonlyMap<string, ScopeBinding> | undefined,
): { bindings: Map<string, ScopeBinding>; location: CodeLocation | undefined } {
  return withRemote(fn, (fnId) => {
    const internals = properties(fnId).internalProperties;
    const location = toLocation(internal(internals, "[[FunctionLocation]]"));
    const bindings = new Map<string, ScopeBinding>();
    const scopesId = internal(internals, "[[Scopes]]")?.objectId;
    if (!scopesId || names.size === 0) return { bindings, location };
    const wanted: { name: string; remote: RemoteObject; scope: string; owner: string }[] = [];
    const found = () => bindings.size + wanted.length;
    for (const scope of properties(scopesId).result) {
      const description = scope.value?.description ?? "";
      if (description === "Global" || !scope.value?.objectId) continue;
      const [, kind = description, owner = ""] = /^(\w+)(?: Block)?(?: \((.*)\))?$/.exec(description) ?? [];
      const missing = [...names].filter((n) => !bindings.has(n) && !wanted.some((w) => w.name === n));
      const cached = kind === "Module" && location ? known?.(location) : undefined;
      if (cached && missing.every((n) => cached.has(n))) {
        for (const n of missing) bindings.set(n, cached.get(n)!);
        break;
      }
      for (const variable of properties(scope.value.objectId).result) {
        if (!missing.includes(variable.name)) continue;
        wanted.push({ name: variable.name, remote: variable.value ?? { type: "undefined" }, scope: kind.toLowerCase(), owner });
      }
      if (found() === names.size) break;
    }
    const values = valuesOf(wanted.map((w) => w.remote));
    wanted.forEach((w, i) => bindings.set(w.name, { value: values[i], scope: w.scope, owner: w.owner }));
    return { bindings, location };
  });
}

/** The target, `this` and leading arguments of a bound function (undefined for any other function). */
export function boundParts(fn: Function): BoundParts | undefined {
  return withRemote(fn, (fnId) => {
    const internals = properties(fnId).internalProperties;
    const target = internal(internals, "[[TargetFunction]]");
    if (!target) return undefined;
    const [targetFn, thisArg, args] = valuesOf([target, internal(internals, "[[BoundThis]]")!, internal(internals, "[[BoundArgs]]")!]);
    return { target: targetFn as Function, thisArg, args: args as unknown[] };
  });
}

/** Where a function's code is (undefined for native functions). */
export function locate(fn: Function): CodeLocation | undefined {
  return withRemote(fn, (fnId) => toLocation(internal(properties(fnId).internalProperties, "[[FunctionLocation]]")));
}

/** The names of an object's `#private` fields (private methods included). */
export function privateNames(obj: object): string[] {
  return withRemote(obj, (id) =>
    (post<{ privateProperties?: PropertyDescriptor[] }>("Runtime.getProperties", { objectId: id, ownProperties: true }).privateProperties ?? []).map(
      (p) => p.name,
    ),
  );
}

/**
 * Runs `body` with script URLs and sources available. The Debugger domain that provides them is
 * enabled only when a script not seen before is asked about, and disabled when the outermost window
 * closes: left on, it slows every `await` in the process about 2.5×. Enabling lists every script
 * again (≈ 10 ms per 400 scripts; the first time also hashes them, ≈ 50–130 ms), so one window
 * should cover a whole walk.
 */
export function withScripts<T>(body: () => T): T {
  windowDepth++;
  try {
    return body();
  } finally {
    if (--windowDepth === 0 && debuggerOn) {
      debuggerOn = false;
      post("Debugger.disable", {});
    }
  }
}

/** The id of the script last loaded from `url`. */
export function scriptIdOf(url: string): string | undefined {
  return withScripts(() => {
    if (!scriptIds.has(url)) enableDebugger();
    return scriptIds.get(url);
  });
}

/** The full text of a script (the module, the notebook cell, the `new Function` body) holding some code. */
export function scriptSource(scriptId: string): string | undefined {
  return withScripts(() => {
    enableDebugger();
    try {
      return post<{ scriptSource: string }>("Debugger.getScriptSource", { scriptId }).scriptSource;
    } catch {
      return undefined; // collected
    }
  });
}

function toLocation(remote: RemoteObject | undefined): CodeLocation | undefined {
  const raw = remote?.value as { scriptId: string; lineNumber: number; columnNumber: number } | undefined;
  if (!raw) return undefined;
  const url = withScripts(() => {
    if (!urls.has(raw.scriptId)) enableDebugger();
    return urls.get(raw.scriptId) ?? "";
  });
  return { scriptId: raw.scriptId, url, line: raw.lineNumber, column: raw.columnNumber };
}

/** Lists every script's URL (again), for the rest of the current window. Pauses are skipped: a `debugger` statement does not stop this thread. */
function enableDebugger(): void {
  if (debuggerOn) return;
  debuggerOn = true;
  if (!listening) {
    listening = true;
    (connect() as Session).on("Debugger.scriptParsed", ({ params }) => {
      urls.set(params.scriptId, params.url);
      if (params.url) scriptIds.set(params.url, params.scriptId);
    });
  }
  // Scripts no longer referenced are not kept for the debugger's sake.
  post("Debugger.enable", { maxScriptsCacheSize: 0 });
  post("Debugger.setSkipAllPauses", { skip: true });
}

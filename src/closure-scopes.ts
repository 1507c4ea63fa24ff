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
const HAND_BACK = `function (...values) { ${SLOT_EXPRESSION} = values; }`;

let session: Session | null | undefined;
let debuggerOn = false;
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

/** Runs `read` with `value` reachable as a RemoteObject id, releasing every id it fetched afterwards. */
function withRemote<T>(value: unknown, read: (objectId: string) => T): T {
  const slots = globalThis as unknown as Record<symbol, unknown>;
  slots[SLOT] = value;
  try {
    const { result } = post<{ result: RemoteObject }>("Runtime.evaluate", { expression: SLOT_EXPRESSION, objectGroup: GROUP });
    return read(result.objectId!);
  } finally {
    delete slots[SLOT];
    post("Runtime.releaseObjectGroup", { objectGroup: GROUP });
  }
}

function properties(objectId: string): { result: PropertyDescriptor[]; internalProperties?: PropertyDescriptor[] } {
  return post("Runtime.getProperties", { objectId, ownProperties: true });
}

/** The live values of RemoteObjects, handed back to JavaScript in one call. */
function valuesOf(anchor: string, remotes: readonly RemoteObject[]): unknown[] {
  if (remotes.length === 0) return [];
  const args = remotes.map((r) =>
    r.objectId ? { objectId: r.objectId } : r.unserializableValue ? { unserializableValue: r.unserializableValue } : { value: r.value },
  );
  post("Runtime.callFunctionOn", { objectId: anchor, functionDeclaration: HAND_BACK, arguments: args, objectGroup: GROUP });
  const slots = globalThis as unknown as Record<symbol, unknown>;
  const values = slots[SLOT] as unknown[];
  delete slots[SLOT];
  return values;
}

const internal = (props: PropertyDescriptor[] | undefined, name: string) => props?.find((p) => p.name === name)?.value;

/**
 * The bindings `names` resolve to from inside `fn` (the innermost scope that declares each, the
 * global scope excepted), and where `fn`'s code is. Names no scope declares are left out: they are
 * globals or undeclared.
 */
export function readScopes(fn: Function, names: ReadonlySet<string>): { bindings: Map<string, ScopeBinding>; location: CodeLocation | undefined } {
  return withRemote(fn, (fnId) => {
    const internals = properties(fnId).internalProperties;
    const location = toLocation(internal(internals, "[[FunctionLocation]]"));
    const bindings = new Map<string, ScopeBinding>();
    const scopesId = internal(internals, "[[Scopes]]")?.objectId;
    if (!scopesId || names.size === 0) return { bindings, location };
    const wanted: { name: string; remote: RemoteObject; scope: string; owner: string }[] = [];
    for (const scope of properties(scopesId).result) {
      const description = scope.value?.description ?? "";
      if (description === "Global" || !scope.value?.objectId) continue;
      const [, kind = description, owner = ""] = /^(\w+)(?: Block)?(?: \((.*)\))?$/.exec(description) ?? [];
      for (const variable of properties(scope.value.objectId).result) {
        if (!names.has(variable.name) || bindings.has(variable.name) || wanted.some((w) => w.name === variable.name)) continue;
        wanted.push({ name: variable.name, remote: variable.value ?? { type: "undefined" }, scope: kind.toLowerCase(), owner });
      }
      if (wanted.length === names.size) break;
    }
    const values = valuesOf(fnId, wanted.map((w) => w.remote));
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
    const [targetFn, thisArg, args] = valuesOf(fnId, [target, internal(internals, "[[BoundThis]]")!, internal(internals, "[[BoundArgs]]")!]);
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

/** The id of the script last loaded from `url`. */
export function scriptIdOf(url: string): string | undefined {
  enableDebugger();
  return scriptIds.get(url);
}

/** The full text of a script (the module, the notebook cell, the `new Function` body) holding some code. */
export function scriptSource(scriptId: string): string | undefined {
  enableDebugger();
  try {
    return post<{ scriptSource: string }>("Debugger.getScriptSource", { scriptId }).scriptSource;
  } catch {
    return undefined; // collected
  }
}

function toLocation(remote: RemoteObject | undefined): CodeLocation | undefined {
  const raw = remote?.value as { scriptId: string; lineNumber: number; columnNumber: number } | undefined;
  if (!raw) return undefined;
  enableDebugger();
  return { scriptId: raw.scriptId, url: urls.get(raw.scriptId) ?? "", line: raw.lineNumber, column: raw.columnNumber };
}

/**
 * Script ids come with a function's location; their URLs only from the Debugger domain, which lists
 * every script once enabled and each new one as it is parsed. It never pauses this thread (pauses are
 * skipped, so a `debugger` statement does not stop it) and keeps no collected script alive.
 */
function enableDebugger(): void {
  if (debuggerOn) return;
  debuggerOn = true;
  const s = connect() as Session;
  s.on("Debugger.scriptParsed", ({ params }) => {
    // The inspector's own evaluations and `new Function` code have no URL: "" is what urls.get defaults to.
    if (!params.url) return;
    urls.set(params.scriptId, params.url);
    scriptIds.set(params.url, params.scriptId);
  });
  post("Debugger.enable", { maxScriptsCacheSize: 0 });
  post("Debugger.setSkipAllPauses", { skip: true });
}

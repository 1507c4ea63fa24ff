import { createRequire } from "node:module";
import { types } from "node:util";

/**
 * Objects whose properties are a module's bindings: ES module namespaces, CommonJS `exports`, and
 * objects a host registers (the notebook kernel registers tslab's cell exports, where a cell's
 * `exports.k` is the `k` an earlier cell declared). A function reading `mod.x` reads the binding `x`:
 * it hashes `x` alone, live, and `mod.x` folds to `x` in its normalised source.
 */

const registered = new Set<object>();
const commonJs = new WeakSet<object>();
const moduleCache = createRequire(import.meta.url).cache;
let scannedModules = -1;

/** Declares an object whose properties are bindings (a notebook's cell exports). */
export function registerModuleObject(object: object): void {
  registered.add(object);
}

/** Forgets a registered module object (the notebook kernel shuts down). */
export function unregisterModuleObject(object: object): void {
  registered.delete(object);
}

/** Whether `value` holds a module's bindings (checked by what it is, never by the name it is read through). */
export function isModuleObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  if (registered.has(value) || types.isModuleNamespaceObject(value)) return true;
  // Module objects that loaders build (vite's SSR modules) carry the namespace's tag.
  if ((value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "Module") return true;
  return isCommonJsExports(value);
}

/** A binding of a registered module object by name (a class a notebook cell declared). */
export function registeredBinding(name: string): { value: unknown } | undefined {
  for (const object of registered) if (Object.hasOwn(object, name)) return { value: (object as Record<string, unknown>)[name] };
  return undefined;
}

function isCommonJsExports(value: object): boolean {
  if (commonJs.has(value)) return true;
  const modules = Object.values(moduleCache);
  if (modules.length === scannedModules) return false;
  scannedModules = modules.length;
  for (const module of modules) {
    const exported: unknown = module?.exports;
    if (typeof exported === "object" && exported !== null) commonJs.add(exported);
  }
  return commonJs.has(value);
}

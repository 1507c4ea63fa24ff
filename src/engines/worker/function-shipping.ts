import { readScopes, scopesReadable, withScripts, type ScopeBinding } from "../../identity/closure-scopes.js";
import { isLanguageGlobal, isPlatformGlobal, hashValue } from "../../identity/code-identity.js";
import { digest } from "../../identity/digest.js";
import { messageOf } from "../../core/errors.js";
import { analyzeFunction, type AnalyzedFunction } from "../../identity/free-variables.js";
import { Node } from "../../core/node.js";
import { importModule, moduleUrl } from "../pipeline-module.js";
import { PipelineNode } from "../../core/pipeline-node.js";
import { Pipeline } from "../../core/pipeline.js";
import { isModuleObject } from "../../identity/module-objects.js";
import { checkRoundTrip } from "../../cache/serialization.js";
import { Stateful } from "../../core/stateful.js";

/**
 * How a function reaches another thread: by where it is exported from (the thread imports the module
 * and follows `path` from its namespace), or by its source with what it reads from outside (helper
 * functions by their source, values by structured clone, tslab's cell objects rebuilt from them).
 */
export type Shipment =
  | { kind: "module"; url: string; path: (string | number)[] }
  | { kind: "source"; main: string; functions: [string, string][]; values: [string, unknown][]; objects: [string, string[]][] };

/** A shipment and its id: a thread loads each id once and keeps the function. */
export interface ShippedFunction {
  id: string;
  code: Shipment;
}

/** Why a function cannot be shipped: the names it reads that cannot be sent (a reason may follow); none when its source cannot be read. */
export interface Refusal {
  unshippable: string[];
}


const changed = (name: string) => `${name} (the function changes it: a worker would change its own copy)`;

const analyses = new WeakMap<Function, AnalyzedFunction | undefined>();

function analyzed(fn: Function): AnalyzedFunction | undefined {
  if (!analyses.has(fn)) analyses.set(fn, analyzeFunction(fn));
  return analyses.get(fn);
}

/**
 * Decides how functions reach worker threads. Functions exported by the given modules (directly, as a
 * node's function, inside an exported pipeline, or as a stateful resource's factory) go by module URL
 * and path; other functions go by source when everything they read from outside can be sent too.
 */
export class FunctionShipper {
  readonly #urls: readonly string[];
  #loading: Promise<Map<Function, ShippedFunction>> | undefined;
  #exported: Map<Function, ShippedFunction> | undefined;

  constructor(modules: readonly (string | URL)[]) {
    this.#urls = modules.map(moduleUrl);
  }

  /** Imports the modules (once) and indexes the functions they export. */
  async load(): Promise<void> {
    this.#exported = await (this.#loading ??= this.#indexModules());
  }

  /** How `fn` reaches a worker, or which names stop it (functions of the modules are known once `load()` resolved). */
  ship(fn: Function): ShippedFunction | Refusal {
    return this.#exported?.get(fn) ?? withScripts(() => shipSource(fn));
  }

  async #indexModules(): Promise<Map<Function, ShippedFunction>> {
    const index = new Map<Function, ShippedFunction>();
    for (const url of this.#urls) {
      const namespace = await importModule(url);
      const seen = new Set<unknown>();
      const add = (fn: unknown, path: (string | number)[]) => {
        if (typeof fn !== "function" || index.has(fn)) return;
        index.set(fn, { id: digest(`module|${url}|${JSON.stringify(path)}`), code: { kind: "module", url, path } });
      };
      const visit = (value: unknown, path: (string | number)[]): void => {
        if (seen.has(value)) return;
        seen.add(value);
        if (value instanceof Node) {
          add(value.func, [...path, "func"]);
          add(value.batch, [...path, "batch"]);
        } else if (value instanceof PipelineNode) visit(value.pipeline, [...path, "pipeline"]);
        else if (value instanceof Pipeline) {
          (value.nodes as readonly unknown[]).forEach((n, i) => visit(n, [...path, "nodes", i]));
          // A stateful resource bound into an exported pipeline: its factory is reached through it.
          for (const [name, bound] of Object.entries(value.boundInputs)) visit(bound, [...path, "boundInputs", name]);
        }
        else if (value instanceof Stateful) add(value.create, [...path, "create"]);
        else add(value, path);
      };
      for (const [name, value] of Object.entries(namespace)) visit(value, [name]);
    }
    return index;
  }
}

/**
 * Ships a function by its source. Each free name must be a platform global, or be bound (read from the
 * function's real scopes) to a function shipped the same way or a value that survives structured
 * clone; a module object's members (tslab's `exports.k`, an import `mod_1.x`) are shipped as bindings
 * and the object rebuilt from them. Everything lands in one scope: two different values under one
 * name refuse the shipment.
 */
function shipSource(fn: Function): ShippedFunction | Refusal {
  const functions: [string, string][] = [];
  const values: [string, unknown][] = [];
  const objects = new Map<string, Set<string>>();
  const unshippable: string[] = [];
  const shipped = new Map<string, unknown>();

  const bind = (name: string, value: unknown, shown: string): void => {
    if (shipped.has(name)) {
      if (shipped.get(name) !== value) unshippable.push(`${shown} (another '${name}' is read too)`);
      return;
    }
    shipped.set(name, value);
    if (typeof value === "function") {
      const helper = analyzed(value);
      if (!helper) return void unshippable.push(`${shown} (its source cannot be shipped)`);
      functions.push([name, helper.expression]);
      return readsOf(value, helper);
    }
    // A thrown Error is compared by identity (`cause === original`): a copy would not be it.
    if (value instanceof Error) return void unshippable.push(`${shown} (an Error would arrive as a copy)`);
    try {
      checkRoundTrip(value, shown);
      values.push([name, value]);
    } catch (error) {
      unshippable.push(`${shown} (${messageOf(error)})`);
    }
  };
  const readsOf = (owner: Function, { free }: AnalyzedFunction): void => {
    if (free.names.has("this") || free.members.has("this")) unshippable.push("this (of the code around the function)");
    const names = new Set([...free.names, ...free.members.keys()].filter((n) => !isLanguageGlobal(n) && n !== "this"));
    if (names.size === 0) return;
    const { bindings } = scopesReadable() ? readScopes(owner, names) : { bindings: new Map<string, ScopeBinding>() };
    for (const name of names) {
      const binding = bindings.get(name);
      if (!binding) {
        if (!isPlatformGlobal(name)) unshippable.push(name);
        continue;
      }
      const members = free.members.get(name);
      if (members && isModuleObject(binding.value)) {
        for (const member of members) {
          if (free.writes.has(`${name}.${member}`)) unshippable.push(changed(member));
          else bind(member, binding.value[member], member);
        }
        objects.set(name, new Set([...(objects.get(name) ?? []), ...members]));
      } else if (typeof binding.value !== "function" && [...free.writes].some((key) => key === name || key.startsWith(`${name}.`))) {
        unshippable.push(changed(name));
      } else bind(name, binding.value, name);
    }
  };

  const main = analyzed(fn);
  if (!main) return { unshippable: [] };
  readsOf(fn, main);
  if (unshippable.length) return { unshippable };
  const cellObjects = [...objects].map(([name, members]): [string, string[]] => [name, [...members]]);
  const code: Shipment = { kind: "source", main: main.expression, functions, values, objects: cellObjects };
  const id = digest(`source|${JSON.stringify([main.expression, functions, cellObjects])}|${hashValue(values.map((v) => v[1]))}`);
  return { id, code };
}

const loaded = new Map<string, Promise<Function>>();

/** The shipped function in this thread, loaded once per id (`code` may be left out once it is). */
export function loadShipped({ id, code }: { id: string; code?: Shipment }): Promise<Function> {
  let fn = loaded.get(id);
  if (!fn) {
    if (!code) throw new Error(`function ${id} was never shipped to this thread`);
    fn = code.kind === "module" ? loadExported(code.url, code.path) : Promise.resolve(evaluate(code));
    loaded.set(id, fn);
  }
  return fn;
}

/** Whether the function with this id is loaded in this thread (else the task must bring its shipment). */
export function isLoaded(id: string): boolean {
  return loaded.has(id);
}

async function loadExported(url: string, path: (string | number)[]): Promise<Function> {
  let value: unknown = await import(url);
  for (const key of path) value = (value as Record<string | number, unknown> | undefined)?.[key];
  if (typeof value !== "function") {
    throw new Error(`${url} has no function at ${path.join(".")} in a worker thread (did the module change on disk?)`);
  }
  return value;
}

/** One scope holding the helpers (so they may call each other), the values and the cell objects. */
function evaluate(code: Extract<Shipment, { kind: "source" }>): Function {
  const body = [
    ...code.functions.map(([name, expression]) => `const ${name} = ${expression};`),
    ...code.objects.map(([name, members]) => `const ${name} = { ${members.join(", ")} };`),
    `return ${code.main};`,
  ].join("\n");
  return new Function(...code.values.map((v) => v[0]), body)(...code.values.map((v) => v[1]));
}

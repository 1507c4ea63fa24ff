import { digest } from "./digest.js";
import { messageOf } from "./errors.js";
import { analyzeFunction, type AnalyzedFunction } from "./free-variables.js";
import { hashValue } from "./hashing.js";
import { Node } from "./node.js";
import { importModule, moduleUrl } from "./pipeline-module.js";
import { PipelineNode } from "./pipeline-node.js";
import { Pipeline } from "./pipeline.js";
import { resolveReference } from "./references.js";
import { checkRoundTrip } from "./serialization.js";
import { Stateful } from "./stateful.js";

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

/** Tells a function's free name that a worker thread also has: the built-in globals (Math, JSON, console, fetch…). */
const isGlobal = (name: string) => name in globalThis;
/** tslab's names for a cell's exports and its imported modules (see code-hash.ts). */
const CELL_OBJECT = /^(exports|[A-Za-z_$][\w$]*_\d+)$/;

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
    return this.#exported?.get(fn) ?? shipSource(fn);
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
 * Ships a function by its source. Each free name must be a global, or resolve through the reference
 * resolver (a notebook's cells) to a function shipped the same way or a value that survives
 * structured clone; tslab's `exports.k` reads `k` that way.
 */
function shipSource(fn: Function): ShippedFunction | Refusal {
  const functions: [string, string][] = [];
  const values: [string, unknown][] = [];
  const objects = new Map<string, Set<string>>();
  const unshippable: string[] = [];
  const bound = new Set<string>();

  const bind = (name: string, shown: string): void => {
    if (bound.has(name)) return;
    bound.add(name);
    const found = resolveReference(name);
    if (!found) return void unshippable.push(shown);
    const { value } = found;
    if (typeof value === "function") {
      const helper = analyzed(value);
      if (!helper) return void unshippable.push(`${shown} (its source cannot be shipped)`);
      functions.push([name, helper.expression]);
      return readsOf(helper);
    }
    try {
      checkRoundTrip(value, shown);
      values.push([name, value]);
    } catch (error) {
      unshippable.push(`${shown} (${messageOf(error)})`);
    }
  };
  const readsOf = ({ free }: AnalyzedFunction): void => {
    for (const name of free.names) if (!isGlobal(name)) bind(name, name);
    for (const [object, members] of free.members) {
      if (isGlobal(object)) continue;
      if (!CELL_OBJECT.test(object)) {
        unshippable.push(object);
        continue;
      }
      for (const member of members) bind(member, object === "exports" ? member : `${object}.${member}`);
      const rebuilt = objects.get(object) ?? new Set();
      objects.set(object, new Set([...rebuilt, ...members]));
    }
  };

  const main = analyzed(fn);
  if (!main) return { unshippable: [] };
  readsOf(main);
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

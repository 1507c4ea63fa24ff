// How a pipeline is found again in another process: by the module that exports it and a path from
// an export down through nested pipeline nodes. Workers import the same module and follow the path.
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { HyperNodesError, messageOf } from "./errors.js";
import { Pipeline } from "./pipeline.js";
import { PipelineNode } from "./pipeline-node.js";

/** An export name, then the names of the nested pipeline nodes down to the pipeline. */
export type PipelinePath = readonly [exportName: string, ...nodeNames: string[]];

type ModuleExports = Record<string, unknown>;

/** A module specifier as a URL: a URL stays as it is, a file path (relative to the working directory) becomes a file URL. */
export function moduleUrl(specifier: string): string {
  const isUrl = /^[a-z][a-z0-9+.-]+:/i.test(specifier); // two letters at least: "C:\…" is a path
  return isUrl ? specifier : pathToFileURL(isAbsolute(specifier) ? specifier : resolve(specifier)).href;
}

export async function importModule(url: string): Promise<ModuleExports> {
  try {
    return (await import(url)) as ModuleExports;
  } catch (error) {
    throw new HyperNodesError(`Cannot load the pipeline module ${url}: ${messageOf(error)}`, { cause: error });
  }
}

/** Where `target` is among the module's exported pipelines (the same object, or nested in one). */
export function findPipeline(exports: ModuleExports, target: Pipeline<any>): PipelinePath | undefined {
  for (const [name, value] of Object.entries(exports)) {
    const within = value instanceof Pipeline ? pathWithin(value, target) : undefined;
    if (within) return [name, ...within];
  }
  return undefined;
}

function pathWithin(pipeline: Pipeline<any>, target: Pipeline<any>): string[] | undefined {
  if (pipeline === target) return [];
  for (const n of pipeline.nodes) {
    const within = n instanceof PipelineNode ? pathWithin(n.pipeline, target) : undefined;
    if (within) return [n.name, ...within];
  }
  return undefined;
}

/** The pipeline at `path` in the module's exports; a clear error when the module has no such thing. */
export function pipelineAt(exports: ModuleExports, path: PipelinePath, url: string): Pipeline<any> {
  const [exportName, ...nodeNames] = path;
  let pipeline = exports[exportName];
  if (!(pipeline instanceof Pipeline)) {
    const exported = Object.keys(exports).filter((k) => exports[k] instanceof Pipeline);
    throw new HyperNodesError(
      `Module ${url} exports no pipeline '${exportName}' (its exported pipelines: ${exported.map((e) => `'${e}'`).join(", ") || "none"})`,
    );
  }
  for (const name of nodeNames) {
    const inner: unknown = (pipeline as Pipeline<any>).nodes.find((n: { name: string }) => n.name === name);
    if (!(inner instanceof PipelineNode)) {
      throw new HyperNodesError(`Pipeline '${path.slice(0, 1 + nodeNames.indexOf(name)).join(" > ")}' of module ${url} has no nested pipeline node '${name}'`);
    }
    pipeline = inner.pipeline;
  }
  return pipeline as Pipeline<any>;
}

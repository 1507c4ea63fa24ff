// How a pipeline is found again in another process: by the module that exports it and a path from
// an export down through nested pipeline nodes. Workers import the same module and follow the path.
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { HyperNodesError, messageOf } from "../core/errors.js";
import type { HyperNode } from "../core/contracts.js";
import { Pipeline } from "../core/pipeline.js";
import { PipelineNode } from "../core/pipeline-node.js";

/** An export name, then the names of the nested pipeline nodes down to the pipeline. */
export type PipelinePath = readonly [exportName: string, ...nodeNames: string[]];

type ModuleExports = Record<string, unknown>;

/** A module specifier as a URL: a URL stays as it is, a file path (relative to the working directory) becomes a file URL. */
export function moduleUrl(specifier: string | URL): string {
  if (specifier instanceof URL) return specifier.href;
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

/**
 * Where `target` is among the module's exported pipelines, or nested in one: the same object, else
 * one with the same name and nodes (the module loaded a second time, e.g. by a notebook's compiler).
 */
export function findPipeline(exports: ModuleExports, target: Pipeline<any>): PipelinePath | undefined {
  for (const matches of [(p: Pipeline<any>) => p === target, (p: Pipeline<any>) => sameNodes(p, target)]) {
    for (const [name, value] of Object.entries(exports)) {
      const within = value instanceof Pipeline ? pathWithin(value, matches) : undefined;
      if (within) return [name, ...within];
    }
  }
  return undefined;
}

function pathWithin(pipeline: Pipeline<any>, matches: (p: Pipeline<any>) => boolean): string[] | undefined {
  if (matches(pipeline)) return [];
  for (const n of pipeline.nodes) {
    const within = n instanceof PipelineNode ? pathWithin(n.pipeline, matches) : undefined;
    if (within) return [n.name, ...within];
  }
  return undefined;
}

function sameNodes(a: Pipeline<any>, b: Pipeline<any>): boolean {
  return a.name === b.name && a.nodes.length === b.nodes.length && a.nodes.every((n: HyperNode, i: number) => n.name === b.nodes[i]!.name && n.codeHash === b.nodes[i]!.codeHash);
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

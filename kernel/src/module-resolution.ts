// Makes `import … from "hypernodes"` work in a cell wherever the notebook is, type-checked.
//
// tslab type-checks cells with TypeScript's Node10 lookup from the notebook's folder and runs them with
// a `require` made for that folder. A notebook outside any project that installs hypernodes (or inside
// this repository, which has no node_modules/hypernodes of its own) finds nothing. So, unless the
// notebook's folder does find an installed hypernodes, the kernel provides its own package: TypeScript
// sees it at <notebook folder>/node_modules/hypernodes (its realpath is our package, so the package's
// own imports resolve from our node_modules, as for a linked package) and `require` falls back to it.
import { existsSync } from "node:fs";
import Module from "node:module";
import { dirname, join, relative, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { packageRoot } from "./package.js";
import { tslab } from "./tslab.js";

const PACKAGE = "hypernodes";

/** Whether Node10 lookup from `dir` finds an installed hypernodes (the notebook's project has its own). */
function installedFrom(dir: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, "node_modules", PACKAGE, "package.json"))) return true;
    if (dirname(at) === at) return false;
  }
}

/** Call before tslab's converter is created: its compiler host binds `sys` methods at creation. */
export function provideHypernodes(notebookDir: string): void {
  if (installedFrom(notebookDir)) return;
  forwardTypeScriptLookup(join(notebookDir, "node_modules", PACKAGE));
  fallBackInRequire();
}

function forwardTypeScriptLookup(virtualRoot: string): void {
  const forward = (path: string) => {
    const rel = relative(virtualRoot, path);
    return rel.startsWith("..") || isAbsolute(rel) ? path : join(packageRoot, rel);
  };
  const sys = tslab.typescript.sys as Record<string, (path: string, ...rest: unknown[]) => unknown>;
  for (const method of ["fileExists", "directoryExists", "readFile", "realpath"]) {
    const original = sys[method];
    sys[method] = function (this: unknown, path, ...rest) {
      return original.call(this, forward(path), ...rest);
    };
  }
}

type ResolveFilename = (request: string, ...rest: unknown[]) => string;

function fallBackInRequire(): void {
  const loader = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request, ...rest) {
    try {
      return original.call(this, request, ...rest);
    } catch (error) {
      if (request !== PACKAGE && !request.startsWith(`${PACKAGE}/`)) throw error;
      try {
        return fileURLToPath(import.meta.resolve(request));
      } catch {
        throw error;
      }
    }
  };
}

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where code comes from. A function of an installed package (under node_modules), of Node itself
 * (`node:` URLs) or of HyperNodes is library code: it is identified by its package and version (and its
 * own source), never walked into, since a package's internals (registries, sockets, caches) are not
 * what a user's node computes with. Everything else (the user's scripts, modules, notebook cells,
 * `new Function` code) is walked: what it reads is hashed.
 */

const packageOfDir = new Map<string, string | null>();
/** HyperNodes' own code: the library's folder (dist/, or src/ when run from source; this module is in identity/) and its kernel's. */
const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const ownDirs = [here + sep, join(here, "..", "kernel", "dist") + sep];

const libraries = new Map<string, string | undefined>();

/** The library a script belongs to (`lodash@4.17.21/sum.js`, `node:fs`), or undefined for user code. */
export function libraryOf(url: string): string | undefined {
  if (!libraries.has(url)) libraries.set(url, findLibrary(url));
  return libraries.get(url);
}

function findLibrary(url: string): string | undefined {
  if (url.startsWith("node:")) return url;
  const path = toPath(url);
  if (path === undefined) return undefined;
  if (ownDirs.some((dir) => path.startsWith(dir))) return `hypernodes@${packageId(here) ?? ""}`;
  if (!path.includes(`${sep}node_modules${sep}`)) return undefined;
  const root = path.slice(0, path.lastIndexOf(`${sep}node_modules${sep}`) + `${sep}node_modules${sep}`.length);
  const id = packageId(dirname(path), root);
  return `${id ?? path.slice(root.length)}/${relative(root, path)}`;
}

function toPath(url: string): string | undefined {
  if (url.startsWith("file:")) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return url.startsWith(sep) ? url : undefined;
}

/** name@version of the nearest package.json at or above `dir` (not above `stop`). */
function packageId(dir: string, stop = "/"): string | undefined {
  const known = packageOfDir.get(dir);
  if (known !== undefined) return known ?? undefined;
  let id: string | undefined;
  const file = join(dir, "package.json");
  if (existsSync(file)) {
    try {
      const { name, version } = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (name) id = `${name}@${version ?? ""}`;
    } catch {
      // An unreadable package.json: look further up.
    }
  }
  const parent = dirname(dir);
  if (id === undefined && parent !== dir && dir.length > stop.length) id = packageId(parent, stop);
  packageOfDir.set(dir, id ?? null);
  return id;
}

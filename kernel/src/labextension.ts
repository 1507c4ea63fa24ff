// Installing the JupyterLab extension (labextension/prebuilt, built by `npm run build`) next to
// the kernel spec: a prebuilt extension is a folder JupyterLab finds under
// `<data dir>/labextensions/<package name>`, which is what a wheel's shared data would install.
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { kernelsDir, type Location } from "./kernelspec.js";
import { packageRoot } from "./package.js";

const PREBUILT = join(packageRoot, "labextension", "prebuilt");

function target(location: Location): string {
  if (!existsSync(join(PREBUILT, "package.json"))) {
    throw new Error(`the JupyterLab extension is not built (${PREBUILT} is missing): run \`npm run build\``);
  }
  const { name } = JSON.parse(readFileSync(join(PREBUILT, "package.json"), "utf8")) as { name: string };
  return join(dirname(kernelsDir(location)), "labextensions", name);
}

/** Copies the prebuilt extension into the location's labextensions folder; returns where. */
export function installLabExtension(location: Location): string {
  const dir = target(location);
  rmSync(dir, { recursive: true, force: true });
  cpSync(PREBUILT, dir, { recursive: true, filter: (source) => !source.endsWith(".inputs-sha1") });
  return dir;
}

/** Removes it; returns its folder, or undefined when it was not installed there. */
export function uninstallLabExtension(location: Location): string | undefined {
  const dir = target(location);
  if (!existsSync(dir)) return undefined;
  rmSync(dir, { recursive: true });
  return dir;
}

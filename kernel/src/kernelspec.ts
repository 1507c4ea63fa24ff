// The "HyperNodes (TypeScript)" kernel spec, and installing it where Jupyter looks: a folder
// `<data dir>/kernels/hypernodes` holding kernel.json and the logos. Written directly (no Python needed)
// with absolute paths: Jupyter starts the kernel from any folder.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { packageRoot, version } from "./package.js";

export const KERNEL_NAME = "hypernodes";

/** Where to install: `user` is Jupyter's per-user data dir; `sys-prefix` is a Python environment's. */
export type Location = { kind: "user" } | { kind: "sys-prefix"; python: string } | { kind: "prefix"; dir: string };

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal";
  metadata: Record<string, unknown>;
}

export function kernelSpec(): KernelSpec {
  return {
    argv: [process.execPath, join(packageRoot, "kernel", "bin", "hypernodes-kernel.js"), "start", "--config-path", "{connection_file}"],
    display_name: "HyperNodes (TypeScript)",
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { hypernodes: { version } },
  };
}

/** The `kernels` folder Jupyter searches for this location. */
export function kernelsDir(location: Location): string {
  switch (location.kind) {
    case "user":
      return join(jupyterDataDir(), "kernels");
    case "sys-prefix":
      return join(pythonSysPrefix(location.python), "share", "jupyter", "kernels");
    case "prefix":
      return join(resolve(location.dir), "share", "jupyter", "kernels");
  }
}

/** Writes the spec; returns its folder. */
export function install(location: Location): string {
  const dir = join(kernelsDir(location), KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(), null, 2) + "\n");
  const logos = join(packageRoot, "kernel", "kernelspec");
  for (const file of readdirSync(logos)) copyFileSync(join(logos, file), join(dir, file));
  return dir;
}

/** Removes the spec; returns its folder, or undefined when it was not installed there. */
export function uninstall(location: Location): string | undefined {
  const dir = join(kernelsDir(location), KERNEL_NAME);
  if (!existsSync(dir)) return undefined;
  rmSync(dir, { recursive: true });
  return dir;
}

/** Jupyter's per-user data dir, as jupyter_core's jupyter_data_dir() computes it. */
function jupyterDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return resolve(process.env.JUPYTER_DATA_DIR);
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(process.env.APPDATA ?? homedir(), "jupyter");
  return join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

/** The sys.prefix of the Python environment Jupyter is installed in; throws a clear error when there is none. */
function pythonSysPrefix(python: string): string {
  const run = spawnSync(python, ["-c", "import sys, jupyter_core; print(sys.prefix)"], { encoding: "utf8" });
  if (run.error) {
    throw new Error(`--sys-prefix installs into a Python environment, but \`${python}\` could not be run (${run.error.message}). Pass --python PATH, or use --user or --prefix DIR.`);
  }
  if (run.status !== 0) {
    throw new Error(`Jupyter is not installed in \`${python}\` (it cannot import jupyter_core). Install JupyterLab there (pip install jupyterlab), pass --python PATH, or use --user or --prefix DIR.`);
  }
  return run.stdout.trim();
}

/** Whether a Jupyter installation is around (for a hint after a --user install; not required to install). */
export function jupyterFound(python: string): boolean {
  const ok = (command: string, args: string[]) => spawnSync(command, args, { stdio: "ignore" }).status === 0;
  return ok("jupyter", ["--paths"]) || ok(python, ["-c", "import jupyter_core"]);
}

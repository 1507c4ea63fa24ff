// Finds an installed kernel spec by name, searching the directories Jupyter searches, in its order
// (jupyter_core.paths.jupyter_path without the Python environment's sys.prefix, which we cannot know).
import { readFile, readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KERNEL_NAME, kernelSpec } from "./kernelspec.js";
import { packageRoot } from "./package.js";

/** kernel.json: https://jupyter-client.readthedocs.io/en/latest/kernels.html#kernel-specs */
export interface KernelSpecFile {
  argv: string[];
  display_name: string;
  language?: string;
  env?: Record<string, string>;
  interrupt_mode?: "signal" | "message";
  metadata?: Record<string, unknown>;
}

export interface KernelSpec {
  name: string;
  /** The spec's folder, substituted for `{resource_dir}` in argv. */
  resourceDir: string;
  spec: KernelSpecFile;
}

/** No spec of that name, or an unusable kernel.json. */
export class KernelSpecError extends Error {
  override name = "KernelSpecError";
}

function jupyterDataDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.JUPYTER_PATH ?? "").split(delimiter).filter(Boolean);
  return [...fromEnv, userDataDir(env), ...systemDataDirs(env)];
}

/** An installed spec wins, as in Jupyter; `hypernodes` falls back to this package's own kernel. */
export async function findKernelSpec(name: string, env: NodeJS.ProcessEnv = process.env): Promise<KernelSpec> {
  const wanted = name.toLowerCase(); // Jupyter's kernel names are case-insensitive
  const dirs = jupyterDataDirs(env);
  for (const dir of dirs) {
    const resourceDir = join(dir, "kernels", wanted);
    const file = join(resourceDir, "kernel.json");
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text === undefined) continue;
    let spec: KernelSpecFile;
    try {
      spec = JSON.parse(text);
    } catch (error) {
      throw new KernelSpecError(`${file}: ${(error as Error).message}`);
    }
    if (!Array.isArray(spec.argv) || spec.argv.length === 0) throw new KernelSpecError(`${file} has no argv`);
    return { name: wanted, resourceDir, spec };
  }
  // Our own kernel needs no install: a fresh checkout (`npm ci && npm run demo`, CI) runs notebooks on it.
  if (wanted === KERNEL_NAME) return { name: wanted, resourceDir: join(packageRoot, "kernel", "kernelspec"), spec: kernelSpec() };
  const available = await installedNames(dirs);
  throw new KernelSpecError(
    `no kernel spec named '${name}' in ${dirs.map((d) => join(d, "kernels")).join(", ")}` +
      (available.length ? ` (found: ${available.join(", ")})` : ""),
  );
}

function userDataDir(env: NodeJS.ProcessEnv): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(env.APPDATA ?? homedir(), "jupyter");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

function systemDataDirs(env: NodeJS.ProcessEnv): string[] {
  if (process.platform === "win32") return env.PROGRAMDATA ? [join(env.PROGRAMDATA, "jupyter")] : [];
  return ["/usr/local/share/jupyter", "/usr/share/jupyter"];
}

async function installedNames(dirs: string[]): Promise<string[]> {
  const names = await Promise.all(dirs.map((dir) => readdir(join(dir, "kernels")).catch(() => [])));
  return [...new Set(names.flat())].sort();
}

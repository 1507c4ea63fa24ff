// `hypernodes-kernel install|uninstall|start`: installs the HyperNodes (TypeScript) kernel spec and
// the JupyterLab extension for Jupyter, or runs the kernel (what the spec's argv does).
import { parseArgs } from "node:util";
import { install, jupyterFound, KERNEL_NAME, kernelsDir, uninstall, type Location } from "./kernelspec.js";
import { installLabExtension, uninstallLabExtension } from "./labextension.js";

const USAGE = `Usage: hypernodes-kernel <command>

  install [--user | --sys-prefix [--python PATH] | --prefix DIR]
      Installs the "HyperNodes (TypeScript)" kernel spec (kernel name "${KERNEL_NAME}") and the
      JupyterLab 4 extension (in the labextensions folder next to the kernels folder).
      --user (the default)  Jupyter's per-user data dir, e.g. ~/.local/share/jupyter/kernels
                            (also for root: Jupyter always searches the user's dir).
      --sys-prefix          The Python environment Jupyter runs in: <sys.prefix>/share/jupyter/kernels
                            (sys.prefix of --python, default python3).
      --prefix DIR          DIR/share/jupyter/kernels (Jupyter finds it when DIR is its sys.prefix,
                            /usr/local or /usr, or with JUPYTER_PATH=DIR/share/jupyter).
  uninstall [same location options]
      Removes the spec and the extension from that location.
  start --config-path FILE
      Runs the kernel on a Jupyter connection file (what Jupyter runs).
`;

export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case "install": {
        const location = parseLocation(args);
        const dir = install(location);
        console.log(`Installed the HyperNodes (TypeScript) kernel spec in ${dir}`);
        console.log(`Installed the HyperNodes JupyterLab extension in ${installLabExtension(location)}`);
        if (location.kind === "user" && !jupyterFound(defaultPython())) {
          console.log("Note: Jupyter was not found; install JupyterLab (pip install jupyterlab) to use the kernel.");
        }
        return;
      }
      case "uninstall": {
        const location = parseLocation(args);
        const dir = uninstall(location);
        console.log(dir ? `Removed ${dir}` : `No ${KERNEL_NAME} kernel spec in ${kernelsDir(location)}`);
        const extension = uninstallLabExtension(location);
        if (extension) console.log(`Removed ${extension}`);
        return;
      }
      case "start": {
        const { values } = parseArgs({ args, options: { "config-path": { type: "string" } } });
        if (!values["config-path"]) throw new Error("start needs --config-path FILE (a Jupyter connection file)");
        // Loaded only here: it loads TypeScript, which install and uninstall do not need.
        const { startKernel } = await import("./launcher.js");
        await startKernel(values["config-path"]);
        return;
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return;
      default:
        throw new Error(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    }
  } catch (error) {
    console.error(`hypernodes-kernel: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    // A kernel that failed to start exits, whatever it had opened (the sockets bound before one failed):
    // Jupyter waits for a kernel until it answers or dies.
    if (command === "start") process.exit();
  }
}

function parseLocation(args: string[]): Location {
  const { values } = parseArgs({
    args,
    options: {
      user: { type: "boolean" },
      "sys-prefix": { type: "boolean" },
      prefix: { type: "string" },
      python: { type: "string" },
    },
  });
  const chosen = [values.user, values["sys-prefix"], values.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new Error("choose one of --user, --sys-prefix and --prefix DIR");
  if (values.python && !values["sys-prefix"]) throw new Error("--python applies to --sys-prefix only");
  if (values["sys-prefix"]) return { kind: "sys-prefix", python: values.python ?? defaultPython() };
  if (values.prefix !== undefined) return { kind: "prefix", dir: values.prefix };
  return { kind: "user" };
}

function defaultPython(): string {
  return process.platform === "win32" ? "python" : "python3";
}

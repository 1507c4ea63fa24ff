// `hypernodes-run NOTEBOOK [-o OUT] [--kernel NAME] [--timeout SECONDS]`: runs a notebook headless.
// Exit codes: 0 every cell ran, 1 a cell failed (or the kernel did not start), 2 bad usage, 130 interrupted.
import { dirname, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { findKernelSpec } from "./find-kernelspec.js";
import { KERNEL_NAME } from "./kernelspec.js";
import { readNotebook, writeNotebook } from "./notebook-file.js";
import { runNotebook, type CellFailure, type RunResult } from "./runner.js";

const USAGE = `Usage: hypernodes-run NOTEBOOK.ipynb [-o OUT.ipynb] [--kernel NAME] [--timeout SECONDS]

Runs every code cell of the notebook on a Jupyter kernel (working directory: the notebook's folder) and
writes outputs and execution counts into it. Stops at the first failing cell and exits with 1. Ctrl-C
interrupts the running cell as Jupyter's Interrupt does, writes its error into the notebook and exits
with 130; a second Ctrl-C stops at once.

  -o, --output FILE    write the executed notebook there instead of in place
  --kernel NAME        kernel spec, looked up as Jupyter does (JUPYTER_PATH first); default: hypernodes,
                       this package's own kernel when no spec of that name is installed
  --timeout SECONDS    limit per cell (default: 600; 0: none)
  -h, --help           show this help`;

const DEFAULT_CELL_TIMEOUT_S = 600;

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o" },
        kernel: { type: "string", default: KERNEL_NAME },
        timeout: { type: "string", default: String(DEFAULT_CELL_TIMEOUT_S) },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usageError("expected exactly one notebook");
  const timeoutS = Number(values.timeout);
  if (!(timeoutS >= 0)) return usageError(`--timeout must be a number of seconds, got '${values.timeout}'`);

  const input = resolve(positionals[0]!);
  const output = resolve(values.output ?? input);
  let notebook, kernel;
  try {
    notebook = await readNotebook(input);
    kernel = await findKernelSpec(values.kernel);
  } catch (error) {
    console.error(`hypernodes-run: ${(error as Error).message}`);
    return 2;
  }

  // Ctrl-C interrupts the running cell as in Jupyter; a second one, or SIGTERM, stops at once. Handled
  // (not `once`) so no signal kills the runner before it has stopped the kernel.
  const interrupted = new AbortController();
  const stopped = new AbortController();
  const onInterrupt = () => {
    if (interrupted.signal.aborted) return stopped.abort();
    console.error("hypernodes-run: interrupting the running cell (Ctrl-C again to stop at once)");
    interrupted.abort();
  };
  const onTerminate = () => stopped.abort();
  process.on("SIGINT", onInterrupt).on("SIGTERM", onTerminate);
  const exitCode = (failed: boolean) => (interrupted.signal.aborted || stopped.signal.aborted ? 130 : failed ? 1 : 0);
  try {
    const result = await runNotebook(notebook, {
      kernel,
      cwd: dirname(input),
      cellTimeoutMs: timeoutS * 1000,
      interrupt: interrupted.signal,
      signal: stopped.signal,
    });
    await writeNotebook(output, notebook);
    if (result.failure) printFailure(result.failure);
    console.log(summary(result, output));
    return exitCode(Boolean(result.failure));
  } catch (error) {
    console.error(`hypernodes-run: ${(error as Error).message}`);
    return exitCode(true);
  } finally {
    process.off("SIGINT", onInterrupt).off("SIGTERM", onTerminate);
  }
}

function usageError(message: string): number {
  console.error(`hypernodes-run: ${message}\n\n${USAGE}`);
  return 2;
}

function printFailure({ cellIndex, cellId, firstLine, ename, evalue, traceback }: CellFailure): void {
  const details = traceback.length ? traceback.join("\n") : ename ? `${ename}: ${evalue}` : evalue;
  console.error(`hypernodes-run: cell ${cellIndex} (id ${cellId}) failed: ${firstLine}\n${details}`);
}

function displayPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith("..") ? path : fromHere;
}

function summary({ cellsRun, codeCells, startupMs, elapsedMs, failure, stats, interrupted }: RunResult, output: string): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const stoppedAt = failure ? ` at cell ${failure.cellIndex}` : "";
  const outcome = interrupted ? `interrupted${stoppedAt} after` : failure ? `stopped${stoppedAt} after` : "ran";
  const nodes = stats ? `; ${stats.executed} node executions, ${stats.cached} cache hits` : "";
  return (
    `hypernodes-run: ${outcome} ${cellsRun} of ${codeCells} code cells in ${seconds(elapsedMs)} ` +
    `(kernel start ${seconds(startupMs)})${nodes}; wrote ${displayPath(output)}`
  );
}

// Starts the HyperNodes kernel: tslab's TypeScript converter and executor (what tslab's own
// startKernel assembles), behind our implementation of the messaging protocol.
import { installCellApi, CELL_DECLARATIONS } from "./cell-api.js";
import { CellOutcome } from "./cell-outcome.js";
import { CommRegistry } from "./comms.js";
import { registerHypernodesTarget } from "./hypernodes-comm.js";
import { IOPub } from "./iopub.js";
import { Kernel } from "./kernel.js";
import { logError, logWarning } from "./log.js";
import { configureNotebookDefaults } from "./notebook-defaults.js";
import { provideHypernodes } from "./module-resolution.js";
import { CellOutput } from "./output.js";
import { version } from "./package.js";
import { KernelSockets, readConnectionFile } from "./sockets.js";
import { tslab, type Converter, type ConverterSet } from "./tslab.js";
import { Session } from "./wire.js";
import { showWarningsInCells } from "./warnings.js";

/** Name of the in-memory module holding CELL_DECLARATIONS (next to the notebook, never written to disk). */
const DECLARATIONS_MODULE = "__hypernodes_kernel__";

export async function startKernel(connectionFile: string): Promise<void> {
  const info = readConnectionFile(connectionFile);
  // The spec allows it (a kernel only the local user reaches), but it should not go unnoticed.
  if (!info.key) logWarning(`the connection file ${connectionFile} has an empty key: messages are not signed, anyone who can reach the ports can run code`);
  // Jupyter starts a kernel in the notebook's folder: cells resolve imports from there.
  const notebookDir = process.cwd();
  provideHypernodes(notebookDir);

  const converters = lazyConverters();
  const declarationErrors = converters.node.addModule(DECLARATIONS_MODULE, CELL_DECLARATIONS);
  if (declarationErrors.length) logError("cell declarations", declarationErrors.map((d) => d.messageText).join("\n"));
  const outcome = new CellOutcome();
  const executor = tslab.executor.createExecutor(notebookDir, converters, outcome);

  const sockets = await KernelSockets.bind(info);
  const session = new Session(info.key);
  const iopub = new IOPub(sockets, session);
  const output = new CellOutput(iopub);
  const comms = new CommRegistry((type, content, parent, buffers) => iopub.publish(type, content, parent, buffers), () => output.parent);
  installCellApi(output, comms);
  // After the cell API: the default ProgressCallback finds the kernel's display there.
  const notebook = configureNotebookDefaults(notebookDir, executor.locals);
  registerHypernodesTarget(comms, version, notebook);
  // tslab's public `display` API (`import * as tslab from "tslab"` in a cell) writes through this.
  tslab.jupyter.lastWriteDisplayData = (content, update) => output.display(content, update);
  output.captureStdio();
  showWarningsInCells(output);

  const kernel = new Kernel({
    session,
    sockets,
    iopub,
    output,
    executor,
    outcome,
    comms,
    version,
    abortPipelineCalls: () => notebook.interrupt(),
    onShutdown: () => {
      executor.close();
      void sockets.close().finally(() => process.exit(0));
    },
  });
  kernel.listen();
  kernel.preload(PRELOAD);

  // Jupyter interrupts a kernel with SIGINT (interrupt_mode "signal"), or an interrupt_request on
  // control: abort the pipeline calls in progress and stop the running cell, not the kernel.
  process.on("SIGINT", () => kernel.interrupt());
  // Errors from work a cell left running are shown in the current cell (stderr now goes there).
  process.on("uncaughtException", (error) => console.error("Uncaught exception:", error));
  process.on("unhandledRejection", (reason) => console.error("Unhandled promise rejection:", reason));
}

/** Converters are created on first use, as tslab does: the browser one only for `//%browser` cells. */
function lazyConverters(): ConverterSet {
  const created: { node?: Converter; browser?: Converter } = {};
  return {
    get node() {
      return (created.node ??= tslab.converter.createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (created.browser ??= tslab.converter.createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      created.node?.close();
      created.browser?.close();
    },
  };
}

/**
 * The hidden first cell: loads hypernodes, and type-checks (never runs, declaring nothing) a typical
 * use of it, so the type checker's first pass over its declarations is not paid by the first cell
 * that uses it (~50 ms here).
 */
const PRELOAD = `import "hypernodes";
void (async () => {
  const { node, Pipeline } = await import("hypernodes");
  const pipeline = new Pipeline({ nodes: [node((x: number) => x + 1, { outputName: "y" })] });
  return [(await pipeline.run({ x: 1 })).y, await pipeline.map({ x: [1] }, { mapOver: "x" })];
});`;

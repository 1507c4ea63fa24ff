// What code running in cells sees of the kernel: a global `display(value)`, and for libraries (such as
// hypernodes' live progress, or comm targets for the JupyterLab extension) the kernel object at
// `globalThis[KERNEL_GLOBAL]`, as the notebook protocol (hypernodes/browser) describes it.
import { KERNEL_GLOBAL, type DisplayOptions, type NotebookKernel } from "hypernodes/browser";
import type { CommRegistry } from "./comms.js";
import { mimeBundle } from "./mime-bundle.js";
import type { CellOutput } from "./output.js";

/** Type declarations for cells, added to every cell's program so that `display(x)` type-checks. */
export const CELL_DECLARATIONS = `declare global {
  /** Shows a value in the notebook: its MIME bundle when it has one (a hypernodes Pipeline draws its DAG), otherwise its text. */
  function display(value: unknown, options?: { displayId?: string; update?: boolean }): Promise<void>;
}`;

export function installCellApi(output: CellOutput, comms: CommRegistry): void {
  // A cell need not await it: the cell's reply waits for the display, so the output still belongs to the cell.
  const display = (value: unknown, { displayId, update = false }: DisplayOptions = {}): Promise<void> =>
    output.display(
      mimeBundle(value).then((data) => ({ data, metadata: {}, transient: displayId ? { display_id: displayId } : {} })),
      update,
    );
  const api: NotebookKernel = { display, comms };
  Object.assign(globalThis, { display, [KERNEL_GLOBAL]: api });
}

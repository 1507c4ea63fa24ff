// How the library finds the HyperNodes notebook kernel it runs in (live progress, live DAG status).

/** What the HyperNodes notebook kernel offers libraries (see kernel/src/cell-api.ts). */
export interface NotebookKernel {
  display(value: unknown, options?: { displayId?: string; update?: boolean }): Promise<void>;
}

/** The kernel's API when running in a HyperNodes notebook, else undefined. */
export function notebookKernel(): NotebookKernel | undefined {
  return (globalThis as Record<symbol, NotebookKernel | undefined>)[Symbol.for("hypernodes.kernel")];
}

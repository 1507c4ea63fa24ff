// What makes a notebook a HyperNodes environment without setup: pipelines cache to a DiskCache in
// `.hypernodes/` next to the notebook (a kernel restart keeps every result), show live progress, and
// the cells' exports are a module object: a function reading `exports.k` (tslab's form of a name an
// earlier cell declared) hashes as reading `k`, so it hashes the same pasted into any cell. Configured
// on the hypernodes instance cells load.
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as Hypernodes from "hypernodes";
import type { SessionStats } from "hypernodes/browser";

/** The session as the lab panel sees it (through the hypernodes comm). */
export interface NotebookSession {
  hypernodes: typeof Hypernodes;
  stats(): SessionStats;
  /** The pipelines held by the cells' variables, by variable name. */
  pipelines(): Map<string, Hypernodes.Pipeline<any>>;
  /** Inputs of a pipeline's last `run` (by pipeline id): what `explain` assumes the next run gets. */
  lastInputs: Map<string, Record<string, unknown>>;
  /** The default cache folder. */
  cacheDir: string;
  /** The notebook's DiskCache in it: the one its pipelines use by default, made on first use. */
  cache(): Hypernodes.DiskCache;
  /** Aborts every pipeline call in progress (Interrupt): they reject with an AbortError saying how far they got. */
  interrupt(): void;
}

export function configureNotebookDefaults(notebookDir: string, cellLocals: Record<string, unknown>): NotebookSession {
  // The copy cells get from `import … from "hypernodes"` (the notebook's project's own, or ours).
  const hypernodes = createRequire(join(notebookDir, "notebook.ts"))("hypernodes") as typeof Hypernodes;
  const stats: SessionStats = { executed: 0, cached: 0 };
  const lastInputs = new Map<string, Record<string, unknown>>();
  const tally = Object.assign(new (class extends hypernodes.PipelineCallback {})(), {
    onNodeEnd: () => void stats.executed++,
    onNodeCached: () => void stats.cached++,
    onPipelineStart: (id: string, inputs: Record<string, unknown>, ctx: Hypernodes.CallbackContext) => {
      if (ctx.depth === 0) lastInputs.set(id, inputs);
    },
    // A map's inputs hold whole lists: only a run's inputs say what one run gets.
    onMapStart: (_: number, ctx: Hypernodes.CallbackContext) => {
      if (ctx.depth === 0) lastInputs.delete(ctx.pipelineId);
    },
  });
  const cacheDir = join(notebookDir, ".hypernodes");
  // One for the session: a DiskCache per panel request would add a listener to the shared SQLite store each time.
  let cache: Hypernodes.DiskCache | undefined;
  const notebookCache = () => (cache ??= new hypernodes.DiskCache({ path: cacheDir }));
  // Every call gets the current signal; Interrupt aborts it and later calls get a fresh one.
  let calls = new AbortController();
  hypernodes.setPipelineDefaults({
    cache: notebookCache,
    callbacks: [new hypernodes.ProgressCallback(), tally],
    signal: () => calls.signal,
  });
  hypernodes.registerModuleObject(cellLocals);
  return {
    hypernodes,
    stats: () => ({ ...stats }),
    pipelines: () =>
      new Map(
        Object.entries(cellLocals).filter((e): e is [string, Hypernodes.Pipeline<any>] => e[1] instanceof hypernodes.Pipeline),
      ),
    lastInputs,
    cacheDir,
    cache: notebookCache,
    interrupt() {
      // No stack: where the signal arrived (process.emit) tells the reader nothing.
      const reason = Object.assign(new Error("the kernel was interrupted"), { name: "KeyboardInterrupt" });
      reason.stack = `${reason.name}: ${reason.message}`;
      calls.abort(reason);
      calls = new AbortController();
    },
  };
}

// What makes a notebook a HyperNodes environment without setup: pipelines cache to a DiskCache in
// `.hypernodes/` next to the notebook (a kernel restart keeps every result), show live progress, and
// node functions hash the helpers and constants they read from other cells (editing one in its cell
// invalidates exactly the nodes that read it). Configured on the hypernodes instance cells load.
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as Hypernodes from "hypernodes";

/** Node executions and cache hits of the session's pipelines (for the runner's summary and the lab panel). */
export interface SessionStats {
  executed: number;
  cached: number;
}

/** Configures the defaults; returns a reader of the session's stats. */
export function configureNotebookDefaults(notebookDir: string, cellLocals: Record<string, unknown>): () => SessionStats {
  // The copy cells get from `import … from "hypernodes"` (the notebook's project's own, or ours).
  const hypernodes = createRequire(join(notebookDir, "notebook.ts"))("hypernodes") as typeof Hypernodes;
  const stats: SessionStats = { executed: 0, cached: 0 };
  const tally = Object.assign(new (class extends hypernodes.PipelineCallback {})(), {
    onNodeEnd: () => void stats.executed++,
    onNodeCached: () => void stats.cached++,
  });
  hypernodes.setPipelineDefaults({
    cache: () => new hypernodes.DiskCache({ path: join(notebookDir, ".hypernodes") }),
    callbacks: [new hypernodes.ProgressCallback(), tally],
  });
  hypernodes.setReferenceResolver((name) => (name in cellLocals ? { value: cellLocals[name] } : undefined));
  return () => ({ ...stats });
}

// The "hypernodes" comm target: what the JupyterLab side panel and the headless runner talk to.
// Each message `{ request, id?, ... }` gets one answer echoing `id`:
//   ping                → { pong: true, version }   (tells a client it is on our kernel)
//   stats               → { stats: { executed, cached }, cache: { entries, bytes, dir } | null }
//   pipelines           → { pipelines: [{ name, id, nodes, inputs, outputs, lastRun }] } (cells' variables)
//   dag { name }        → { dag }: the pipeline's dag+json data, every nested pipeline expandable
//   explain { name, inputs? } → { explain, inputs }: what the next run would recompute and why
//                         (inputs default to the pipeline's last run's)
//   clear { name? }     → { cleared: entries removed }: the named pipeline's entries
//                         (pipeline.clearCache()), or without a name the notebook's cache and every
//                         session pipeline's own, emptied (each drops its in-memory layer too)
// Failures answer { error }.
import type { Cache, NodeExplanation, Pipeline } from "hypernodes";
import type { CommRegistry } from "./comms.js";
import type { NotebookSession } from "./notebook-defaults.js";

export const HYPERNODES_TARGET = "hypernodes";

type Message = { request?: unknown; id?: unknown; name?: unknown; inputs?: unknown };

export function registerHypernodesTarget(comms: CommRegistry, version: string, session: NotebookSession): void {
  comms.registerTarget(HYPERNODES_TARGET, (comm) => {
    // Returning the answer's promise keeps the kernel busy until it is sent: clients may wait for idle.
    comm.onMsg((data) => {
      const message = (data ?? {}) as Message;
      const reply = (answer: object) => comm.send(message.id === undefined ? answer : { ...answer, id: message.id });
      return answer(session, version, message).then(reply, (error: unknown) =>
        reply({ error: error instanceof Error ? error.message : String(error) }),
      );
    });
  });
}

async function answer(session: NotebookSession, version: string, message: Message): Promise<object> {
  switch (message.request) {
    case "ping":
      return { pong: true, version };
    case "stats":
      return { stats: session.stats(), cache: await cacheStats(session) };
    case "pipelines":
      return {
        pipelines: [...session.pipelines()].map(([name, p]) => ({
          name,
          id: p.id,
          nodes: p.nodes.length,
          inputs: p.rootArgs,
          outputs: [...p.graph.availableOutputNames],
          lastRun: session.lastInputs.has(p.id),
        })),
      };
    case "dag":
      return { dag: pipelineNamed(session, message.name).visualize({ depth: 1 }).mimeData() };
    case "explain": {
      const pipeline = pipelineNamed(session, message.name);
      const inputs = (message.inputs as Record<string, unknown> | undefined) ?? session.lastInputs.get(pipeline.id);
      if (!inputs) throw new Error(`'${String(message.name)}' has not been run in this session: give the inputs to explain`);
      const explain: NodeExplanation[] = await pipeline.explain(inputs);
      return { explain, inputs: Object.keys(inputs) };
    }
    case "clear":
      return { cleared: message.name === undefined ? await clear(session) : await pipelineNamed(session, message.name).clearCache() };
    default:
      throw new Error(`unknown request ${JSON.stringify(message.request)}`);
  }
}

function pipelineNamed(session: NotebookSession, name: unknown): Pipeline<any> {
  const pipeline = session.pipelines().get(String(name));
  if (!pipeline) throw new Error(`no pipeline named '${String(name)}' in this session's cells`);
  return pipeline;
}

async function cacheStats(session: NotebookSession) {
  const { entries, bytes } = await notebookCache(session).stats();
  return { entries, bytes, dir: session.cacheDir };
}

async function clear(session: NotebookSession): Promise<number> {
  const caches = new Set([notebookCache(session), ...[...session.pipelines().values()].map((p) => p.cache)]);
  // Entries removed: each store counted once (DiskCaches on one file share it).
  const stores = new Map<unknown, Cache>();
  for (const cache of caches) if (cache) stores.set((cache as { file?: string }).file ?? cache, cache);
  let removed = 0;
  for (const cache of stores.values()) removed += (await (cache as { stats?: () => Promise<{ entries: number }> }).stats?.())?.entries ?? 0;
  for (const cache of caches) await cache?.clear();
  return removed;
}

/** The notebook's DiskCache (one SQLite connection per file per process: this shares the pipelines'). */
function notebookCache(session: NotebookSession) {
  return new session.hypernodes.DiskCache({ path: session.cacheDir });
}

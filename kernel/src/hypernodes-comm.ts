// The "hypernodes" comm target: what the JupyterLab side panel and the headless runner talk to. Its
// requests and answers are the notebook protocol's (CommRequest, CommAnswers in hypernodes/browser):
// each message `{ request, id?, ... }` gets one answer echoing `id`, a failure answers `{ error }`.
import type { Cache, Pipeline } from "hypernodes";
import { HYPERNODES_COMM_TARGET, type CommAnswers, type CommRequestName } from "hypernodes/browser";
import type { CommRegistry } from "./comms.js";
import type { NotebookSession } from "./notebook-defaults.js";

/** A message as it arrives: checked here, whatever the client sent. */
type Message = { request?: unknown; id?: unknown; name?: unknown; inputs?: unknown };

/** Requests answered while a cell runs: they only read, so the panel shows a long map's live numbers. */
const DURING_CELL: ReadonlySet<unknown> = new Set<CommRequestName>(["ping", "stats", "pipelines", "dag", "explain"]);

export function registerHypernodesTarget(comms: CommRegistry, version: string, session: NotebookSession): void {
  const duringCell = (data: unknown) => DURING_CELL.has((data as Message | null)?.request);
  comms.registerTarget(HYPERNODES_COMM_TARGET, (comm) => {
    // Returning the answer's promise keeps the kernel busy until it is sent: clients may wait for idle.
    comm.onMsg((data) => {
      const message = (data ?? {}) as Message;
      const reply = (answer: object) => comm.send(message.id === undefined ? answer : { ...answer, id: message.id });
      return answer(session, version, message).then(reply, (error: unknown) =>
        reply({ error: error instanceof Error ? error.message : String(error) }),
      );
    });
  }, { duringCell });
}

type Answerer<R extends CommRequestName> = (session: NotebookSession, version: string, message: Message) => Promise<CommAnswers[R]>;

/** Each request's answer. */
const ANSWERS: { [R in CommRequestName]: Answerer<R> } = {
  ping: async (_session, version) => ({ pong: true, version }),
  stats: async (session) => ({ stats: session.stats(), cache: await cacheStats(session) }),
  pipelines: async (session) => ({
    // The pipelines held by the cells' variables.
    pipelines: [...session.pipelines()].map(([name, p]) => ({
      name,
      id: p.id,
      nodes: p.nodes.length,
      inputs: p.rootArgs,
      outputs: [...p.graph.availableOutputNames],
      lastRun: session.lastInputs.has(p.id),
    })),
  }),
  dag: async (session, _version, message) => ({ dag: pipelineNamed(session, message.name).visualize({ depth: 1 }).mimeData() }),
  explain: async (session, _version, message) => {
    const pipeline = pipelineNamed(session, message.name);
    // The inputs default to the pipeline's last run's.
    const inputs = (message.inputs as Record<string, unknown> | undefined) ?? session.lastInputs.get(pipeline.id);
    if (!inputs) throw new Error(`'${String(message.name)}' has not been run in this session: give the inputs to explain`);
    return { explain: await pipeline.explain(inputs), inputs: Object.keys(inputs) };
  },
  clear: async (session, _version, message) => ({
    cleared: message.name === undefined ? await clear(session) : await pipelineNamed(session, message.name).clearCache(),
  }),
};

function answer(session: NotebookSession, version: string, message: Message): Promise<object> {
  const request = message.request as CommRequestName;
  if (typeof request !== "string" || !Object.hasOwn(ANSWERS, request)) {
    return Promise.reject(new Error(`unknown request ${JSON.stringify(message.request)}`));
  }
  return ANSWERS[request](session, version, message);
}

function pipelineNamed(session: NotebookSession, name: unknown): Pipeline<any> {
  const pipeline = session.pipelines().get(String(name));
  if (!pipeline) throw new Error(`no pipeline named '${String(name)}' in this session's cells`);
  return pipeline;
}

async function cacheStats(session: NotebookSession) {
  const { entries, bytes } = await session.cache().stats();
  return { entries, bytes, dir: session.cacheDir };
}

async function clear(session: NotebookSession): Promise<number> {
  const caches = new Set([session.cache(), ...[...session.pipelines().values()].map((p) => p.cache)]);
  // Entries removed: each store counted once (DiskCaches on one file share it).
  const stores = new Map<unknown, Cache>();
  for (const cache of caches) if (cache) stores.set(cache instanceof session.hypernodes.DiskCache ? cache.file : cache, cache);
  let removed = 0;
  for (const cache of stores.values()) removed += (await cache.stats?.())?.entries ?? 0;
  for (const cache of caches) await cache?.clear();
  return removed;
}

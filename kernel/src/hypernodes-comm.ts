// The "hypernodes" comm target: what the JupyterLab side panel and the headless runner talk to. Its
// requests and answers are the notebook protocol's (CommRequest, CommAnswers in hypernodes/browser):
// each message `{ request, id?, ... }` gets one answer echoing `id`, a failure answers `{ error }`.
import type { Cache, HyperNode, Pipeline } from "hypernodes";
import { HYPERNODES_COMM_TARGET, type CommAnswers, type CommRequestName, type SharedEntries } from "hypernodes/browser";
import type { CommRegistry } from "./comms.js";
import type { NotebookSession } from "./notebook-defaults.js";
import { cut, isRecord, shown } from "./untrusted.js";

/** A message as it arrives: checked here, whatever the client sent. */
type Message = { request?: unknown; id?: unknown; name?: unknown; inputs?: unknown };

/** Requests answered while a cell runs: they only read, so the panel shows a long map's live numbers. */
const DURING_CELL: ReadonlySet<unknown> = new Set<CommRequestName>(["ping", "stats", "pipelines", "dag", "explain", "shared"]);

export function registerHypernodesTarget(comms: CommRegistry, version: string, session: NotebookSession): void {
  const duringCell = (data: unknown) => isRecord(data) && DURING_CELL.has(data.request);
  comms.registerTarget(HYPERNODES_COMM_TARGET, (comm) => {
    // Returning the answer's promise keeps the kernel busy until it is sent: clients may wait for idle.
    comm.onMsg((data) => {
      // An id of another type is not echoed (it might not even serialize): the answer says what is wrong.
      const id = isRecord(data) && isId(data.id) ? data.id : undefined;
      const reply = (answer: object) => comm.send(id === undefined ? answer : { ...answer, id });
      return answer(session, version, data).then(reply, (error: unknown) =>
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
    if (!inputs) throw new Error(`'${cut(message.name as string)}' has not been run in this session: give the inputs to explain`);
    return { explain: await pipeline.explain(inputs), inputs: Object.keys(inputs) };
  },
  shared: async (session, _version, message) => ({
    shared: sharing(session, pipelineNamed(session, message.name)).map(({ pipeline, nodes }) => ({ pipeline, nodes: nodes.map((n) => n.name) })),
  }),
  clear: async (session, _version, message) =>
    message.name === undefined ? { cleared: await clear(session) } : clearPipeline(session, pipelineNamed(session, message.name)),
};

/** The answer to a request; async, so that anything thrown checking it (whatever was sent) is a failure answered. */
async function answer(session: NotebookSession, version: string, data: unknown): Promise<object> {
  if (!isRecord(data)) throw new Error(`a request must be an object { request, id?, ... }, not ${shown(data)}`);
  if (data.id !== undefined && !isId(data.id)) throw new Error(`id must be a number or a string, not ${shown(data.id)}`);
  const { request } = data;
  if (typeof request !== "string" || !Object.hasOwn(ANSWERS, request)) throw new Error(`unknown request ${shown(request)}`);
  return ANSWERS[request as CommRequestName](session, version, data);
}

function isId(value: unknown): value is string | number {
  return typeof value === "string" || typeof value === "number";
}

function pipelineNamed(session: NotebookSession, name: unknown): Pipeline<any> {
  if (typeof name !== "string") throw new Error(`name must be a pipeline's variable name (a string), not ${shown(name)}`);
  const pipeline = session.pipelines().get(name);
  if (!pipeline) throw new Error(`no pipeline named '${cut(name)}' in this session's cells`);
  return pipeline;
}

async function cacheStats(session: NotebookSession) {
  const { entries, bytes } = await session.cache().stats();
  return { entries, bytes, dir: session.cacheDir };
}

/** What holds a cache's entries: DiskCaches on one file share it. */
function storeOf(session: NotebookSession, cache: Cache | undefined): unknown {
  return cache instanceof session.hypernodes.DiskCache ? cache.file : cache;
}

async function clear(session: NotebookSession): Promise<number> {
  const caches = new Set([session.cache(), ...[...session.pipelines().values()].map((p) => p.cache)]);
  // Entries removed: each store counted once.
  const stores = new Map<unknown, Cache>();
  for (const cache of caches) if (cache) stores.set(storeOf(session, cache), cache);
  let removed = 0;
  for (const cache of stores.values()) removed += (await cache.stats?.())?.entries ?? 0;
  for (const cache of caches) await cache?.clear();
  return removed;
}

/** Every node of a pipeline, at any depth: a nested pipeline's inner nodes before the nested pipeline. */
function* nodesOf(session: NotebookSession, pipeline: Pipeline<any>): Generator<HyperNode> {
  for (const node of pipeline.nodes) {
    if (node instanceof session.hypernodes.PipelineNode) yield* nodesOf(session, node.pipeline);
    yield node;
  }
}

/**
 * The other session pipelines on the same cache running some of this pipeline's caching nodes with the
 * same code: their entries are the same keys, so clearing this pipeline deletes them for those too.
 */
function sharing(session: NotebookSession, pipeline: Pipeline<any>): { pipeline: string; nodes: HyperNode[] }[] {
  const own = new Map<string, HyperNode>();
  for (const node of nodesOf(session, pipeline)) if (node.cache && !own.has(node.codeHash)) own.set(node.codeHash, node);
  const store = storeOf(session, pipeline.cache);
  const shared = [];
  for (const [name, other] of session.pipelines()) {
    if (other === pipeline || !other.cache || storeOf(session, other.cache) !== store) continue;
    const theirs = new Set([...nodesOf(session, other)].map((n) => n.codeHash));
    const nodes = [...own].filter(([hash]) => theirs.has(hash)).map(([, node]) => node);
    if (nodes.length) shared.push({ pipeline: name, nodes });
  }
  return shared;
}

/** Clears a pipeline's entries, saying how many of them each pipeline sharing its nodes used. */
async function clearPipeline(session: NotebookSession, pipeline: Pipeline<any>): Promise<{ cleared: number; shared: SharedEntries[] }> {
  const shared = sharing(session, pipeline);
  // The shared nodes' entries first, each node alone (a one-node pipeline's clearCache), inner nodes
  // before their nested pipeline so each entry is counted for its own node; then the rest.
  const entries = new Map<HyperNode, number>();
  for (const node of new Set(shared.flatMap((s) => s.nodes))) {
    entries.set(node, await new session.hypernodes.Pipeline({ nodes: [node], cache: pipeline.cache }).clearCache());
  }
  const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  const cleared = sum([...entries.values()]) + (await pipeline.clearCache());
  return {
    cleared,
    shared: shared.map(({ pipeline: name, nodes }) => ({ pipeline: name, nodes: nodes.map((n) => n.name), entries: sum(nodes.map((n) => entries.get(n)!)) })),
  };
}

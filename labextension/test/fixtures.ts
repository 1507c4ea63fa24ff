// Real outputs of the library, as the kernel sends them: DAG bundles, progress snapshots, telemetry.
import { DAG_MIME_TYPE, DagStatusCallback, MemoryCache, node, Pipeline, ProgressCallback, TelemetryCallback } from "hypernodes";
import { PROGRESS_MIME_TYPE, type DagMimeData, type ProgressMimeData } from "hypernodes/browser";

/** load → (clean → (tokenize → count)) → report: two levels of nesting. */
export function nestedPipeline(callbacks: DagStatusCallback[] = []) {
  const tokenizer = new Pipeline({
    nodes: [
      node((text: string) => text.split(/\s+/), { outputName: "tokens", name: "tokenize" }),
      node((tokens: string[]) => tokens.length, { outputName: "count", name: "count" }),
    ],
    name: "tokenizer",
  });
  const analyze = new Pipeline({
    nodes: [node((doc: string, lowercase: boolean) => (lowercase ? doc.toLowerCase() : doc), { outputName: "text", name: "clean" }), tokenizer.asNode({ name: "tokenizer" })],
    name: "analyze",
  }).bind({ lowercase: true });
  return new Pipeline({
    nodes: [
      node((path: string) => `contents of ${path}`, { outputName: "doc", name: "load" }),
      analyze.asNode({ name: "analyze" }),
      node((count: number) => `${count} words`, { outputName: "report", name: "report" }),
    ],
    name: "nested",
    callbacks,
    cache: new MemoryCache(),
  });
}

export async function dagData(viz: { mimeBundle(): Promise<Record<string, unknown>> }): Promise<DagMimeData> {
  return (await viz.mimeBundle())[DAG_MIME_TYPE] as DagMimeData;
}

/** A chain of `n` nodes: n0 → n1 → … */
export function chain(n: number) {
  const nodes = Array.from({ length: n }, (_, i) =>
    node((x: number) => x + 1, { inputs: [i === 0 ? "x" : `v${i - 1}`], outputName: `v${i}`, name: `step${i}` }),
  );
  return new Pipeline({ nodes, name: `chain${n}` });
}

/**
 * The progress snapshots of a map over `items` numbers, the first half already cached, as a
 * notebook receives them: captured through the kernel hook the library looks for. With `itemMs`,
 * each item of the second half takes that long (a map that runs for seconds is redrawn as it runs).
 */
export async function progressSnapshots(items: number, failAt?: number, itemMs = 0): Promise<ProgressMimeData[]> {
  const hook = Symbol.for("hypernodes.kernel");
  const byDisplay = new Map<string, ProgressMimeData[]>();
  (globalThis as any)[hook] = {
    async display(value: any, options: { displayId: string }) {
      const data = value[Symbol.for("jupyter.mimebundle")]()[PROGRESS_MIME_TYPE];
      byDisplay.set(options.displayId, [...(byDisplay.get(options.displayId) ?? []), data]);
    },
  };
  try {
    const inner = new Pipeline({
      nodes: [
        node(
          async (x: number) => {
            if (itemMs && x >= items / 2) await new Promise((resolve) => setTimeout(resolve, itemMs));
            if (x === failAt) throw new Error(`bad item ${x}\nsecond line`);
            return x * 2;
          },
          { outputName: "doubled", name: "double" },
        ),
      ],
      name: "inner",
    });
    const p = new Pipeline({
      nodes: [inner.asNode({ name: "inner" }), node((doubled: number) => doubled + 1, { outputName: "y", name: "addOne" })],
      callbacks: [new ProgressCallback()],
      cache: new MemoryCache(),
      name: "progress",
    });
    const xs = Array.from({ length: items }, (_, i) => i);
    await p.map({ x: xs.slice(0, items / 2) }, { mapOver: "x" });
    await p.map({ x: xs }, { mapOver: "x" }).catch(() => undefined);
  } finally {
    delete (globalThis as any)[hook];
  }
  return [...byDisplay.values()].at(-1)!;
}

/**
 * TelemetryCallback's bundle after a run that loads `docs` documents, maps a nested pipeline over
 * them (clean, then an async embed) and reports: the first six documents were cached by an earlier
 * run; with `failAt`, embedding that document throws.
 */
export async function telemetryBundle(docs: number, failAt?: number): Promise<Record<string, unknown>> {
  const busy = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const inner = new Pipeline({
    nodes: [
      node((doc: number) => (busy(0.5 + (doc % 3)), doc), { outputName: "text", name: "clean" }),
      node(
        async (text: number) => {
          await new Promise((resolve) => setTimeout(resolve, 2 + (text % 4)));
          if (text === failAt) throw new Error(`cannot embed document ${text}\nsecond line`);
          return [text];
        },
        { outputName: "vector", name: "embed" },
      ),
    ],
    name: "inner",
  });
  const telemetry = new TelemetryCallback();
  const p = new Pipeline({
    nodes: [
      node((n: number) => (busy(3), Array.from({ length: n }, (_, i) => i)), { outputName: "doc", name: "load" }),
      inner.asNode({ name: "embedDocs", mapOver: "doc" }),
      node((vector: number[][]) => (busy(2), vector.length), { outputName: "report", name: "report" }),
    ],
    callbacks: [telemetry],
    cache: new MemoryCache(),
    name: "corpus",
  });
  await p.run({ n: 6 });
  await p.run({ n: docs }).catch(() => undefined);
  return telemetry.summaryMimeBundle() as unknown as Record<string, unknown>;
}

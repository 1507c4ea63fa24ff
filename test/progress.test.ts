import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, ConcurrentEngine, DagStatusCallback, MemoryCache, node, Pipeline, PipelineCallback, ProgressCallback, setPipelineDefaults } from "hypernodes";
import { HYPERNODES_COMM_TARGET, JUPYTER_MIMEBUNDLE, KERNEL_GLOBAL, rowParts, rowText, type ProgressRow } from "hypernodes/browser";

/** A fake terminal `columns` wide that keeps everything written to it. */
function terminal(columns = 120) {
  const stream = new PassThrough() as PassThrough & NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns, rows: 40, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true });
  const chunks: string[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk.toString().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")));
  return {
    stream,
    text: () => chunks.join(""),
    /** Each line as written: cli-progress writes a bar's line in one chunk, moving the cursor between them. */
    lines: () => chunks.flatMap((chunk) => chunk.split("\n")).filter(Boolean),
  };
}

/** The columns a line of ours takes on a terminal: ⚡ is two wide. */
const columnsOf = (line: string) => [...line].length + (line.match(/⚡/g)?.length ?? 0);

const cleanNode = node((passage: string) => passage.trim(), { outputName: "cleaned", name: "clean" });
const lengthNode = node((cleaned: string) => cleaned.length, { outputName: "length", name: "measure" });

afterEach(() => {
  delete process.env.HYPERNODES_PROGRESS;
});

describe("ProgressCallback", () => {
  it("draws a bar per node and per map, counting cached items apart", async () => {
    const term = terminal();
    const p = new Pipeline({ nodes: [cleanNode, lengthNode], cache: new MemoryCache(), callbacks: [new ProgressCallback({ stream: term.stream })], name: "docs" });
    await p.map({ passage: [" a ", " bb "] }, { mapOver: "passage" });
    await p.map({ passage: [" a ", " bb ", " ccc "] }, { mapOver: "passage" });
    const last = term.text().split("map docs").at(-1)!;
    expect(last).toMatch(/^\s+█+ 100% 3\/3 ⚡2 cached in [\d.]+ (?:µs|ms|s)\n/);
    expect(last).toMatch(/clean\s+█+ 100% 3\/3 ⚡2 cached\n/);
    expect(last).toMatch(/measure\s+█+ 100% 3\/3 ⚡2 cached\n/);
  });

  it("indents nested pipelines and shows a failure with the error's first line", async () => {
    const term = terminal();
    const boom = node(
      (cleaned: string) => {
        if (cleaned === "bad") throw new Error("cannot measure 'bad'\nstack details");
        return cleaned.length;
      },
      { outputName: "length", name: "measure" },
    );
    const inner = new Pipeline({ nodes: [cleanNode, boom], name: "per_doc" });
    const outer = new Pipeline({ nodes: [inner.asNode({ mapOver: "passage" })], callbacks: [new ProgressCallback({ stream: term.stream })] });
    await expect(outer.run({ passage: ["ok", "bad"] })).rejects.toThrow(/cannot measure/);
    const text = term.text();
    expect(text).toMatch(/\n? {2}measure\s+[█░]+ 100% 2\/2 ✗ 1 failed: cannot measure 'bad'(?!\nstack)/);
    expect(text).toMatch(/per_doc\s+[█░]+ 100% 1\/1 ✗ 1 failed/);
    // The map's bar counts the failed item; it has no message of its own to show, only its time.
    expect(text).toMatch(/map per_doc\s+[█░]+ 100% 2\/2 ✗ 1 failed in [\d.]+ (?:µs|ms|s)\n/);
    expect(text).not.toContain("undefined");
  });

  it("a run longer than a redraw draws live bars, then ends on the final counts", async () => {
    const term = terminal();
    const slow = node(async (passage: string) => (await new Promise((r) => setTimeout(r, 30)), passage.trim()), { outputName: "cleaned", name: "clean" });
    const p = new Pipeline({ nodes: [slow, lengthNode], callbacks: [new ProgressCallback({ stream: term.stream })], name: "docs" });
    await p.map({ passage: [" a ", " bb ", " ccc ", " d ", " e ", " f ", " g "] }, { mapOver: "passage" });
    const text = term.text();
    // A redraw while it ran: how far, and for how long so far.
    const running = text.match(/map docs\s+[█░]+ +(\d+)% ([1-6])\/7 [\d.]+ (?:µs|ms|s) elapsed\n/);
    expect(running).not.toBeNull();
    expect(running![1]).toBe(String(Math.floor((100 * Number(running![2])) / 7)));
    // Done: 100% and how long it took, no ETA.
    expect(text.split("map docs").at(-1)).toMatch(/^\s+█+ 100% 7\/7 in [\d.]+ (?:µs|ms|s)\n/);
    expect(text).toMatch(/measure\s+█+ 100% 7\/7/);
  });

  it("an aborted map stops its bars, saying so; its DAG status shows nothing running", async () => {
    const term = terminal();
    const slow = node(async (passage: string) => (await new Promise((r) => setTimeout(r, 20)), passage.trim()), { outputName: "cleaned", name: "clean" });
    const status = new DagStatusCallback({ throttleMs: 0 });
    const p = new Pipeline({ nodes: [slow, lengthNode], callbacks: [new ProgressCallback({ stream: term.stream }), status], name: "docs" });
    status.track(p);
    const passages = Array.from({ length: 100 }, (_, i) => ` ${i} `);
    await expect(p.map({ passage: passages }, { mapOver: "passage", signal: AbortSignal.timeout(300) })).rejects.toThrow(AbortError);
    const final = term.text().split("map docs").at(-1)!;
    expect(final).toMatch(/^\s+[█░]+ +\d+% \d+\/100 aborted after [\d.]+ (?:µs|ms|s)\n/);
    const written = term.text().length;
    await new Promise((resolve) => setTimeout(resolve, 600)); // two redraws' time: nothing more is drawn
    expect(term.text().length).toBe(written);
    const run = status.visualization.model.status!;
    expect(run.state).toBe("aborted");
    expect(Object.values(run.nodes).filter((n) => n.state === "running")).toEqual([]);
  });

  it("keeps its lines within an 80-column terminal, nothing cut, a running map still saying how long it has run and how long is left", async () => {
    const term = terminal(80);
    const slow = node(async (passage: string) => (await new Promise((r) => setTimeout(r, 2)), passage.trim()), { outputName: "cleaned", name: "clean" });
    const p = new Pipeline({ nodes: [slow, lengthNode], cache: new MemoryCache(), callbacks: [new ProgressCallback({ stream: term.stream })], name: "documents" });
    const passages = Array.from({ length: 2000 }, (_, i) => ` ${i} `);
    await p.map({ passage: passages.slice(0, 100) }, { mapOver: "passage" });
    await expect(p.map({ passage: passages }, { mapOver: "passage", signal: AbortSignal.timeout(1200) })).rejects.toThrow(AbortError);
    const lines = term.lines();
    expect(lines.filter((line) => columnsOf(line) > 79)).toEqual([]);
    expect(lines.filter((line) => line.includes("…"))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(/^map documents +[█░]{10} +\d+% [\d,]+\/2,000 .*1\.\d\d s elapsed ETA \d+ s$/));
    expect(lines.at(-3)).toMatch(/^map documents +[█░]{10} +\d+% [\d,]+\/2,000 .*aborted after 1\.\d\d s$/);
  });

  it("counts right when items run concurrently, cached ones and failures included", async () => {
    const term = terminal();
    const flaky = node(
      async (cleaned: string) => {
        await new Promise((r) => setTimeout(r, 1));
        if (cleaned === "x") throw new Error("no x");
        return cleaned.length;
      },
      { outputName: "length", name: "measure" },
    );
    const cache = new MemoryCache();
    const engine = new ConcurrentEngine({ maxConcurrency: 8, collectErrors: true });
    const make = () => new Pipeline({ nodes: [cleanNode, flaky], cache, engine, callbacks: [new ProgressCallback({ stream: term.stream })], name: "docs" });
    const passages = Array.from({ length: 40 }, (_, i) => (i === 7 ? " x " : ` p${i} `));
    await make().map({ passage: passages.slice(0, 20) }, { mapOver: "passage" });
    await make().map({ passage: passages }, { mapOver: "passage" });
    const last = term.text().split("map docs").at(-1)!;
    expect(last).toMatch(/^\s+█+ 100% 40\/40 ⚡19 cached ✗ 1 failed/);
    expect(last).toMatch(/clean\s+█+ 100% 40\/40 ⚡20 cached/);
    expect(last).toMatch(/measure\s+█+ 100% 40\/40 ⚡19 cached ✗ 1 failed: no x/);
  });

  it("is off with enable: false, with HYPERNODES_PROGRESS=0, and when the stream is not a terminal", () => {
    const term = terminal();
    expect(new ProgressCallback({ stream: term.stream, enable: false }).onNodeEnd).toBeUndefined();
    process.env.HYPERNODES_PROGRESS = "0";
    expect(new ProgressCallback({ stream: term.stream }).enabled).toBe(false);
    delete process.env.HYPERNODES_PROGRESS;
    const pipe = new PassThrough() as PassThrough & NodeJS.WriteStream;
    expect(new ProgressCallback({ stream: pipe }).enabled).toBe(false);
    expect(new ProgressCallback({ stream: pipe, force: true }).enabled).toBe(true);
  });
});

describe("ProgressCallback in a notebook", () => {
  it("draws once when a pipeline adds its own ProgressCallback where the defaults show progress already", async () => {
    const displays: string[] = [];
    const kernel = { async display(_value: unknown, options: { displayId?: string } = {}) { displays.push(options.displayId!); } };
    (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")] = kernel;
    const tally = { nodes: 0, onNodeEnd: () => void tally.nodes++ };
    setPipelineDefaults({ callbacks: [new ProgressCallback(), tally] });
    try {
      const own = new ProgressCallback();
      const p = new Pipeline({ nodes: [cleanNode, lengthNode], cache: new MemoryCache(), callbacks: [own], name: "docs" });
      // The pipeline's own progress replaces the default one; the other default (a plain object) stays.
      expect(p.callbacks).toEqual([tally, own]);
      await p.map({ passage: [" a ", " bb "] }, { mapOver: "passage" });
      expect(new Set(displays).size).toBe(1);
      expect(tally.nodes).toBe(4);
      // Without its own, a pipeline keeps the default progress.
      expect(new Pipeline({ nodes: [cleanNode] }).callbacks.filter((c) => c instanceof ProgressCallback)).toHaveLength(1);
      // Only progress is replaced: a default of another class stays beside a pipeline's own of a subclass.
      class Audit extends PipelineCallback {}
      const audit = new Audit();
      setPipelineDefaults({ callbacks: [audit] });
      const stricter = new (class extends Audit {})();
      expect(new Pipeline({ nodes: [cleanNode], callbacks: [stricter] }).callbacks).toEqual([audit, stricter]);
    } finally {
      setPipelineDefaults({ callbacks: [] });
      delete (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")];
    }
  });

  it("finds the kernel by the names the notebook protocol publishes (other kernels and front ends rely on them)", () => {
    expect(KERNEL_GLOBAL).toBe(Symbol.for("hypernodes.kernel"));
    expect(JUPYTER_MIMEBUNDLE).toBe(Symbol.for("jupyter.mimebundle"));
    expect(HYPERNODES_COMM_TARGET).toBe("hypernodes");
  });

  it("shows one live display, updated in place, ending in its final state with HTML and text fallbacks", async () => {
    const calls: { bundle: Record<string, unknown>; options: { displayId?: string; update?: boolean } }[] = [];
    const kernel = {
      async display(value: unknown, options: { displayId?: string; update?: boolean } = {}) {
        const bundle = (value as Record<symbol, () => Record<string, unknown>>)[Symbol.for("jupyter.mimebundle")]!();
        calls.push({ bundle, options });
      },
    };
    (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")] = kernel;
    try {
      const progress = new ProgressCallback();
      expect(progress.enabled).toBe(true);
      const p = new Pipeline({ nodes: [cleanNode, lengthNode], cache: new MemoryCache(), callbacks: [progress], name: "docs" });
      await p.map({ passage: [" a ", " bb "] }, { mapOver: "passage" });
      await p.map({ passage: [" a ", " bb ", " ccc "] }, { mapOver: "passage" });
    } finally {
      delete (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")];
    }
    const ids = new Set(calls.map((c) => c.options.displayId));
    expect(ids.size).toBe(2); // one display per map call
    const last = calls.at(-1)!;
    expect(last.options.update).toBe(calls.filter((c) => c.options.displayId === last.options.displayId).length > 1);
    const content = last.bundle["application/vnd.hypernodes.progress+json"] as { rows: { label: string; value: number; total: number; cached: number }[]; final: boolean };
    expect(content.final).toBe(true);
    expect(content.rows.map((r) => [r.label, r.value, r.total, r.cached])).toEqual([
      ["map docs", 3, 3, 2],
      ["clean", 3, 3, 2],
      ["measure", 3, 3, 2],
    ]);
    expect(last.bundle["text/html"]).toMatch(/<table.*map docs.*>100%<.*3\/3 · ⚡2 cached · in [\d.]+ (?:µs|ms|s)/);
    expect(last.bundle["text/plain"]).toMatch(/map docs\s+█+ 100% 3\/3 ⚡2 cached in [\d.]+ (?:µs|ms|s)\n/);
    expect(last.bundle["text/plain"]).toMatch(/clean\s+█+ 100% 3\/3 ⚡2 cached/);
  });
});

describe("ProgressCallback per call", () => {
  function fakeKernel() {
    const finals = new Map<string, { rows: { label: string; value: number; total: number; failed: number }[] }>();
    const firstShown: string[] = [];
    const kernel = {
      async display(value: unknown, options: { displayId?: string; update?: boolean } = {}) {
        const bundle = (value as Record<symbol, () => Record<string, unknown>>)[Symbol.for("jupyter.mimebundle")]!();
        const content = bundle["application/vnd.hypernodes.progress+json"] as { rows: never[]; final: boolean };
        if (!options.update) firstShown.push(options.displayId!);
        if (content.final) finals.set(options.displayId!, content);
      },
    };
    return { kernel, finals, firstShown };
  }

  it("runs going on at once each get their own display, each ending in its own final state", async () => {
    const { kernel, finals, firstShown } = fakeKernel();
    (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")] = kernel;
    try {
      const progress = new ProgressCallback();
      const slow = (name: string) =>
        node(async (x: number) => (await new Promise((r) => setTimeout(r, 5)), x), { outputName: name, name, version: name });
      const pa = new Pipeline({ nodes: [slow("a")], callbacks: [progress], name: "pa" });
      const pb = new Pipeline({ nodes: [slow("b")], callbacks: [progress], name: "pb" });
      await Promise.all([pa.map({ x: [1, 2, 3, 4] }, { mapOver: "x" }), pb.map({ x: [1, 2, 3, 4, 5, 6, 7, 8] }, { mapOver: "x" })]);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")];
    }
    expect(firstShown).toHaveLength(2);
    const rows = [...finals.values()].map((f) => f.rows.map((r) => `${r.label} ${r.value}/${r.total}`));
    expect(rows).toEqual(expect.arrayContaining([["map pa 4/4", "a 4/4"], ["map pb 8/8", "b 8/8"]]));
  });

  it("a failed map item counts as failed on the map's bar", async () => {
    const { kernel, finals } = fakeKernel();
    (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")] = kernel;
    try {
      const risky = node(
        (x: number) => {
          if (x === 2) throw new Error("no 2");
          return x;
        },
        { outputName: "y", name: "risky" },
      );
      const p = new Pipeline({ nodes: [risky], callbacks: [new ProgressCallback()], name: "failing" });
      await expect(p.map({ x: [1, 2, 3, 4] }, { mapOver: "x" })).rejects.toThrow(/no 2/);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[Symbol.for("hypernodes.kernel")];
    }
    const [final] = [...finals.values()];
    expect(final!.rows.map((r) => [r.label, r.value, r.total, r.failed])).toEqual([
      ["map failing", 2, 4, 1],
      ["risky", 2, 4, 1],
    ]);
  });
});

describe("progress rows read the same everywhere (progress-format)", () => {
  const row = (fields: Partial<ProgressRow> = {}): ProgressRow => ({
    label: "map docs",
    depth: 0,
    isMap: true,
    total: 40,
    value: 10,
    cached: 4,
    failed: 0,
    startedAt: 0,
    ...fields,
  });

  it("says how far a row is: a percentage rounded down, counts with thousands separators as the library's errors write them", () => {
    expect(rowParts(row(), false, 0)).toMatchObject({ count: "10/40", percent: "25%", cached: "⚡4 cached", failed: "" });
    const big = rowParts(row({ value: 1999, total: 2000, cached: 1200, failed: 1000, isMap: false }), false, 0);
    expect(big).toMatchObject({ count: "1,999/2,000", percent: "99%", cached: "⚡1,200 cached", failed: "✗ 1,000 failed" });
    expect(rowParts(row({ value: 2000, total: 2000 }), false, 0).percent).toBe("100%");
  });

  it("while a map runs: the time since it started, then items/s of the items that ran and the ETA rounded up, once it has run a second", () => {
    expect(rowParts(row(), false, 999).timing).toEqual(["999 ms elapsed"]);
    // 6 items ran in 2 s; 30 items left at 0.2 s each.
    expect(rowParts(row(), false, 2000).timing).toEqual(["2.00 s elapsed", "3.0 it/s", "ETA 6 s"]);
    expect(rowParts(row(), false, 2100).timing).toEqual(["2.10 s elapsed", "2.9 it/s", "ETA 7 s"]);
    // Nothing finished yet: nothing to estimate from; everything cached: no rate; all finished: no ETA.
    expect(rowParts(row({ value: 0, cached: 0 }), false, 5000).timing).toEqual(["5.00 s elapsed"]);
    expect(rowParts(row({ value: 10, cached: 10 }), false, 2000).timing).toEqual(["2.00 s elapsed", "ETA 6 s"]);
    expect(rowParts(row({ value: 40 }), false, 2000).timing).toEqual(["2.00 s elapsed", "18.0 it/s"]);
    // Long runs in minutes and hours: 10 of 1,000 items in 125 s leaves 12,375 s.
    expect(rowParts(row({ value: 10, total: 1000 }), false, 125_000).timing).toEqual(["2m 05s elapsed", "0.0 it/s", "ETA 3h 26m"]);
    // Node rows have no time of their own (their level's map row has it).
    expect(rowParts(row({ isMap: false }), false, 2000).timing).toEqual([]);
  });

  it("once over, says how long a map took (or that it was aborted), with no ETA", () => {
    expect(rowParts(row({ value: 40 }), true, 850).timing).toEqual(["in 850 ms"]);
    expect(rowParts(row({ value: 40 }), true, 2345).timing).toEqual(["in 2.35 s"]);
    expect(rowParts(row({ value: 40 }), true, 12_345).timing).toEqual(["in 12.3 s"]);
    expect(rowParts(row({ value: 40 }), true, 59_970).timing).toEqual(["in 1m 00s"]);
    expect(rowParts(row({ value: 40 }), true, 125_400).timing).toEqual(["in 2m 05s"]);
    expect(rowParts(row({ aborted: true }), true, 1500).timing).toEqual(["aborted after 1.50 s"]);
    expect(rowParts(row({ isMap: false }), true, 1500).timing).toEqual([]);
  });

  it("words a row as one line: percentage, counts, cached, failures with their first line, timing", () => {
    const failing = row({ label: "measure", depth: 1, isMap: false, value: 20, failed: 1, error: "no x\nstack" });
    expect(rowText(failing, false, 2000)).toBe(`  measure${" ".repeat(19)} ${"█".repeat(12)}${"░".repeat(12)}  50% 20/40 ⚡4 cached ✗ 1 failed: no x`);
    expect(rowText(row(), false, 2000)).toMatch(/^map docs {20} █{6}░{18}  25% 10\/40 ⚡4 cached 2\.00 s elapsed 3\.0 it\/s ETA 6 s$/);
    expect(rowText(row({ value: 40 }), true, 2000)).toMatch(/^map docs {20} █{24} 100% 40\/40 ⚡4 cached in 2\.00 s$/);
  });

  it("fits a terminal's width: narrower name and bar, the same on every row, then without items/s, then without the cached count", () => {
    const running = row({ value: 270, total: 2000, cached: 120 });
    const node = row({ label: "clean", depth: 1, isMap: false, value: 270, total: 2000, cached: 120 });
    const wide = rowText(running, false, 1500, 120);
    expect(wide).toMatch(/ 13% 270\/2,000 ⚡120 cached 1\.50 s elapsed 100\.0 it\/s ETA 10 s$/);
    const at80 = [rowText(running, false, 1500, 80), rowText(node, false, 1500, 80)];
    expect(at80[0]).toMatch(/^map docs +█░{9}  13% 270\/2,000 ⚡120 cached 1\.50 s elapsed ETA 10 s$/);
    expect(at80[1]).toMatch(/^  clean +█░{9}  13% 270\/2,000 ⚡120 cached$/);
    expect(at80[0]!.indexOf("%")).toBe(at80[1]!.indexOf("%"));
    const aborted = rowText(row({ value: 270, total: 2000, cached: 120, failed: 1000, aborted: true }), true, 1500, 80);
    expect(aborted).toMatch(/^map docs +█+░+  13% 270\/2,000 ✗ 1,000 failed aborted after 1\.50 s$/);
    for (const line of [...at80, aborted]) expect(columnsOf(line)).toBeLessThan(80);
  });

  it("on a terminal too narrow for it all, leaves out the bar, then cuts the name and what is still too long with …", () => {
    const failing = row({ label: "measure_every_passage", isMap: false, value: 20, failed: 1, error: "cannot measure this passage: it is far too long" });
    const line = rowText(failing, false, 2000, 60);
    expect(line).toMatch(/^measure… {2}50% 20\/40 ✗ 1 failed: cannot measure this passag…$/);
    expect(columnsOf(line)).toBe(59);
  });
});

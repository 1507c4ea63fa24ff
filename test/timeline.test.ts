// TelemetryCallback's timeline: rows where each part of the call ran, nested under their parents,
// a map's executions of a node aggregated into one row. The clock is a counter the nodes advance,
// so every position is exact.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConcurrentEngine, MemoryCache, node, Pipeline, TelemetryCallback, type TimelineRow } from "hypernodes";
import { DURATION_SAMPLES, Durations } from "../src/observe/timeline.js";

let clock = 0;
beforeEach(() => {
  clock = 1000;
  // The engine reads perf_hooks' performance, the same object as the global one.
  vi.spyOn(performance, "now").mockImplementation(() => clock);
});
afterEach(() => void vi.restoreAllMocks());

/** A node taking `ms` of the clock per call (or what `ms` says for its input). */
const work = (name: string, input: string, output: string, ms: number | ((x: number) => number)) =>
  node(
    (value: number) => {
      clock += typeof ms === "number" ? ms : ms(value);
      return value;
    },
    { inputs: [input], outputName: output, name },
  );

/** Rows as `depth kind name start→end`, the way the waterfall lays them out. */
const layout = (rows: readonly TimelineRow[]) => rows.map((r) => `${r.depth} ${r.kind} ${r.name} ${r.start}→${r.end}`);

const row = (rows: readonly TimelineRow[], kind: string, name: string) => rows.find((r) => r.kind === kind && r.name === name)!;

describe("TelemetryCallback timeline", () => {
  it("is undefined before any call", () => {
    expect(new TelemetryCallback().timeline()).toBeUndefined();
  });

  it("places each node where it started and ended, from the call's start", async () => {
    const telemetry = new TelemetryCallback();
    const p = new Pipeline({ nodes: [work("load", "x", "a", 2), work("fit", "a", "b", 3)], callbacks: [telemetry], name: "calc" });
    await p.run({ x: 1 });
    const model = telemetry.timeline()!;
    expect(model).toMatchObject({ title: "run 'calc'", state: "done", wallMs: 5 });
    expect(layout(model.rows)).toEqual(["0 pipeline calc 0→5", "1 node load 0→2", "1 node fit 2→5"]);
    expect(row(model.rows, "node", "fit")).toMatchObject({ runs: 1, hits: 0, failed: 0, running: false, durations: { min: 3, median: 3, max: 3, total: 3 } });
    expect(model.totals).toEqual([
      { name: "fit", runs: 1, hits: 0, totalMs: 3 },
      { name: "load", runs: 1, hits: 0, totalMs: 2 },
    ]);
  });

  it("nests pipeline > map > nested pipeline > map > node, each level one deeper", async () => {
    const telemetry = new TelemetryCallback();
    const inner = new Pipeline({ nodes: [work("tokenize", "word", "token", 1)], name: "inner" });
    const outer = new Pipeline({
      nodes: [inner.asNode({ name: "words", mapOver: "word" }), work("count", "token", "n", 2)],
      callbacks: [telemetry],
      name: "docs",
    });
    await outer.map({ word: [[1, 2], [3]] }, { mapOver: "word" });
    const model = telemetry.timeline()!;
    expect(model.title).toBe("map 'docs' (2 items)");
    // Item 0: tokenize 0→1, 1→2, count 2→4; item 1: tokenize 4→5, count 5→7.
    expect(layout(model.rows)).toEqual([
      "0 pipeline docs 0→7",
      "1 map docs 0→7",
      "2 nested words 0→5",
      "3 map words 0→5",
      "4 node tokenize 0→5",
      "2 node count 2→7",
    ]);
    expect(row(model.rows, "map", "docs")).toMatchObject({ runs: 2, durations: { min: 3, max: 4 } });
    expect(row(model.rows, "nested", "words")).toMatchObject({ runs: 2, durations: { min: 1, max: 2, total: 3 } });
    expect(row(model.rows, "map", "words")).toMatchObject({ runs: 3, durations: { min: 1, median: 1, max: 1 } });
  });

  it("makes one row of a node's executions in a map: first start to last end, count, hits, min/median/max", async () => {
    const telemetry = new TelemetryCallback();
    const p = new Pipeline({ nodes: [work("score", "x", "y", (x) => x)], callbacks: [telemetry], cache: new MemoryCache(), name: "m" });
    await p.map({ x: [4, 1, 3] }, { mapOver: "x" });
    clock = 5000; // a later call starts its own timeline
    await p.map({ x: [4, 1, 3, 10] }, { mapOver: "x" });
    const model = telemetry.timeline()!;
    expect(layout(model.rows)).toEqual(["0 pipeline m 0→10", "1 map m 0→10", "2 node score 0→10"]);
    // Three items came from the cache (instants, no execution); only 10 ran.
    expect(row(model.rows, "node", "score")).toMatchObject({ runs: 1, hits: 3, durations: { min: 10, median: 10, max: 10, total: 10 } });
    expect(row(model.rows, "map", "m")).toMatchObject({ runs: 4, hits: 3, failed: 0 });
    expect(model.totals).toEqual([{ name: "score", runs: 1, hits: 3, totalMs: 10 }]);
  });

  it("gives the median of an even count as the mean of the middle two", async () => {
    const telemetry = new TelemetryCallback();
    const p = new Pipeline({ nodes: [work("score", "x", "y", (x) => x)], callbacks: [telemetry], name: "m" });
    await p.map({ x: [8, 1, 3, 2] }, { mapOver: "x" });
    expect(row(telemetry.timeline()!.rows, "node", "score").durations).toEqual({ min: 1, median: 2.5, max: 8, total: 14 });
  });

  it("keeps a 10,000-item map to one row per node", async () => {
    const telemetry = new TelemetryCallback();
    const p = new Pipeline({ nodes: [work("a", "x", "y", (x) => x % 7), work("b", "y", "z", 1)], callbacks: [telemetry], name: "big" });
    await p.map({ x: Array.from({ length: 10_000 }, (_, i) => i) }, { mapOver: "x" });
    const model = telemetry.timeline()!;
    expect(model.rows.map((r) => `${r.kind} ${r.name}`)).toEqual(["pipeline big", "map big", "node a", "node b"]);
    expect(row(model.rows, "node", "a")).toMatchObject({ runs: 10_000, durations: { min: 0, median: 3, max: 6 } });
    expect(row(model.rows, "map", "big").runs).toBe(10_000);
  });

  it("marks a failed node and every row it failed: message, count, the call's state", async () => {
    const telemetry = new TelemetryCallback();
    const check = node(
      (y: number) => {
        clock += 1;
        if (y > 1) throw new Error(`too big: ${y}\nat item`);
        return y;
      },
      { outputName: "z", name: "check" },
    );
    const inner = new Pipeline({ nodes: [work("a", "x", "y", 2), check], name: "inner" });
    const outer = new Pipeline({ nodes: [inner.asNode({ name: "batch", mapOver: "x" })], callbacks: [telemetry], name: "outer" });
    await expect(outer.run({ x: [1, 2, 3] })).rejects.toThrow("too big");
    const model = telemetry.timeline()!;
    expect(model).toMatchObject({ state: "failed", wallMs: 6 });
    expect(layout(model.rows)).toEqual(["0 pipeline outer 0→6", "1 nested batch 0→6", "2 map batch 0→6", "3 node a 0→5", "3 node check 2→6"]);
    const failed = model.rows.filter((r) => r.failed > 0).map((r) => [`${r.kind} ${r.name}`, r.failed, r.error]);
    expect(failed).toEqual([
      ["pipeline outer", 1, "too big: 2\nat item"],
      ["nested batch", 1, "too big: 2\nat item"],
      ["map batch", 1, "too big: 2\nat item"],
      ["node check", 1, "too big: 2\nat item"],
    ]);
    // The item that passed counts as a run; the failing one does not.
    expect(row(model.rows, "node", "check")).toMatchObject({ runs: 1, durations: { max: 1 } });
    expect(model.rows.every((r) => !r.running)).toBe(true);
  });

  it("while the call runs: open rows end at the snapshot and say so", async () => {
    const telemetry = new TelemetryCallback();
    let during: ReturnType<TelemetryCallback["timeline"]>;
    const peek = node(
      (y: number) => {
        clock += 4;
        during = telemetry.timeline();
        return y;
      },
      { outputName: "z", name: "peek" },
    );
    const p = new Pipeline({ nodes: [work("a", "x", "y", 1), peek], callbacks: [telemetry], name: "live" });
    await p.run({ x: 1 });
    expect(during!).toMatchObject({ state: "running", wallMs: 5 });
    expect(layout(during!.rows)).toEqual(["0 pipeline live 0→5", "1 node a 0→1", "1 node peek 1→5"]);
    expect(during!.rows.map((r) => r.running)).toEqual([true, false, true]);
    expect(telemetry.timeline()!.state).toBe("done");
  });

  it("shows what overlapped under a concurrent engine: a row's runs add up to more than its span", async () => {
    vi.restoreAllMocks(); // real time: the items sleep together
    const telemetry = new TelemetryCallback();
    const sleep = node(async (x: number) => new Promise<number>((resolve) => setTimeout(() => resolve(x), 30)), { outputName: "y", name: "sleep" });
    const p = new Pipeline({ nodes: [sleep], callbacks: [telemetry], engine: new ConcurrentEngine({ maxConcurrency: 4 }), name: "par" });
    await p.map({ x: [1, 2, 3, 4] }, { mapOver: "x" });
    const sleeping = row(telemetry.timeline()!.rows, "node", "sleep");
    expect(sleeping.runs).toBe(4);
    expect(sleeping.durations!.total).toBeGreaterThan(2 * (sleeping.end - sleeping.start));
  });
});

describe("Durations", () => {
  it("keep exact min, max and total, and a bounded sample for the median", () => {
    vi.restoreAllMocks();
    const durations = new Durations();
    const values = Array.from({ length: 20_000 }, (_, i) => i).sort(() => Math.random() - 0.5);
    for (const value of values) durations.add(value);
    const stats = durations.stats()!;
    expect(stats).toMatchObject({ min: 0, max: 19_999, total: (19_999 * 20_000) / 2 });
    // A uniform sample of DURATION_SAMPLES: its median is within a few standard errors of 10,000.
    expect(DURATION_SAMPLES).toBeLessThan(20_000);
    expect(Math.abs(stats.median - 10_000)).toBeLessThan(800);
  });
});

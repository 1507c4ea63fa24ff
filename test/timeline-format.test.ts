// How a telemetry timeline reads: its time axis, a row's figures, the text waterfall and the HTML
// fallback that front ends without our JupyterLab renderer show.
import { describe, expect, it } from "vitest";
import { progressColors, type TimelineModel, type TimelineRow } from "hypernodes/browser";
import { formatDuration } from "../src/notebook/progress-format.js";
import { rowFigures, rowTooltip, timeAxis, timelineText } from "../src/notebook/timeline-format.js";
import { timelineHtml } from "../src/notebook/timeline-html.js";

const row = (fields: Partial<TimelineRow> & Pick<TimelineRow, "name" | "start" | "end">): TimelineRow => ({
  kind: "node",
  depth: 1,
  runs: 1,
  hits: 0,
  failed: 0,
  running: false,
  durations: { min: fields.end - fields.start, median: fields.end - fields.start, max: fields.end - fields.start, total: fields.end - fields.start },
  ...fields,
});

const model = (wallMs: number, rows: TimelineRow[] = []): TimelineModel => ({
  title: "run 'calc'",
  state: "done",
  wallMs,
  rows: [row({ kind: "pipeline", name: "calc", depth: 0, start: 0, end: wallMs }), ...rows],
  totals: rows
    .filter((r) => r.kind === "node")
    .map((r) => ({ name: r.name, runs: r.runs, hits: r.hits, totalMs: r.durations?.total ?? 0 }))
    .sort((a, b) => b.totalMs - a.totalMs),
});

/** A map of 40 items: a node that ran 20 times (20 hits), one only served from the cache, one that failed. */
const mapped = (): TimelineModel => ({
  ...model(10),
  title: "map 'calc' (40 items)",
  state: "failed",
  rows: [
    row({ kind: "pipeline", name: "calc", depth: 0, start: 0, end: 10, runs: 0, failed: 1, error: "bad <item>", durations: null }),
    row({ kind: "map", name: "calc", start: 0, end: 10, runs: 39, hits: 20, failed: 1, error: "bad <item>", durations: { min: 0.01, median: 0.2, max: 1.5, total: 9 } }),
    row({ name: "score", depth: 2, start: 0.5, end: 9.5, runs: 20, hits: 20, durations: { min: 0.1, median: 0.25, max: 1.2, total: 6 } }),
    row({ name: "lookup", depth: 2, start: 0.2, end: 0.2, runs: 0, hits: 40, durations: null }),
    row({ name: "check", depth: 2, start: 9.5, end: 10, runs: 0, failed: 1, error: "bad <item>\nstack", durations: null }),
  ],
  totals: [
    { name: "score", runs: 20, hits: 20, totalMs: 6 },
    { name: "lookup", runs: 0, hits: 40, totalMs: 0 },
    { name: "check", runs: 0, hits: 0, totalMs: 0 },
  ],
});

describe("timeAxis", () => {
  it.each([
    [12.3, ["0", "2 ms", "4 ms", "6 ms", "8 ms", "10 ms", "12 ms"]],
    [0.37, ["0", "100 µs", "200 µs", "300 µs"]],
    [2.6, ["0", "0.5 ms", "1.0 ms", "1.5 ms", "2.0 ms", "2.5 ms"]],
    [4200, ["0", "1 s", "2 s", "3 s", "4 s"]],
    [95_000, ["0", "20 s", "40 s", "60 s", "80 s"]],
  ])("%s ms: ticks at a round step, in the unit of the axis' end", (wall, labels) => {
    const axis = timeAxis(model(wall));
    expect(axis.ticks.map((t) => t.label)).toEqual(labels);
    expect(axis.end).toBe(wall);
    const step = axis.ticks[1]!.at;
    axis.ticks.forEach((t, i) => expect(t.at).toBeCloseTo(i * step, 9));
  });

  it("reaches the last end when a row ends after the wall time, and has a length when the call took none", () => {
    expect(timeAxis(model(5, [row({ name: "late", start: 1, end: 7 })])).end).toBe(7);
    const instant = timeAxis(model(0));
    expect(instant.end).toBeGreaterThan(0);
    expect(instant.ticks[0]).toEqual({ at: 0, label: "0" });
  });
});

describe("row figures", () => {
  it.each([
    [0.0421, "42.1 µs"],
    [4.123, "4.12 ms"],
    [31.24, "31.2 ms"],
    [312.4, "312 ms"],
    [1234, "1.23 s"],
  ])("formatDuration(%s) is %s", (ms, text) => expect(formatDuration(ms)).toBe(text));

  it("say the bar's length, counts, hits, failures and min/median/max of several runs", () => {
    const [, map, score, lookup, check] = mapped().rows;
    expect(rowFigures(row({ name: "once", start: 1, end: 3.5 }))).toEqual(["2.50 ms"]);
    expect(rowFigures(map!)).toEqual(["10.0 ms", "39 items", "⚡20 cached", "✗ 1 failed", "min 10.0 µs", "med 200 µs", "max 1.50 ms"]);
    expect(rowFigures(score!)).toEqual(["9.00 ms", "20 runs", "⚡20 cached", "min 100 µs", "med 250 µs", "max 1.20 ms"]);
    expect(rowFigures(lookup!)).toEqual(["⚡40 cached"]);
    expect(rowFigures(check!)).toEqual(["500 µs", "✗ failed"]);
    expect(rowFigures(row({ name: "open", start: 2, end: 5, runs: 0, running: true, durations: null }))).toEqual(["3.00 ms", "running"]);
  });

  it("give exact figures on hover", () => {
    expect(rowTooltip(mapped().rows[2]!)).toEqual([
      "score",
      "0.500 ms → 9.500 ms (9.000 ms)",
      "20 runs · 20 cached",
      "min 0.100 ms · median 0.250 ms · max 1.200 ms",
      "own time 6.000 ms",
    ]);
    expect(rowTooltip(mapped().rows[4]!).at(-1)).toBe("✗ bad <item>\nstack");
  });
});

describe("timelineText", () => {
  it("draws each bar where its row ran on a 48-column axis, then the totals", () => {
    const text = timelineText(model(10, [row({ name: "load", start: 0, end: 2.5 }), row({ name: "fit", start: 5, end: 10 })]));
    const lines = text.split("\n");
    expect(lines[0]).toBe("run 'calc': 10.00 ms wall");
    const origin = "pipeline calc ".length;
    expect(lines[1]!.slice(origin).startsWith("0")).toBe(true);
    expect(lines[1]!.indexOf("10 ms")).toBe(origin + 48);
    expect(lines[2]!.slice(origin)).toMatch(/^├─+┼/);
    const bar = (line: string) => [line.indexOf("█") - origin, line.lastIndexOf("█") - origin + 1];
    expect(bar(lines[3]!)).toEqual([0, 48]);
    expect(bar(lines[4]!)).toEqual([0, 12]);
    expect(bar(lines[5]!)).toEqual([24, 48]);
    expect(lines[4]).toMatch(/^ {2}load +█+ +2\.50 ms$/);
    expect(lines.slice(6)).toEqual(["", expect.stringMatching(/^node\s+count\s+cache hits\s+total ms\s+mean ms$/), expect.stringMatching(/^fit /), expect.stringMatching(/^load /)]);
  });

  it("marks rows only served from the cache and failed rows, with the error's first line", () => {
    const lines = timelineText(mapped()).split("\n");
    expect(lines[0]).toBe("map 'calc' (40 items): 10.00 ms wall (failed)");
    expect(lines.find((l) => l.includes("lookup"))).toMatch(/^ {4}lookup +▒ +⚡40 cached$/);
    expect(lines.find((l) => l.includes("check"))).toMatch(/^ {4}check +✗+ +500 µs · ✗ failed · bad <item>$/);
  });
});

describe("timelineHtml", () => {
  const html = timelineHtml(mapped());
  const bars = [...html.matchAll(/<div title="([^"]*)" style="margin-left:([\d.]+)%;width:([\d.]+)%;([^"]*)"/g)];

  it("places each bar at its start and length on the axis, with its exact figures as its tooltip", () => {
    expect(bars.map((b) => [Number(b[2]), Number(b[3])])).toEqual([
      [0, 100],
      [0, 100],
      [5, 90],
      [2, 0],
      [95, 5],
    ]);
    expect(bars[2]![1]).toBe("score\n0.500 ms → 9.500 ms (9.000 ms)\n20 runs · 20 cached\nmin 0.100 ms · median 0.250 ms · max 1.200 ms\nown time 6.000 ms");
    expect(html).toContain(">0</span>");
    expect(html).toContain(">10 ms</span>");
  });

  it("tells runs, cache hits and failures apart by the palette's colours", () => {
    const colors = progressColors("light");
    const style = (i: number) => bars[i]![4]!;
    expect(style(2)).toContain(`background:${colors.ran}`);
    expect(style(3)).toContain(`repeating-linear-gradient(45deg,${colors.cached}`);
    expect(style(4)).toContain(`background:${colors.failed}`);
    // A pipeline or map holds the rest: drawn fainter than a node that ran, unless it failed.
    const ok = [...timelineHtml(model(10, [row({ name: "fit", start: 1, end: 9 })])).matchAll(/<div title="[^"]*" style="([^"]*)"/g)];
    expect(ok.map((b) => /opacity:\.\d+/.test(b[1]!))).toEqual([true, false]);
  });

  it("is self-contained, escapes names and messages, and leaves text in the page's colour (light or dark)", () => {
    expect(html).not.toMatch(/class=|<style|<script|<link/);
    expect(html).toContain("bad &lt;item&gt;");
    expect(html).not.toContain("<item>");
    // The only coloured text: cache hits and failures, and the failing node's message (told once),
    // in the palette's mid-tone lines, which read on white and on black.
    const { cached, failed } = progressColors("light");
    const tinted = [...html.matchAll(/<span style="color:([^"]+)">([^<]*)<\/span>/g)].map((m) => [m[1], m[2]]);
    expect(tinted).toEqual([
      [failed, "✗ failed"],
      [cached, "⚡20 cached"],
      [failed, "✗ 1 failed"],
      [cached, "⚡20 cached"],
      [cached, "⚡40 cached"],
      [failed, "✗ failed"],
      [failed, "bad &lt;item&gt;"],
    ]);
    expect([...html.matchAll(/[;"]color:/g)]).toHaveLength(tinted.length);
  });

  it("keeps the totals per node below the waterfall", () => {
    const totals = html.slice(html.lastIndexOf("<table"));
    expect([...totals.matchAll(/<tr><td[^>]*>(\w+)<\/td><td[^>]*>(\d+)<\/td><td[^>]*>(\d+)<\/td>/g)].map((m) => m.slice(1))).toEqual([
      ["score", "20", "20"],
      ["lookup", "0", "40"],
      ["check", "0", "0"],
    ]);
  });
});

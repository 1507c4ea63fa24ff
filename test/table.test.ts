// Records as a table: map results and table(rows), in our MIME type, HTML and text.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { HyperNodesError, isRecords, MemoryCache, node, Pipeline, ProgressCallback, table, TABLE_MIME_TYPE, withInputs } from "hypernodes";
import { columnDecimals, formatCell, TABLE_MAX_ROWS } from "hypernodes/browser";
import { warningsDuring } from "./helpers/warnings.js";
import { mimeBundle as kernelMimeBundle } from "../kernel/src/mime-bundle.js";

const score = node((depth: number, fold: number) => 0.9 + depth / 100 + fold / 1000, { outputName: "accuracy" });

describe("table", () => {
  it("carries columns with their kinds, cells as JSON, and the total", () => {
    const t = table([
      { model: "rf", depth: 3, accuracy: 0.953333, ok: true, when: new Date(0) },
      { model: "knn", depth: null, accuracy: Number.NaN, ok: false, extra: [1, 2, 3] },
    ]);
    expect(t.data.columns).toEqual([
      { name: "model", kind: "text" },
      { name: "depth", kind: "number" },
      { name: "accuracy", kind: "number" },
      { name: "ok", kind: "boolean" },
      { name: "when", kind: "text" },
      { name: "extra", kind: "text" },
    ]);
    expect(t.data.rows).toEqual([
      ["rf", 3, 0.953333, true, "1970-01-01T00:00:00.000Z", null],
      ["knn", null, "NaN", false, null, "[ 1, 2, 3 ]"],
    ]);
    expect(t.data).toMatchObject({ total: 2, pageSize: 20, digits: 4 });
    // What goes to the front end survives JSON (the Jupyter wire format).
    expect(JSON.parse(JSON.stringify(t.data))).toEqual(t.data);
  });

  it("rounds a column's numbers to the same decimals so they line up, and right-aligns them in text and HTML", () => {
    const t = table([{ name: "a", accuracy: 0.95333333 }, { name: "bb", accuracy: 1 }, { name: "c", accuracy: 0.5 }]);
    expect(t.toString().split("\n")).toEqual([
      "   name  accuracy",
      "0  a       0.9533",
      "1  bb      1.0000",
      "2  c       0.5000",
      "3 rows × 2 columns",
    ]);
    expect(t.toHtml()).toContain('<td style="text-align:right">0.9533</td>');
    expect(t.toHtml()).toContain('<td style="text-align:left">bb</td>');
    // Integers stay integers; a tiny value keeps its digits in exponent form.
    expect(columnDecimals({ name: "n", kind: "number" }, [1, 2, 30], 4)).toBe(0);
    expect(formatCell(0.0000123, 4, 4)).toBe("1.230e-5");
  });

  it("escapes HTML in names and values", () => {
    const html = table([{ "<b>": "<script>x</script>" }]).toHtml();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;b&gt;");
  });

  it("cuts a long table: the data keeps the first TABLE_MAX_ROWS, the fallbacks the first and last rows", () => {
    const rows = Array.from({ length: TABLE_MAX_ROWS + 5 }, (_, i) => ({ i }));
    const t = table(rows);
    expect(t.data.rows).toHaveLength(TABLE_MAX_ROWS);
    expect(t.data.total).toBe(TABLE_MAX_ROWS + 5);
    const text = t.toString().split("\n");
    expect(text).toHaveLength(1 + 25 + 1 + 5 + 1);
    expect(text.at(-2)).toMatch(/^9999\s+9999$/);
    expect(text.at(-1)).toBe("10,005 rows × 1 column; the first 10,000 are shown");
  });

  it("marks the items a notebook map served from the cache", async () => {
    // The notebook's progress reads the call's tally: with it, a top-level map records its cached items.
    const p = new Pipeline({ nodes: [score], cache: new MemoryCache(), callbacks: [new ProgressCallback({ stream: new PassThrough() as never, force: true })] });
    await p.map({ depth: [1, 2], fold: [0, 1] }, { mapOver: ["depth", "fold"], mapMode: "product" });
    const rows = await p.map({ depth: [1, 2, 3], fold: [0, 1] }, { mapOver: ["depth", "fold"], mapMode: "product" });
    const t = table(rows);
    expect(t.data.cached).toEqual([0, 1, 2, 3]);
    expect(t.toString()).toContain("6 rows × 3 columns, 4 from the cache (✓)");
    expect(t.toString().split("\n")[1]).toMatch(/^0✓/);
    // The mark is invisible to code: the results are a plain array of plain records.
    expect(Object.keys(rows)).toEqual(["0", "1", "2", "3", "4", "5"]);
    expect(JSON.stringify(rows)).toBe(JSON.stringify(rows.map((r) => ({ ...r }))));
    // Given explicitly, the marks win.
    expect(table(rows, { cached: [5] }).data.cached).toEqual([5]);
  });

  it("shows a map's grid: the values each item was given, then its outputs", async () => {
    const p = new Pipeline({ nodes: [score] });
    const rows = await p.map({ depth: [1, 2], fold: [0, 1], unused: 5 }, { mapOver: ["depth", "fold"], mapMode: "product", extraInputs: "ignore" });
    const t = table(rows);
    expect(t.data.columns).toEqual([
      { name: "depth", kind: "number", input: true },
      { name: "fold", kind: "number", input: true },
      { name: "accuracy", kind: "number" },
    ]);
    expect(t.data.rows).toEqual([[1, 0, 0.91], [1, 1, 0.911], [2, 0, 0.92], [2, 1, 0.921]]);
    expect(t.data.cached).toBeUndefined(); // no callback counted this call's items
    expect(table(rows, { inputs: false }).data.columns.map((c) => c.name)).toEqual(["accuracy"]);
    // The same flat records for code: grid values, then outputs.
    expect(withInputs(rows)[3]).toEqual({ depth: 2, fold: 1, accuracy: 0.921 });
    expect(withInputs([{ a: 1 }])).toEqual([{ a: 1 }]);
    // Results the caller built anew are plain records: just their fields.
    expect(table(rows.map((r) => ({ ...r }))).data.columns.map((c) => c.name)).toEqual(["accuracy"]);
  });

  it("keeps each row's own grid values and cache mark after the results are sorted or added to in place", async () => {
    const p = new Pipeline({ nodes: [score], cache: new MemoryCache(), callbacks: [new ProgressCallback({ stream: new PassThrough() as never, force: true })] });
    await p.map({ depth: [1], fold: [0, 1] }, { mapOver: ["depth", "fold"], mapMode: "product" });
    const rows: Record<string, unknown>[] = await p.map({ depth: [1, 2], fold: [0, 1] }, { mapOver: ["depth", "fold"], mapMode: "product" });
    rows.sort((a, b) => (b.accuracy as number) - (a.accuracy as number)); // best first
    rows.push({ accuracy: 0.5 }); // a row of the caller's own
    const t = table(rows);
    expect(t.data.rows).toEqual([[2, 1, 0.921], [2, 0, 0.92], [1, 1, 0.911], [1, 0, 0.91], [null, null, 0.5]]);
    expect(t.data.cached).toEqual([2, 3]); // the depth-1 items, wherever they are now
    expect(withInputs(rows).map((r) => [r.depth, r.fold])).toEqual([[2, 1], [2, 0], [1, 1], [1, 0], [undefined, undefined]]);
  });

  it("shows the values the items were given, whatever the caller does to its lists afterwards", async () => {
    const p = new Pipeline({ nodes: [score] });
    const depths = [1, 2];
    const rows = await p.map({ depth: depths, fold: 0 }, { mapOver: "depth" });
    depths.reverse();
    depths.push(9);
    expect(withInputs(rows).map((r) => [r.depth, r.accuracy])).toEqual([[1, 0.91], [2, 0.92]]);
  });

  it("leaves a map's results exactly as they were: a node returning them is cached like any value", async () => {
    const inner = new Pipeline({ nodes: [score] });
    let runs = 0;
    const sweep = node(async (depths: number[]) => (runs++, inner.map({ depth: depths, fold: 0 }, { mapOver: "depth" })), { outputName: "rows" });
    const outer = new Pipeline({ nodes: [sweep], cache: new MemoryCache() });
    const { warnings } = await warningsDuring(async () => {
      await outer.run({ depths: [1, 2] });
      await outer.run({ depths: [1, 2] });
    });
    expect(warnings).toEqual([]);
    expect(runs).toBe(1);
    expect(Object.getOwnPropertySymbols(await inner.map({ depth: [1], fold: 0 }, { mapOver: "depth" }))).toEqual([]);
  });

  it("cuts long text, and refuses records with more fields than a table has unless told which to show", () => {
    const t = table([{ text: "x".repeat(5000) }]);
    expect((t.data.rows[0]![0] as string).length).toBe(1000);
    const wide = [Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${i}`, i]))];
    expect(() => table(wide)).toThrow(/table: the records have more than 100 fields; pass \{ columns: \[\.\.\.\] \} to choose which to show/);
    expect(table(wide, { columns: ["f0", "f149"] }).data.rows).toEqual([[0, 149]]);
  });

  it("in the kernel: records display as a table, and anything a table cannot show as the text it always was", async () => {
    const keys = async (value: unknown) => Object.keys(await kernelMimeBundle(value)).sort();
    expect(await keys([{ a: 1 }])).toEqual([TABLE_MIME_TYPE, "text/html", "text/plain"].sort());
    const throwing = { a: 1, get b(): number { throw new Error("boom"); } };
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const wide = Array.from({ length: 200 }, (_, i) => ({ [`word${i}`]: i }));
    for (const value of [[throwing], [{ a: 1 }, proxy], wide, [1, 2]]) expect(await keys(value)).toEqual(["text/plain"]);
  });

  it("has a MIME bundle with our type, HTML and text", () => {
    const bundle = table([{ a: 1 }], { title: "runs" }).mimeBundle();
    expect(Object.keys(bundle).sort()).toEqual([TABLE_MIME_TYPE, "text/html", "text/plain"].sort());
    expect(bundle[TABLE_MIME_TYPE].title).toBe("runs");
    expect(bundle["text/plain"].split("\n")[0]).toBe("runs");
  });

  it("refuses what is not records, naming the culprit", () => {
    expect(() => table("abc" as never)).toThrow(new HyperNodesError('table: rows must be an array of records, got string'));
    expect(() => table([{ a: 1 }, 5 as never])).toThrow(/table: row 1 must be a record \(an object of named values\), got number/);
    expect(() => table([{ a: 1 }], { pageSize: 0 })).toThrow(/pageSize must be a positive integer, got number/);
  });

  it("tells records from other arrays", () => {
    expect(isRecords([{ a: 1 }, Object.create(null)])).toBe(true);
    expect(isRecords([])).toBe(false);
    expect(isRecords([1, 2])).toBe(false);
    expect(isRecords([{ a: 1 }, new Date()])).toBe(false);
    expect(isRecords([[1]])).toBe(false);
  });
});

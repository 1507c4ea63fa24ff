// The renderers in headless Chromium, inside JupyterLab's real rendermime registry and output
// area: drawing, in-place updates (update_display_data), expand/collapse, theme switch.
import { mkdirSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAG_MIME_TYPE, DagStatusCallback, visualize } from "hypernodes";
import { PROGRESS_MIME_TYPE, progressColors, STATE_COLORS, TELEMETRY_MIME_TYPE, type ProgressMimeData, type TimelineModel } from "hypernodes/browser";
import { legendEntries } from "hypernodes/browser";
import { openBrowser } from "../e2e/lab.js";
import { chain, dagData, nestedPipeline, progressSnapshots, telemetryBundle } from "./fixtures.js";
import { buildTestPage } from "./page/build.mjs";

const ARTIFACTS = new URL("../../test-artifacts/lab/", import.meta.url);
mkdirSync(ARTIFACTS, { recursive: true });

let browser: Awaited<ReturnType<typeof openBrowser>>;
let page: Page & { consoleErrors: string[] };
let pageUrl: string;

beforeAll(async () => {
  pageUrl = pathToFileURL(await buildTestPage()).href;
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function freshPage(): Promise<void> {
  page = (await browser.newPage()) as typeof page;
  await page.goto(pageUrl);
  await page.waitForFunction(() => (window as any).hn);
}

/** Adds an output as display_data does. */
const add = (data: Record<string, unknown>) =>
  page.evaluate((data) => (window as any).hn.model.add({ output_type: "display_data", data, metadata: {} }), data);
/** Replaces output 0 as update_display_data does. */
const update = (data: Record<string, unknown>) =>
  page.evaluate((data) => (window as any).hn.model.set(0, { output_type: "display_data", data, metadata: {} }), data);

/** Waits until the DAG renderer has drawn its latest state, transitions included. */
const idle = () => page.waitForSelector(".hn-dag[data-hn-state=idle] .hn-dag-graph:not([hidden]) svg g.node");

/** The drawn node or cluster whose DOT id is `title`. */
const drawn = (title: string) => page.locator(`.hn-dag .hn-dag-graph:not([hidden]) svg g:has(> title:text-is("${title}"))`);

/** A click on the drawn node or cluster named `title`, then the redraw it starts. */
async function clickOn(title: string): Promise<void> {
  // A cluster is clicked on its title: top to bottom, a node of its own.
  await drawn(title.startsWith("cluster") ? `${title}__title` : title).locator("text").first().click();
  await page.waitForSelector(".hn-dag[data-hn-state=drawing]");
  await idle();
}

/** The drawn DOT ids (node and cluster titles), once d3-graphviz has drawn them. */
async function drawnIds(): Promise<{ nodes: string[]; clusters: string[] }> {
  await idle();
  return page.evaluate(() => ({
    // (A cluster's title is a node of its own top to bottom: counted with the cluster.)
    nodes: [...document.querySelectorAll(".hn-dag .hn-dag-graph:not([hidden]) svg g.node > title")].map((t) => t.textContent!).filter((id) => !id.endsWith("__title")).sort(),
    clusters: [...document.querySelectorAll(".hn-dag .hn-dag-graph:not([hidden]) svg g.cluster > title")].map((t) => t.textContent!).sort(),
  }));
}

/** A drawn node's fill colour, as #rrggbb (transitions leave rgb() behind). */
const fillOf = (id: string) =>
  page.evaluate((id) => {
    const group = [...document.querySelectorAll(".hn-dag .hn-dag-graph:not([hidden]) svg g.node")].find((g) => g.querySelector("title")!.textContent === id);
    const fill = group?.querySelector("path, polygon, ellipse")?.getAttribute("fill") ?? "";
    const rgb = fill.match(/^rgb\((\d+), (\d+), (\d+)\)$/);
    return rgb ? `#${rgb.slice(1).map((c) => Number(c).toString(16).padStart(2, "0")).join("")}` : fill;
  }, id);

describe("DAG renderer", () => {
  beforeAll(freshPage);

  it("draws the DAG in place of the SVG fallback", async () => {
    const viz = visualize(nestedPipeline());
    await add({ ...(await viz.mimeBundle()) });
    expect(await drawnIds()).toEqual({ nodes: ["fn_load", "fn_report", "in_path", "pl_analyze"], clusters: [] });
    // Ours won: the SVG fallback's renderer is not used.
    expect(await page.locator(".jp-RenderedSVG").count()).toBe(0);
    expect(await page.locator(".hn-dag").count()).toBe(1);
  });

  it("expands a nested pipeline on click and collapses it on a click on its cluster", async () => {
    await clickOn("pl_analyze");
    expect(await drawnIds()).toEqual({
      nodes: ["fn_analyze__clean", "fn_load", "fn_report", "in_analyze__lowercase", "in_path", "pl_analyze__tokenizer"],
      clusters: ["cluster_analyze"],
    });
    await clickOn("pl_analyze__tokenizer");
    expect((await drawnIds()).clusters).toEqual(["cluster_analyze", "cluster_analyze__tokenizer"]);
    await page.screenshot({ path: new URL("dag-expanded.png", ARTIFACTS).pathname });
    // Clicking the outer cluster collapses it with everything inside.
    await clickOn("cluster_analyze");
    expect((await drawnIds()).nodes).toEqual(["fn_load", "fn_report", "in_path", "pl_analyze"]);
  });

  it("shows a node's inputs, outputs, state and last duration on hover", async () => {
    await drawn("fn_report").hover();
    const tip = page.locator(".hn-dag-tooltip");
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.innerText()).toMatch(/report\s+node\s+inputs: count\s+outputs: report/);
    await page.mouse.move(1, 1);
  });

  it("updates live run status in place, keeping the reader's expanded pipelines", async () => {
    await clickOn("pl_analyze");
    const before = await page.evaluate(() => ((window as any).first = document.querySelector(".hn-dag")) !== null);
    expect(before).toBe(true);
    const status = new DagStatusCallback({ throttleMs: 0 });
    const p = nestedPipeline([status]);
    status.track(p);
    await p.run({ path: "a.txt" });
    await update({ ...(await status.visualization.mimeBundle()) });
    await idle();
    // The reader's expansions survive the update (tokenizer stayed expanded inside analyze).
    expect((await drawnIds()).clusters).toEqual(["cluster_analyze", "cluster_analyze__tokenizer"]);
    await expect.poll(() => fillOf("fn_analyze__clean")).toBe("#dcfce7"); // done, light theme
    // Same widget: updated in place, not replaced.
    expect(await page.evaluate(() => (window as any).first === document.querySelector(".hn-dag"))).toBe(true);
    // A re-run is served from the cache: cached colour, hover says so.
    await p.run({ path: "a.txt" });
    await update({ ...(await status.visualization.mimeBundle()) });
    await expect.poll(() => fillOf("fn_load")).toBe("#ccfbf1");
    await drawn("fn_load").hover();
    await expect.poll(() => page.locator(".hn-dag-tooltip").innerText()).toContain("state: cached");
    await page.screenshot({ path: new URL("dag-status.png", ARTIFACTS).pathname });
  });

  it("follows the lab's theme switch, with no card of its own behind the drawing", async () => {
    const background = () => page.evaluate(() => document.querySelector(".hn-dag[data-hn-state=idle] .hn-dag-graph:not([hidden]) svg > g > polygon")?.getAttribute("fill"));
    expect(await fillOf("in_path")).toBe("#e2e8f0");
    await page.evaluate(() => (document.body.dataset.jpThemeLight = "false"));
    await expect.poll(() => fillOf("in_path")).toBe("#334155");
    expect(await background()).toBe("transparent");
    await page.screenshot({ path: new URL("dag-dark.png", ARTIFACTS).pathname });
    await page.evaluate(() => (document.body.dataset.jpThemeLight = "true"));
    await expect.poll(() => fillOf("in_path")).toBe("#e2e8f0");
  });

  /** The drawing's transform: the reader's pan and zoom, then Graphviz's own offset. */
  const transform = () => page.evaluate(() => document.querySelector(".hn-dag .hn-dag-graph:not([hidden]) svg > g")!.getAttribute("transform"));
  /** The reader's zoom factor: the first scale() of that transform. */
  const zoomFactor = async () => Number(/scale\(([\d.]+)/.exec((await transform())!)![1]);
  const button = (name: string) => page.locator(".hn-dag-toolbar button", { hasText: new RegExp(`^${name}$`) });
  /** Back to the DAG as first drawn: no zoom, nested pipelines collapsed. */
  async function reset(): Promise<void> {
    await button("Fit").click();
    if ((await drawnIds()).clusters.length) {
      await button("Collapse all").click();
      await expect.poll(async () => (await drawnIds()).clusters).toEqual([]);
    }
  }

  it("zooms with Ctrl + wheel, pans, and keeps the reader's view across redraws", async () => {
    const before = await transform();
    const box = (await drawn("fn_load").boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down("Control");
    await page.mouse.wheel(0, -300);
    await page.keyboard.up("Control");
    await expect.poll(transform).not.toBe(before);
    const zoomed = await transform();
    expect(await zoomFactor()).toBeGreaterThan(1.1);
    await page.evaluate(() => (document.body.dataset.jpThemeLight = "false")); // a redraw
    await expect.poll(() => fillOf("in_path")).toBe("#334155");
    expect(await transform()).toBe(zoomed);
    await page.evaluate(() => (document.body.dataset.jpThemeLight = "true"));
    await expect.poll(() => fillOf("in_path")).toBe("#e2e8f0");
    await button("Fit").click();
    expect(await zoomFactor()).toBe(1);
  });

  it("leaves a plain wheel to the page: the notebook scrolls", async () => {
    await reset();
    const before = await transform();
    await page.evaluate(() => document.addEventListener("wheel", (e) => ((window as any).wheelPrevented = e.defaultPrevented)));
    await drawn("fn_load").hover();
    await page.mouse.wheel(0, 200);
    await expect.poll(() => page.evaluate(() => (window as any).wheelPrevented)).toBe(false);
    expect(await transform()).toBe(before);
  });

  it("keeps the zoom across expand, collapse and a theme switch", async () => {
    await reset();
    await button("\\+").click();
    await button("\\+").click();
    const zoomed = await zoomFactor();
    expect(zoomed).toBeCloseTo(1.5625, 3);
    await clickOn("pl_analyze");
    expect(await zoomFactor()).toBeCloseTo(zoomed, 3);
    await page.evaluate(() => (document.body.dataset.jpThemeLight = "false"));
    await expect.poll(() => fillOf("in_path")).toBe("#334155");
    expect(await zoomFactor()).toBeCloseTo(zoomed, 3);
    await page.evaluate(() => (document.body.dataset.jpThemeLight = "true"));
    await expect.poll(() => fillOf("in_path")).toBe("#e2e8f0");
    // (Zoomed in, the cluster's title is out of view: collapsed from the toolbar.)
    await button("Collapse all").click();
    await expect.poll(async () => (await drawnIds()).clusters).toEqual([]);
    expect(await zoomFactor()).toBeCloseTo(zoomed, 3);
    await button("Fit").click();
  });

  it("collapses a cluster on a click on its title", async () => {
    await reset();
    await clickOn("pl_analyze");
    expect((await drawnIds()).clusters).toEqual(["cluster_analyze"]);
    await page.locator(".hn-dag .hn-dag-graph:not([hidden]) svg text", { hasText: /^analyze$/ }).click();
    await page.waitForSelector(".hn-dag[data-hn-state=drawing]");
    expect(await drawnIds()).toEqual({ nodes: ["fn_load", "fn_report", "in_path", "pl_analyze"], clusters: [] });
  });

  it("expands and collapses every nested pipeline from the toolbar, and downloads SVG and PNG", async () => {
    await button("Expand all").click();
    await expect.poll(async () => (await drawnIds()).clusters).toEqual(["cluster_analyze", "cluster_analyze__tokenizer"]);
    await button("Collapse all").click();
    await expect.poll(async () => (await drawnIds()).clusters).toEqual([]);
    for (const format of ["SVG", "PNG"]) {
      const [download] = await Promise.all([page.waitForEvent("download"), button(format).click()]);
      expect(download.suggestedFilename()).toBe(`nested.${format.toLowerCase()}`);
      const bytes = readFileSync((await download.path())!);
      if (format === "SVG") expect(bytes.toString()).toContain(">report</text>");
      else expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    }
  });

  it("keeps a tooltip inside the output, and hides it when the pointer leaves or its node goes", async () => {
    await reset();
    const tip = page.locator(".hn-dag-tooltip");
    const inside = async () => {
      const [outer, card] = [(await page.locator(".hn-dag").boundingBox())!, (await tip.boundingBox())!];
      return card.x >= outer.x && card.y >= outer.y && card.x + card.width <= outer.x + outer.width + 0.5 && card.y + card.height <= outer.y + outer.height + 0.5;
    };
    // The bottom-most node: a card placed below the pointer would leave the output.
    await drawn("fn_report").hover();
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await inside()).toBe(true);
    await page.mouse.move(1, 1);
    expect(await tip.isVisible()).toBe(false);
    // Its node removed by a collapse while the pointer stays on it: the card goes with it.
    await clickOn("pl_analyze");
    await drawn("fn_analyze__clean").hover();
    await expect.poll(() => tip.innerText()).toContain("inputs: doc, lowercase");
    await page.evaluate(() => [...document.querySelectorAll<HTMLButtonElement>(".hn-dag-toolbar button")].find((b) => b.textContent === "Collapse all")!.click());
    await expect.poll(async () => (await drawnIds()).clusters).toEqual([]);
    expect(await tip.isVisible()).toBe(false);
  });

  it("draws an output saved by an older kernel (DOT only), and says so when a DOT cannot be drawn", async () => {
    await page.evaluate(() => (window as any).hn.model.clear());
    const { dot } = (await visualize(nestedPipeline()).mimeBundle())[DAG_MIME_TYPE];
    await add({ [DAG_MIME_TYPE]: { dot, status: null } });
    expect((await drawnIds()).nodes).toEqual(["fn_load", "fn_report", "in_path", "pl_analyze"]);
    await update({ [DAG_MIME_TYPE]: { dot: "digraph { a -> }", status: null } });
    await expect.poll(() => page.locator(".hn-dag[data-hn-state=idle] .hn-dag-error").textContent()).toMatch(/^Could not draw this DAG: /);
    await update({ [DAG_MIME_TYPE]: { dot, status: null } }); // the next update draws again
    expect((await drawnIds()).nodes).toEqual(["fn_load", "fn_report", "in_path", "pl_analyze"]);
  });

  it("draws a 200-node DAG", async () => {
    await page.evaluate(() => (window as any).hn.model.clear());
    await add({ ...(await visualize(chain(200)).mimeBundle()) });
    await page.waitForFunction(() => document.querySelectorAll(".hn-dag .hn-dag-graph:not([hidden]) svg g.node").length === 201, undefined, { timeout: 10_000 });
    expect(page.consoleErrors).toEqual([]);
  });
});

describe("DAG renderer: the legend", () => {
  beforeAll(freshPage);

  const legend = () => page.locator(".hn-dag-legend");
  const legendButton = () => page.locator(".hn-dag-toolbar button", { hasText: /^Legend$/ });
  /** The legend's entries as drawn: name, swatch fill and border style. */
  const legendItems = () =>
    page.locator(".hn-dag-legend .hn-dag-legend-item").evaluateAll((items) =>
      items.map((item) => {
        const swatch = getComputedStyle(item.querySelector(".hn-dag-swatch")!);
        return { label: item.textContent, fill: swatch.backgroundColor, border: swatch.borderTopStyle };
      }),
    );
  const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;
  const expected = (entries: ReturnType<typeof legendEntries>) =>
    entries.map((e) => ({ label: e.label, fill: rgb(e.fill), border: e.double ? "double" : e.dashed ? "dashed" : "solid" }));
  /** The text Graphviz drew in the DAG shown. */
  const drawnTexts = () => page.locator(".hn-dag .hn-dag-graph:not([hidden]) svg text").allTextContents();
  /** A download's SVG text, from the toolbar button. */
  async function downloadedSvg(): Promise<string> {
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator(".hn-dag-toolbar button", { hasText: /^SVG$/ }).click()]);
    return readFileSync((await download.path())!, "utf8");
  }

  it("opens with its legend when drawn with showLegend, listing what the view shows, drawn once", async () => {
    const viz = visualize(nestedPipeline(), { showLegend: true });
    const bundle = await viz.mimeBundle();
    await add({ ...bundle });
    await idle();
    expect(await legend().isVisible()).toBe(true);
    expect(await legendButton().getAttribute("aria-pressed")).toBe("true");
    expect(await legendItems()).toEqual(expected(legendEntries("light", viz.model)));
    expect((await legendItems()).map((i) => i.label)).toEqual(["function", "nested pipeline", "input"]);
    // The SVG fallback (other front ends) carries Graphviz's legend; here ours replaces it, not adds to it.
    expect(bundle["image/svg+xml"]).toContain(">legend</text>");
    expect(await drawnTexts()).not.toContain("legend");
    expect(await drawnTexts()).toContain("load");
    // Expanded, the bound input inside shows: the legend follows the view.
    await clickOn("pl_analyze");
    expect((await legendItems()).map((i) => i.label)).toEqual(["function", "nested pipeline", "input", "bound input"]);
    await page.screenshot({ path: new URL("dag-legend.png", ARTIFACTS).pathname });
  });

  it("downloads the drawing with its legend while it is open, without it once closed", async () => {
    const open = await downloadedSvg();
    for (const label of ["legend", "function", "nested pipeline", "input", "bound input"]) expect(open).toContain(`>${label}</text>`);
    await legendButton().click();
    expect(await legend().isVisible()).toBe(false);
    expect(await legendButton().getAttribute("aria-pressed")).toBe("false");
    const closed = await downloadedSvg();
    expect(closed).not.toContain(">legend</text>");
    expect(closed).toContain(">load</text>");
  });

  it("keeps the reader's choice across live updates; shows the run's states once it has some, in the lab's theme", async () => {
    // Closed by the reader (above): an update of the same pipeline leaves it closed.
    const status = new DagStatusCallback({ throttleMs: 0, showLegend: true });
    const p = nestedPipeline([status]);
    status.track(p);
    await p.run({ path: "a.txt" });
    await update({ ...(await status.visualization.mimeBundle()) });
    await idle();
    expect(await legend().isVisible()).toBe(false);
    await legendButton().click();
    const states = ["running", "done", "cached", "failed"];
    expect((await legendItems()).filter((i) => states.includes(i.label!))).toEqual(expected(legendEntries("light").filter((e) => states.includes(e.key))));
    await page.evaluate(() => (document.body.dataset.jpThemeLight = "false"));
    await expect.poll(async () => (await legendItems())[0]!.fill).toBe(rgb(legendEntries("dark")[0]!.fill));
    // (The reader's view: analyze still expanded, so its bound input is listed.)
    const shown = ["function", "pipeline", "input", "bound", ...states];
    expect(await legendItems()).toEqual(expected(legendEntries("dark").filter((e) => shown.includes(e.key))));
    await page.screenshot({ path: new URL("dag-legend-dark.png", ARTIFACTS).pathname });
    await page.evaluate(() => (document.body.dataset.jpThemeLight = "true"));
  });

  it("opens a DAG drawn without showLegend with its legend closed", async () => {
    await page.evaluate(() => (window as any).hn.model.clear());
    await add({ ...(await visualize(nestedPipeline()).mimeBundle()) });
    await idle();
    expect(await legend().isVisible()).toBe(false);
    expect(await legendButton().getAttribute("aria-pressed")).toBe("false");
    expect(page.consoleErrors).toEqual([]);
  });
});

describe("progress renderer", () => {
  beforeAll(freshPage);

  const rows = () =>
    page.evaluate(() =>
      [...document.querySelectorAll(".hn-progress-row")].map((r) => ({
        label: r.querySelector(".hn-progress-label")!.textContent,
        percent: r.querySelector(".hn-progress-percent")!.textContent,
        counts: r.querySelector(".hn-progress-counts")!.textContent,
        timing: r.querySelector(".hn-progress-rate")!.textContent,
        depth: (r as HTMLElement).style.getPropertyValue("--hn-depth"),
        error: r.querySelector(".hn-progress-error")!.textContent,
      })),
    );

  /**
   * A map of 2,000 items, 1,000 cached, 2 ms for each other: its snapshots while it ran (over a
   * second in), one of them half-way through them, and its last.
   */
  let longMap: Promise<{ running: ProgressMimeData[]; halfway: ProgressMimeData; final: ProgressMimeData }> | undefined;
  const runningAndFinal = () =>
    (longMap ??= progressSnapshots(2000, undefined, 2).then((snapshots) => {
      const running = snapshots.filter((s) => !s.final && s.rows.length > 0 && s.at - s.rows[0]!.startedAt > 1000);
      return { running, halfway: running[Math.floor(running.length / 2)]!, final: snapshots.at(-1)! };
    }));

  it("draws one bar per map and node, nested ones indented, cached items apart, failures red with their first line", async () => {
    const snapshots = await progressSnapshots(40, 30);
    await add({ [PROGRESS_MIME_TYPE]: snapshots[0], "text/html": "<b>fallback</b>", "text/plain": "fallback" });
    expect(await page.locator(".hn-progress").count()).toBe(1);
    const element = await page.evaluate(() => ((window as any).first = document.querySelector(".hn-progress")) !== null);
    expect(element).toBe(true);
    for (const snapshot of snapshots.slice(1)) await update({ [PROGRESS_MIME_TYPE]: snapshot, "text/plain": "fallback" });
    const final = snapshots.at(-1)!;
    expect(final.final).toBe(true);
    const drawn = await rows();
    expect(drawn.map((r) => r.label)).toEqual(final.rows.map((r) => r.label));
    expect(drawn.map((r) => r.depth)).toEqual(final.rows.map((r) => String(r.depth)));
    const map = drawn[0]!;
    expect(map.counts).toMatch(/^\d+\/40 · ⚡20 cached · ✗ 1 failed$/);
    expect(map.percent).toBe(`${Math.floor((100 * final.rows[0]!.value) / 40)}%`);
    expect(drawn.find((r) => r.error)?.error).toBe("bad item 30");
    expect(await page.evaluate(() => (window as any).first === document.querySelector(".hn-progress"))).toBe(true);
    await page.screenshot({ path: new URL("progress.png", ARTIFACTS).pathname });
    expect(page.consoleErrors).toEqual([]);
  });

  it("while a map runs shows its percentage, time elapsed, items/s and ETA; once over, how long it took", async () => {
    const { running, halfway, final } = await runningAndFinal();
    await page.evaluate(() => (window as any).hn.model.clear());
    await add({ [PROGRESS_MIME_TYPE]: running[0], "text/plain": "fallback" });
    // Each update re-renders in place, cheaply: no more than 5 ms (median) with style and layout.
    const times = await page.evaluate((snapshots) => {
      const hn = (window as any).hn;
      return snapshots.map((data) => {
        const start = performance.now();
        hn.model.set(0, { output_type: "display_data", data: { "application/vnd.hypernodes.progress+json": data }, metadata: {} });
        void document.body.offsetHeight;
        return performance.now() - start;
      });
    }, running.slice(1));
    expect(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]).toBeLessThan(5);
    await update({ [PROGRESS_MIME_TYPE]: halfway, "text/plain": "fallback" });
    const snapshot = halfway.rows[0]!;
    const [map] = await rows();
    expect(map!.percent).toBe(`${Math.floor((100 * snapshot.value) / 2000)}%`);
    expect(map!.counts).toMatch(/^1,\d{3}\/2,000 · ⚡1,000 cached$/);
    expect(map!.timing).toMatch(/^\d\.\d\d s elapsed · \d+\.\d it\/s · ETA \d+ s$/);
    await add({ [PROGRESS_MIME_TYPE]: final, "text/plain": "fallback" });
    const done = (await rows()).filter((row) => row.label === map!.label)[1]!; // the second output's
    expect(done).toMatchObject({ percent: "100%", counts: "2,000/2,000 · ⚡1,000 cached" });
    expect(done.timing).toMatch(/^in \d\.\d\d s$/);
    await page.screenshot({ path: new URL("progress-running.png", ARTIFACTS).pathname });
  });

  it("re-renders a saved final state on its own (a reopened notebook)", async () => {
    const snapshots = await progressSnapshots(10);
    await page.evaluate(() => (window as any).hn.model.clear());
    await add({ [PROGRESS_MIME_TYPE]: snapshots.at(-1)!, "text/plain": "fallback" });
    const drawn = await rows();
    expect(drawn[0]!.counts).toBe("10/10 · ⚡5 cached");
    expect(await page.locator(".hn-progress-rate").first().innerText()).toMatch(/^in \d+(\.\d+)? m?s$/);
  });

  it("colours the bars with the DAG's state palette, following the lab's theme", async () => {
    const snapshots = await progressSnapshots(40, 30);
    const { halfway } = await runningAndFinal();
    await page.evaluate(() => (window as any).hn.model.clear());
    await add({ [PROGRESS_MIME_TYPE]: snapshots.at(-1)!, "text/plain": "fallback" });
    await add({ [PROGRESS_MIME_TYPE]: halfway, "text/plain": "fallback" });
    const colours = () =>
      page.evaluate(() => {
        const background = (selector: string) => getComputedStyle(document.querySelector(selector)!).backgroundColor;
        return { cached: background(".hn-progress-cached"), failed: background(".hn-progress-failed") };
      });
    const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;
    expect(await colours()).toEqual({ cached: rgb(STATE_COLORS.light.cached.line), failed: rgb(STATE_COLORS.light.failed.line) });
    // This page has no lab theme: the dark one's background and text colours are set by hand.
    await page.evaluate(() => {
      document.body.dataset.jpThemeLight = "false";
      document.body.style.cssText = "background:#111;--jp-ui-font-color1:#e5e7eb;--jp-ui-font-color2:#9ca3af;--jp-layout-color3:#374151";
    });
    await expect.poll(colours).toEqual({ cached: rgb(STATE_COLORS.dark.cached.line), failed: rgb(STATE_COLORS.dark.failed.line) });
    await page.screenshot({ path: new URL("progress-dark.png", ARTIFACTS).pathname });
    await page.evaluate(() => {
      document.body.dataset.jpThemeLight = "true";
      document.body.style.cssText = "font-family: sans-serif";
    });
  });
});

describe("telemetry timeline renderer", () => {
  beforeAll(freshPage);

  /** The drawn rows: label, indentation, the bar's place on the track (in % of it), state classes, figures. */
  const drawnRows = () =>
    page.evaluate(() =>
      [...document.querySelectorAll(".hn-timeline-track")].map((track) => {
        const label = track.previousElementSibling as HTMLElement;
        const bar = track.querySelector(".hn-timeline-bar")!.getBoundingClientRect();
        const box = track.getBoundingClientRect();
        return {
          label: label.textContent,
          depth: label.style.getPropertyValue("--hn-depth"),
          left: (100 * (bar.left - box.left)) / box.width,
          right: (100 * (bar.right - box.left)) / box.width,
          cached: track.classList.contains("hn-timeline-cached"),
          failed: track.classList.contains("hn-timeline-failed"),
          figures: track.nextElementSibling!.textContent,
        };
      }),
    );

  /** A #rrggbb colour as getComputedStyle reports it. */
  const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;

  it("draws a bar per row where it ran on one time axis, nested rows indented, in place of the HTML fallback", async () => {
    const bundle = await telemetryBundle(10);
    const model = bundle[TELEMETRY_MIME_TYPE] as TimelineModel;
    await add(bundle);
    await page.waitForSelector(".hn-timeline .hn-timeline-bar");
    expect(await page.locator(".jp-RenderedHTMLCommon").count()).toBe(0);
    const rows = await drawnRows();
    expect(rows.map((r) => `${r.depth} ${r.label}`)).toEqual([
      "0 pipeline corpus",
      "1 load",
      "1 nested embedDocs",
      "2 map embedDocs",
      "3 clean",
      "3 embed",
      "1 report",
    ]);
    const end = Math.max(model.wallMs, ...model.rows.map((r) => r.end));
    rows.forEach((row, i) => {
      const { start, end: stop } = model.rows[i]!;
      expect(row.left).toBeCloseTo((100 * start) / end, 0);
      // A bar is at least 2 px wide, however short its row.
      expect(row.right).toBeGreaterThanOrEqual(Math.min(100, (100 * stop) / end) - 0.5);
    });
    // load ran before the map, report after it.
    expect(rows[1]!.right).toBeLessThanOrEqual(rows[3]!.left + 0.5);
    expect(rows[6]!.left).toBeGreaterThanOrEqual(rows[3]!.right - 0.5);
    // The map's 10 documents: 6 from the cache; its nodes ran for the 4 others.
    expect(rows[3]!.figures).toMatch(/^[\d.]+ [µm]?s · 10 items · ⚡6 cached · min [\d.]+ [µm]?s · med [\d.]+ [µm]?s · max [\d.]+ [µm]?s$/);
    expect(rows[5]!.figures).toMatch(/ · 4 runs · ⚡6 cached · min /);
    const ticks = await page.locator(".hn-timeline-tick").allTextContents();
    expect(ticks[0]).toBe("0");
    expect(ticks.slice(1).every((t) => /^\d+(\.\d+)? ms$/.test(t))).toBe(true);
    const totals = await page.locator(".hn-timeline-totals tr").allInnerTexts();
    expect(totals.map((t) => t.split("\t")[0])).toEqual(["node", ...model.totals.map((t) => t.name)]);
    await page.screenshot({ path: new URL("telemetry.png", ARTIFACTS).pathname, fullPage: true });
    expect(page.consoleErrors).toEqual([]);
  });

  it("shows a row's exact figures on hover", async () => {
    await page.locator(".hn-timeline-track.hn-timeline-node").nth(2).hover(); // embed
    const tip = page.locator(".hn-timeline-tooltip");
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.innerText()).toMatch(/^embed\n[\d.]+ ms → [\d.]+ ms \([\d.]+ ms\)\n4 runs · 6 cached\nmin [\d.]+ ms · median [\d.]+ ms · max [\d.]+ ms\nown time [\d.]+ ms$/);
    // Inside the output, below the pointer.
    const [tipBox, outBox] = [await tip.boundingBox(), await page.locator(".hn-timeline").boundingBox()];
    expect(tipBox!.x + tipBox!.width).toBeLessThanOrEqual(outBox!.x + outBox!.width + 1);
    await page.screenshot({ path: new URL("telemetry-hover.png", ARTIFACTS).pathname });
    await page.mouse.move(0, 0);
    await expect.poll(() => tip.isVisible()).toBe(false);
  });

  it("marks failed rows red with the node's message, and rows only served from the cache apart", async () => {
    await page.evaluate(() => (window as any).hn.model.clear());
    await add(await telemetryBundle(10, 7));
    await page.waitForSelector(".hn-timeline .hn-timeline-bar");
    expect(await page.locator(".hn-timeline-title").textContent()).toMatch(/^run 'corpus': [\d.]+ ms wall \(failed\)$/);
    const rows = await drawnRows();
    expect(rows.filter((r) => r.failed).map((r) => r.label)).toEqual(["pipeline corpus", "nested embedDocs", "map embedDocs", "embed"]);
    expect(await page.locator(".hn-timeline-error").allTextContents()).toEqual(["cannot embed document 7"]);
    const colours = () =>
      page.evaluate(() => ({
        failedBar: getComputedStyle(document.querySelector(".hn-timeline-track.hn-timeline-failed .hn-timeline-bar")!).backgroundColor,
        error: getComputedStyle(document.querySelector(".hn-timeline-error")!).color,
      }));
    expect(await colours()).toEqual({ failedBar: rgb(STATE_COLORS.light.failed.line), error: rgb(STATE_COLORS.light.failed.line) });
    await page.screenshot({ path: new URL("telemetry-failed.png", ARTIFACTS).pathname, fullPage: true });
    // In a narrow output the track shrinks and the figures wrap between figures: nothing overflows.
    await page.setViewportSize({ width: 760, height: 720 });
    expect(await page.evaluate(() => document.querySelector(".hn-timeline")!.scrollWidth <= document.querySelector(".hn-timeline")!.clientWidth)).toBe(true);
    await page.screenshot({ path: new URL("telemetry-narrow.png", ARTIFACTS).pathname, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it("hatches a row only served from the cache, and follows the lab's theme", async () => {
    await page.evaluate(() => (window as any).hn.model.clear());
    await add(await telemetryBundle(6)); // the same run again: every node, the nested pipeline whole, from the cache
    await page.waitForSelector(".hn-timeline .hn-timeline-bar");
    const rows = await drawnRows();
    expect(rows.filter((r) => r.cached).map((r) => r.label)).toEqual(["load", "embedDocs", "report"]);
    const cachedBorder = () =>
      page.evaluate(() => getComputedStyle(document.querySelector(".hn-timeline-track.hn-timeline-cached .hn-timeline-bar")!).borderTopColor);
    expect(await cachedBorder()).toBe(rgb(progressColors("light").cached));
    await page.screenshot({ path: new URL("telemetry-cached.png", ARTIFACTS).pathname, fullPage: true });
    // This page has no lab theme: the dark one's background and text colours are set by hand.
    await page.evaluate(() => {
      document.body.dataset.jpThemeLight = "false";
      document.body.style.cssText =
        "background:#111;--jp-ui-font-color1:#e5e7eb;--jp-ui-font-color2:#9ca3af;--jp-layout-color0:#1f2937;--jp-border-color1:#4b5563;--jp-border-color2:#374151";
    });
    await expect.poll(cachedBorder).toBe(rgb(progressColors("dark").cached));
    await page.evaluate(() => (window as any).hn.model.clear());
    await add(await telemetryBundle(10, 7));
    await page.waitForSelector(".hn-timeline .hn-timeline-bar");
    await page.screenshot({ path: new URL("telemetry-dark.png", ARTIFACTS).pathname, fullPage: true });
    // Near the output's bottom, the tooltip opens above the pointer: all of it is inside the output.
    await page.locator(".hn-timeline-track.hn-timeline-node").last().hover();
    const tip = page.locator(".hn-timeline-tooltip");
    await expect.poll(() => tip.isVisible()).toBe(true);
    const [tipBox, outBox] = [await tip.boundingBox(), await page.locator(".hn-timeline").boundingBox()];
    expect(tipBox!.y + tipBox!.height).toBeLessThanOrEqual(outBox!.y + outBox!.height + 1);
    await page.screenshot({ path: new URL("telemetry-dark-hover.png", ARTIFACTS).pathname });
    await page.evaluate(() => {
      document.body.dataset.jpThemeLight = "true";
      document.body.style.cssText = "font-family: sans-serif";
    });
    expect(page.consoleErrors).toEqual([]);
  });
});

describe("table renderer", () => {
  // (Imported here: this block was added at the file's end.)
  let hn: typeof import("hypernodes");
  let browserSide: typeof import("hypernodes/browser");
  beforeAll(async () => {
    [hn, browserSide] = await Promise.all([import("hypernodes"), import("hypernodes/browser")]);
    await freshPage();
  });

  const clear = () => page.evaluate(() => (window as any).hn.model.clear());
  /** The drawn table: header names, then each row's index cell and cells as shown. */
  const drawnTable = () =>
    page.evaluate(() => {
      const root = document.querySelector(".hn-datatable")!;
      return {
        head: [...root.querySelectorAll("thead th:not(.hn-datatable-index) .hn-datatable-name")].map((th) => th.textContent),
        rows: [...root.querySelectorAll("tbody tr")].map((tr) => [...tr.children].map((cell) => cell.textContent)),
        range: root.querySelector(".hn-datatable-range")!.textContent,
      };
    });
  /** The original indices of the rows shown, in order. */
  const shownIndices = async () => (await drawnTable()).rows.map((row) => Number(row[0]!.replace("✓", "")));
  const header = (name: string) => page.locator(".hn-datatable thead th", { has: page.locator(".hn-datatable-name", { hasText: new RegExp(`^${name}$`) }) });
  const pagerButton = (label: string) => page.locator(`.hn-datatable-pager button[aria-label="${label}"]`);

  /** A sweep's results as a notebook's map returns them: the first 2 × 2 × 2 items already cached by an earlier map. */
  async function sweepResults() {
    const { MemoryCache, node, Pipeline, ProgressCallback } = hn;
    const { PassThrough } = await import("node:stream");
    const train = node((nEstimators: number, maxDepth: number, fold: number) => 0.9 + nEstimators / 1000 + maxDepth / 97 - fold / 313, { outputName: "accuracy" });
    // The notebook's progress reads the call's tally: with it, a map records which items were cached.
    const p = new Pipeline({ nodes: [train], cache: new MemoryCache(), callbacks: [new ProgressCallback({ stream: new PassThrough() as never, force: true })] });
    const grid = (nEstimators: number[]) => ({ nEstimators, maxDepth: [3, 5], fold: [0, 1] });
    const options = { mapOver: ["nEstimators", "maxDepth", "fold"], mapMode: "product" } as const;
    await p.map(grid([10, 50]), options);
    return p.map(grid([10, 50, 100]), options);
  }

  it("draws a map's results: its inputs, a rule, its outputs; numbers rounded as the fallbacks round them, right-aligned; cached rows marked", async () => {
    const results = await sweepResults();
    const bundle = hn.table(results).mimeBundle();
    const data = bundle[browserSide.TABLE_MIME_TYPE];
    expect(data.cached).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await add({ ...bundle });
    await page.waitForSelector(".hn-datatable tbody tr");
    // Ours, not the HTML fallback.
    expect(await page.locator(".jp-RenderedHTMLCommon").count()).toBe(0);
    const drawn = await drawnTable();
    expect(drawn.head).toEqual(["nEstimators", "maxDepth", "fold", "accuracy"]);
    expect(drawn.rows).toHaveLength(12);
    expect(drawn.range).toBe("12 rows");
    // The same numbers as the text fallback shows (its last column), row by row.
    const fallback = bundle["text/plain"].split("\n").slice(1, 13).map((line) => line.trim().split(/\s+/).at(-1));
    expect(drawn.rows.map((row) => row.at(-1))).toEqual(fallback);
    expect(drawn.rows.every((row) => /^0\.\d{4}$/.test(row.at(-1)!) || /^1\.\d{4}$/.test(row.at(-1)!))).toBe(true);
    expect(drawn.rows[0]!.slice(1, 4)).toEqual(["10", "3", "0"]);
    // The full value on hover; right-aligned in tabular figures.
    const accuracy = page.locator(".hn-datatable tbody tr").first().locator("td").last();
    expect(await accuracy.getAttribute("title")).toBe(String(results[0]!.accuracy));
    expect(await accuracy.evaluate((td) => [getComputedStyle(td).textAlign, getComputedStyle(td).fontVariantNumeric])).toEqual(["right", "tabular-nums"]);
    expect(await header("accuracy").evaluate((th) => getComputedStyle(th).textAlign)).toBe("right");
    // The inputs are set apart from the outputs by a rule after the last of them.
    const rule = (cell: string) => page.locator(`.hn-datatable ${cell}`).evaluateAll((cells) => cells.map((c) => getComputedStyle(c).borderRightStyle));
    expect(await rule("thead th")).toEqual(["none", "none", "none", "solid", "none"]);
    expect(new Set(await rule("tbody td.hn-datatable-last-input"))).toEqual(new Set(["solid"]));
    // The cached rows: a ✓ in the index column that says so on hover, and their count below.
    const marked = await page.locator(".hn-datatable tbody tr.hn-datatable-cached > th").evaluateAll((ths) =>
      ths.map((th) => [th.textContent, th.getAttribute("title"), th.querySelector(".hn-datatable-mark")?.getAttribute("aria-label")]),
    );
    expect(marked).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`${i}✓`, "served from the cache", "served from the cache"]));
    expect(await page.locator(".hn-datatable tbody tr:not(.hn-datatable-cached) .hn-datatable-mark").count()).toBe(0);
    expect(await page.locator(".hn-datatable-cached-count").textContent()).toBe("✓ 8 from the cache");
    // Indices line up, marked or not: their digits end at the same x.
    const digitsEnd = await page.locator(".hn-datatable tbody th").evaluateAll((ths) =>
      ths.map((th) => {
        const range = document.createRange();
        range.setStart(th.firstChild!, 0);
        range.setEnd(th.firstChild!, th.firstChild!.textContent!.length);
        return Math.round(range.getBoundingClientRect().right);
      }),
    );
    expect(new Set(digitsEnd).size).toBe(1);
    // A table that fits one page has no pager.
    expect(await page.locator(".hn-datatable-pager").isVisible()).toBe(false);
    await page.locator(".hn-datatable").screenshot({ path: new URL("table-light.png", ARTIFACTS).pathname });
    expect(page.consoleErrors).toEqual([]);
  });

  it("sorts by a click on a header: ascending, descending, then the original order; numbers by value, text naturally, empty cells last, ties stable", async () => {
    await clear();
    const rows = [
      { name: "fold 10", score: 0.5 },
      { name: "fold 2", score: null },
      { name: "Fold 1", score: 0.25 },
      { name: "fold 3", score: 0.5 },
      { name: "fold 20", score: Number.NaN },
      { name: null, score: -Infinity },
      { name: "fold 4", score: 3 },
    ];
    await add({ ...hn.table(rows).mimeBundle() });
    await page.waitForSelector(".hn-datatable tbody tr");
    const sort = () => header("score").locator("button").click();
    const state = async () => [await shownIndices(), await header("score").getAttribute("aria-sort"), await header("score").locator(".hn-datatable-arrow").textContent()];
    expect(await state()).toEqual([[0, 1, 2, 3, 4, 5, 6], "none", ""]);
    await sort();
    // -Infinity, 0.25, 0.5 (row 0 before row 3), 3, then NaN, then the empty cell.
    expect(await state()).toEqual([[5, 2, 0, 3, 6, 4, 1], "ascending", "▲"]);
    expect(await header("name").getAttribute("aria-sort")).toBe("none");
    await sort();
    // Reversed, but ties keep their order and NaN and empty cells stay last.
    expect(await state()).toEqual([[6, 0, 3, 2, 5, 4, 1], "descending", "▼"]);
    await sort();
    expect(await state()).toEqual([[0, 1, 2, 3, 4, 5, 6], "none", ""]);
    // Text: "fold 2" before "fold 10", case aside; the row without a name last. From the keyboard this time.
    await header("name").locator("button").focus();
    await page.keyboard.press("Enter");
    expect(await shownIndices()).toEqual([2, 1, 3, 6, 0, 4, 5]);
    await page.keyboard.press("Space");
    expect(await shownIndices()).toEqual([4, 0, 6, 3, 1, 2, 5]);
    // The focus stayed on the header's button.
    expect(await page.evaluate(() => document.activeElement?.closest("th")?.textContent)).toMatch(/^name/);
    // Numbers are drawn as they were: sorting moves rows, not what a cell reads.
    expect((await drawnTable()).rows.find((row) => row[0] === "3")).toEqual(["3", "fold 3", "0.5000"]);
  });

  it("pages a long table, with only the current page's rows in the page; the header stays in view", async () => {
    await clear();
    const rows = Array.from({ length: 1000 }, (_, i) => ({ i, square: i * i, root: Math.sqrt(i), label: `item ${i}` }));
    const bundle = hn.table(rows, { title: "1,000 rows" }).mimeBundle();
    const ms = await page.evaluate((data) => {
      const t0 = performance.now();
      (window as any).hn.model.add({ output_type: "display_data", data, metadata: {} });
      void document.querySelector(".hn-datatable tbody tr")!.getBoundingClientRect();
      return performance.now() - t0;
    }, bundle as Record<string, unknown>);
    console.log(`table renderer, 1,000 rows: ${ms.toFixed(1)} ms from the output's arrival to its rows laid out`);
    expect(await page.locator(".hn-datatable-caption").textContent()).toBe("1,000 rows");
    expect(await page.locator(".hn-datatable tbody tr").count()).toBe(20);
    expect((await drawnTable()).range).toBe("rows 1–20 of 1,000");
    expect(await page.locator(".hn-datatable-page").textContent()).toBe("page 1 of 50");
    expect(await pagerButton("Previous page").isDisabled()).toBe(true);
    await pagerButton("Next page").click();
    expect((await drawnTable()).range).toBe("rows 21–40 of 1,000");
    expect((await shownIndices())[0]).toBe(20);
    await pagerButton("Last page").click();
    expect((await drawnTable()).range).toBe("rows 981–1,000 of 1,000");
    expect(await pagerButton("Next page").isDisabled()).toBe(true);
    // A larger page keeps the first row shown in view: row 980 is on page 10 of 100 rows.
    await page.locator(".hn-datatable-page-size").selectOption("100");
    expect((await drawnTable()).range).toBe("rows 901–1,000 of 1,000");
    expect(await page.locator(".hn-datatable tbody tr").count()).toBe(100);
    // Sorted, from the first page again, over every row (not only the page's).
    await header("root").locator("button").click();
    await header("root").locator("button").click();
    expect((await drawnTable()).range).toBe("rows 1–100 of 1,000");
    expect((await shownIndices()).slice(0, 3)).toEqual([999, 998, 997]);
    // Scrolled inside its box, the header stays at the box's top.
    const offset = await page.evaluate(() => {
      const scroll = document.querySelector(".hn-datatable-scroll")!;
      scroll.scrollTop = 600;
      return document.querySelector(".hn-datatable thead th")!.getBoundingClientRect().top - scroll.getBoundingClientRect().top;
    });
    expect(Math.abs(offset)).toBeLessThan(2);
    await page.locator(".hn-datatable").screenshot({ path: new URL("table-paged.png", ARTIFACTS).pathname });
    expect(page.consoleErrors).toEqual([]);
  });

  it("says when the output holds fewer rows than there were records", async () => {
    await clear();
    const rows = Array.from({ length: browserSide.TABLE_MAX_ROWS + 5 }, (_, i) => ({ i }));
    await add({ ...hn.table(rows).mimeBundle() });
    await page.waitForSelector(".hn-datatable tbody tr");
    expect(await page.locator(".hn-datatable-cut").textContent()).toBe("This output holds the first 10,000 of 10,005 rows: sorting and paging apply to those.");
    expect((await drawnTable()).range).toBe("rows 1–20 of 10,000");
    await clear();
    await add({ ...hn.table(rows.slice(0, 30)).mimeBundle() });
    await page.waitForSelector(".hn-datatable tbody tr");
    expect(await page.locator(".hn-datatable-cut").count()).toBe(0);
  });

  it("shows hostile names and values as text: no HTML gets in", async () => {
    await clear();
    await page.evaluate(() => ((window as any).pwned = 0));
    const hostile = '<img src=x onerror="window.pwned=1">';
    const rows = [{ [hostile]: "<script>window.pwned=2</script>", "a&b": '"><b onmouseover="window.pwned=3">x</b>' }];
    await add({ ...hn.table(rows, { title: "<i>title</i>" }).mimeBundle() });
    await page.waitForSelector(".hn-datatable tbody tr");
    expect(await page.locator(".hn-datatable img, .hn-datatable script, .hn-datatable b, .hn-datatable i").count()).toBe(0);
    expect(await drawnTable()).toMatchObject({ head: [hostile, "a&b"], rows: [["0", "<script>window.pwned=2</script>", '"><b onmouseover="window.pwned=3">x</b>']] });
    expect(await page.locator(".hn-datatable-caption").textContent()).toBe("<i>title</i>");
    await page.locator(".hn-datatable tbody td").last().hover();
    expect(await page.evaluate(() => (window as any).pwned)).toBe(0);
  });

  it("follows the lab's theme: the lab's table colours, the cache's colour of the run palette", async () => {
    await clear();
    await page.mouse.move(0, 0);
    await add({ ...hn.table(await sweepResults(), { title: "sweep" }).mimeBundle() });
    await page.waitForSelector(".hn-datatable tbody tr");
    const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;
    const colours = () =>
      page.evaluate(() => {
        const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
        return {
          mark: style(".hn-datatable tbody .hn-datatable-mark").color,
          stripe: style(".hn-datatable tbody tr:nth-child(odd)").backgroundColor,
          text: style(".hn-datatable tbody td").color,
          header: style(".hn-datatable thead th").backgroundColor,
        };
      });
    expect((await colours()).mark).toBe(rgb(STATE_COLORS.light.cached.line));
    // This page has no lab theme: the dark one's variables are set by hand.
    await page.evaluate(() => {
      document.body.dataset.jpThemeLight = "false";
      document.body.style.cssText =
        "background:#111;--jp-content-font-color1:#e5e7eb;--jp-ui-font-color1:#e5e7eb;--jp-ui-font-color2:#9ca3af;--jp-layout-color1:#111;--jp-layout-color2:#374151;" +
        "--jp-border-color1:#4b5563;--jp-border-color2:#374151;--jp-rendermime-table-row-background:#1f2937;--jp-rendermime-table-row-hover-background:#374151";
    });
    await expect.poll(colours).toEqual({ mark: rgb(STATE_COLORS.dark.cached.line), stripe: rgb("#1f2937"), text: rgb("#e5e7eb"), header: rgb("#111111") });
    await page.locator(".hn-datatable").screenshot({ path: new URL("table-dark.png", ARTIFACTS).pathname });
    await page.evaluate(() => {
      document.body.dataset.jpThemeLight = "true";
      document.body.style.cssText = "font-family: sans-serif";
    });
    await expect.poll(async () => (await colours()).mark).toBe(rgb(STATE_COLORS.light.cached.line));
    expect(page.consoleErrors).toEqual([]);
  });
});

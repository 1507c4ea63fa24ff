// End to end: results a person looks at in a real JupyterLab. A sweep's pipeline.map results drawn by
// our table renderer (its grid before its outputs, numbers rounded and aligned; widened and run again,
// the rows served from the cache marked), a 1,000-row table(rows) on screen within 200 ms (the issue's
// target) of its output reaching the lab, and chart(results) drawn by JupyterLab's own Vega renderer;
// each in the light and dark themes, saved as screenshots.
import { beforeAll, describe, expect, it } from "vitest";
import { openNotebook, runCell } from "./lab.js";
import { screenshot, useLab } from "./lab-fixture.js";

const fixture = useLab();
let page;

const THEMES = { light: "JupyterLab Light", dark: "JupyterLab Dark" };

const SOURCES = [
  'import { chart, node, Pipeline, table } from "hypernodes";\n' +
    "const train = node((nEstimators: number, maxDepth: number, fold: number) => 0.9 + nEstimators / 1000 + maxDepth / 97 - fold / 313, { outputName: \"accuracy\" });\n" +
    'const sweep = new Pipeline({ nodes: [train], name: "sweep" });\n' +
    "let nEstimators = [10, 50];",
  'let results = await sweep.map({ nEstimators, maxDepth: [3, 5], fold: [0, 1, 2] }, { mapOver: ["nEstimators", "maxDepth", "fold"], mapMode: "product" });\nresults',
  "nEstimators = [10, 50, 100];",
  'table(Array.from({ length: 1000 }, (_, i) => ({ i, square: i * i, root: Math.sqrt(i), label: `row ${i}` })), { title: "1,000 rows" })',
  'chart(results, { x: "maxDepth", y: "mean(accuracy)", color: "nEstimators" })',
];
const [, MAP, WIDEN, THOUSAND, CHART] = SOURCES.keys();

/** Cell `index` of the current notebook. */
const cell = (index) => page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index);

/** Switches the lab's theme and waits until it is applied and the lab's splash (shown while it loads) is gone. */
async function useTheme(theme) {
  await page.evaluate((name) => window.jupyterapp.commands.execute("apputils:change-theme", { theme: name }), THEMES[theme]);
  await page.waitForFunction((light) => document.body.dataset.jpThemeLight === light && !document.querySelector("#jupyterlab-splash"), String(theme === "light"));
}

/** The drawn table of a cell: header names, each row's cells as shown (the index first), the footer's figures. */
function drawnTable(index) {
  return cell(index)
    .locator(".hn-datatable")
    .evaluate((root) => ({
      head: [...root.querySelectorAll("thead .hn-datatable-name")].map((name) => name.textContent),
      rows: [...root.querySelectorAll("tbody tr")].map((tr) => [...tr.children].map((c) => c.textContent)),
      cached: [...root.querySelectorAll("tbody tr.hn-datatable-cached > th")].map((th) => [th.textContent, th.title]),
      range: root.querySelector(".hn-datatable-range").textContent,
      footer: root.querySelector(".hn-datatable-footer").innerText,
    }));
}

beforeAll(async () => {
  page = await fixture.browser.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  await openNotebook(page, fixture.lab, await fixture.lab.writeNotebook("results.ipynb", SOURCES));
});

describe("results in JupyterLab", () => {
  it("draws a map's results as our table; widened and run again, the rows served from the cache are marked", async () => {
    expect(await runCell(page, 0)).toBe(true);
    expect(await runCell(page, MAP)).toBe(true);
    const output = cell(MAP).locator(".hn-datatable");
    await output.locator("tbody tr").first().waitFor();
    let drawn = await drawnTable(MAP);
    expect(drawn.head).toEqual(["nEstimators", "maxDepth", "fold", "accuracy"]);
    expect(drawn.rows).toHaveLength(12);
    expect(drawn.rows[0]).toEqual(["0", "10", "3", "0", "0.9409"]);
    expect(drawn.cached).toEqual([]);
    // Ours, not the HTML fallback.
    expect(await cell(MAP).locator(".jp-RenderedHTMLCommon").count()).toBe(0);

    // A wider sweep: the 12 items of the first run come from the cache.
    expect(await runCell(page, WIDEN)).toBe(true);
    expect(await runCell(page, MAP)).toBe(true);
    await expect.poll(async () => (await drawnTable(MAP)).rows.length).toBe(18);
    drawn = await drawnTable(MAP);
    const firstRun = new Set(["10", "50"]);
    const expected = drawn.rows.filter((row) => firstRun.has(row[1])).map((row) => row[0]);
    expect(expected).toHaveLength(12);
    expect(drawn.cached).toEqual(expected.map((index) => [index, "served from the cache"]));
    expect(drawn.footer).toContain("✓ 12 from the cache");
    expect(drawn.rows.find((row) => row[0] === "17")).toEqual(["17", "100", "5", "2", "1.0452"]);
    // Numbers right-aligned, lined up by their last digit.
    const rights = await output.locator("tbody td:last-child").evaluateAll((tds) => tds.map((td) => Math.round(td.getBoundingClientRect().right)));
    expect(new Set(rights).size).toBe(1);
    expect(await output.locator("tbody td:last-child").first().evaluate((td) => getComputedStyle(td).textAlign)).toBe("right");

    // As wide as its columns need, not the whole cell's width.
    const [tableWidth, cellWidth] = await output.evaluate((root) => [root.querySelector(".hn-datatable-scroll").offsetWidth, root.offsetWidth]);
    expect(tableWidth).toBeLessThan(cellWidth / 2);
    for (const theme of ["light", "dark"]) {
      await useTheme(theme);
      await output.scrollIntoViewIfNeeded();
      await page.mouse.move(5, 600);
      await screenshot(page, `results-table-${theme}`);
    }
    // Dark: the lab's own dark table colours, the dark run palette's cached colour.
    const [text, background, mark] = await output.evaluate((root) => [
      getComputedStyle(root.querySelector("tbody td")).color,
      getComputedStyle(document.querySelector(".jp-Notebook")).backgroundColor,
      getComputedStyle(root.querySelector("tbody .hn-datatable-mark")).color,
    ]);
    expect(luminance(text)).toBeGreaterThan(0.5);
    expect(luminance(background)).toBeLessThan(0.1);
    expect(mark).toBe("rgb(45, 212, 191)");
    await useTheme("light");
    expect(page.consoleErrors).toEqual([]);
  });

  it("shows a 1,000-row table(rows) within 200 ms of its output reaching the lab", async () => {
    // From the kernel's message arriving (before the lab handles it) to the rows laid out, and to the next frame (painted).
    await page.evaluate((index) => {
      const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      const target = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
      window.tableTiming = new Promise((resolve) => {
        const onMessage = (_, { msg, direction }) => {
          if (direction !== "recv" || msg.content?.data?.["application/vnd.hypernodes.table+json"]?.total !== 1000) return;
          kernel.anyMessage.disconnect(onMessage);
          const arrived = performance.now();
          let attached;
          const observer = new MutationObserver(() => {
            attached ??= target.querySelector(".jp-OutputArea-output") ? performance.now() : undefined;
            const row = target.querySelector(".hn-datatable tbody tr");
            if (!row) return;
            observer.disconnect();
            row.getBoundingClientRect(); // laid out
            const laidOut = performance.now();
            requestAnimationFrame(() => requestAnimationFrame(() => resolve({ attached: attached - arrived, laidOut: laidOut - arrived, painted: performance.now() - arrived })));
          });
          observer.observe(target, { childList: true, subtree: true });
        };
        kernel.anyMessage.connect(onMessage);
      });
    }, THOUSAND);
    expect(await runCell(page, THOUSAND)).toBe(true);
    const timing = await page.evaluate(() => window.tableTiming);
    console.log(
      `1,000-row table in the lab: output attached ${timing.attached.toFixed(1)} ms, rows laid out ${timing.laidOut.toFixed(1)} ms, ` +
        `next frame ${timing.painted.toFixed(1)} ms after its message arrived (target < 200 ms)`,
    );
    // Measured here (2 shared cores): attached and laid out 20–32 ms, painted ~50 ms: a 4x margin.
    // (bench/lab.js follows the renderer alone: ~11 ms laid out.)
    expect(timing.painted).toBeLessThan(200);
    const drawn = await drawnTable(THOUSAND);
    // Only the current page's rows are in the page.
    expect(drawn.rows).toHaveLength(20);
    expect(drawn.range).toBe("rows 1–20 of 1,000");
    expect(drawn.rows[3]).toEqual(["3", "3", "9", "1.732", "row 3"]);
    const output = cell(THOUSAND).locator(".hn-datatable");
    await output.locator("button[aria-label='Next page']").click();
    expect((await drawnTable(THOUSAND)).range).toBe("rows 21–40 of 1,000");
    await output.locator("thead button", { hasText: "root" }).click();
    await output.locator("thead button", { hasText: "root" }).click();
    expect((await drawnTable(THOUSAND)).rows[0].slice(0, 2)).toEqual(["999", "999"]);
    for (const theme of ["light", "dark"]) {
      await useTheme(theme);
      await output.scrollIntoViewIfNeeded();
      await page.mouse.move(5, 600);
      await screenshot(page, `results-1000-rows-${theme}`);
    }
    await useTheme("light");
    expect(page.consoleErrors).toEqual([]);
  });

  it("draws chart(results) with JupyterLab's Vega renderer, in the light and dark themes", async () => {
    for (const theme of ["light", "dark"]) {
      // JupyterLab's Vega renderer picks its theme when it draws: the chart is drawn again in each.
      await useTheme(theme);
      expect(await runCell(page, CHART)).toBe(true);
      const vega = cell(CHART).locator(".jp-RenderedVegaLite");
      await vega.locator("canvas.marks, svg.marks").waitFor();
      // Ours is the Vega-Lite output, not the SVG fallback.
      expect(await cell(CHART).locator(".jp-RenderedSVG").count()).toBe(0);
      // Marks drawn: a line and points per nEstimators, in three colours, on the axes.
      const drawn = await vega.evaluate(async (root) => {
        const canvas = root.querySelector("canvas.marks");
        const { width, height } = canvas;
        const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
        const colours = new Map();
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i + 3] < 250) continue;
          const [r, g, b] = pixels.slice(i, i + 3);
          // Saturated pixels only: the series' colours, not text, axes or the background.
          if (Math.max(r, g, b) - Math.min(r, g, b) < 80) continue;
          const key = `${r >> 4},${g >> 4},${b >> 4}`;
          colours.set(key, (colours.get(key) ?? 0) + 1);
        }
        const background = getComputedStyle(root.querySelector(".vega-embed")).backgroundColor;
        return { width, height, series: [...colours.values()].filter((n) => n > 40).length, corner: [...pixels.slice(0, 3)], background };
      });
      expect(drawn.width).toBeGreaterThan(100);
      expect(drawn.series).toBeGreaterThanOrEqual(3);
      // Dark: drawn on a dark background (Vega's dark theme), so its text reads on the dark lab.
      if (theme === "dark") expect(luminance(`rgb(${drawn.corner.join(", ")})`)).toBeLessThan(0.25);
      await cell(CHART).scrollIntoViewIfNeeded();
      await screenshot(page, `results-chart-${theme}`);
    }
    await useTheme("light");
    expect(page.consoleErrors).toEqual([]);
  });
});

/** Relative luminance (0 black, 1 white) of an rgb() colour. */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

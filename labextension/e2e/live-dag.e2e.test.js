// End to end: notebooks/nesting-and-mapping.ipynb in a real JupyterLab: its DagStatusCallback cell
// draws the DAG live with our renderer: nodes done (with item counts) after the first run, cached
// after a re-run of the cell, one output per run.
import { expect, it } from "vitest";
import { openNotebook, runAllCells, runCell } from "./lab.js";
import { screenshot, useLab } from "./lab-fixture.js";

// The DOT's fill colours of the light theme (src/viz-dot.ts).
const FILL = { done: "#dcfce7", cached: "#ccfbf1" };

const fixture = useLab({ notebooks: ["nesting-and-mapping.ipynb"] });

it("draws the DAG live: done after the first run, cached after a re-run, one output per run", async () => {
  const page = await fixture.browser.newPage();
  await openNotebook(page, fixture.lab, "nesting-and-mapping.ipynb");
  expect(await runAllCells(page)).toBe(true);
  const cells = page.locator(".jp-Notebook .jp-Cell");
  const last = (await cells.count()) - 1;
  const dag = cells.nth(last).locator(".hn-dag");
  /** Node id → fill of the drawn nodes, once the renderer is idle. */
  const fills = () =>
    dag.evaluate((el) => {
      if (el.dataset.hnState !== "idle") return null;
      const hex = (c) => {
        const rgb = c?.match(/^rgb\((\d+), (\d+), (\d+)\)$/);
        return rgb ? `#${rgb.slice(1).map((v) => Number(v).toString(16).padStart(2, "0")).join("")}` : c;
      };
      const svg = el.querySelector(".hn-dag-graph:not([hidden]) svg");
      return Object.fromEntries(
        [...svg.querySelectorAll("g.node")]
          .filter((g) => !g.querySelector("title").textContent.startsWith("in_"))
          .map((g) => [g.querySelector("title").textContent, hex(g.querySelector("path, polygon").getAttribute("fill"))]),
      );
    });
  const nodes = { fn_count_texts__tokens: FILL.done, fn_count_texts__count: FILL.done, fn_total: FILL.done };
  await expect.poll(fills).toEqual(nodes);
  // Three texts come from the cache of earlier cells, one is new.
  expect(await dag.locator(".hn-dag-graph:not([hidden]) svg").innerHTML()).toContain("4/4 · 3 cached");
  await dag.scrollIntoViewIfNeeded();
  await screenshot(page, "live-dag-done");

  expect(await runCell(page, last)).toBe(true);
  await expect.poll(fills).toEqual(Object.fromEntries(Object.keys(nodes).map((id) => [id, FILL.cached])));
  // Each run's updates replace its one output (update_display_data) instead of adding outputs.
  expect(await dag.count()).toBe(1);
  await screenshot(page, "live-dag-cached");
  expect(page.consoleErrors).toEqual([]);
});

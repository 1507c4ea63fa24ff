// Every example notebook as a person runs it in JupyterLab: Run All, then the lab left alone for
// 30 s. No output of any cell is stderr or a warning, the side panel stays quiet, the wheel over a
// DAG scrolls the notebook, and each notebook is saved as screenshots in the light and dark themes.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openNotebook, runAllCells } from "./lab.js";
import { screenshot, useLab } from "./lab-fixture.js";

const NOTEBOOKS = readdirSync(new URL("../../notebooks/", import.meta.url)).filter((n) => n.endsWith(".ipynb") && !n.endsWith(".out.ipynb"));
const fixture = useLab({ notebooks: NOTEBOOKS });

const THEMES = { light: "JupyterLab Light", dark: "JupyterLab Dark" };

/** Kernel messages the current notebook's kernel sends or receives within `ms`. */
function kernelMessagesDuring(page, ms) {
  return page.evaluate(async (ms) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    let count = 0;
    const counter = () => void count++;
    kernel.anyMessage.connect(counter);
    await new Promise((resolve) => setTimeout(resolve, ms));
    kernel.anyMessage.disconnect(counter);
    return count;
  }, ms);
}

/** What a person would read as an error or a warning in the current notebook's outputs. */
function redOrAmberOutputs(page) {
  return page.evaluate(() => {
    const outputs = [...window.jupyterapp.shell.currentWidget.node.querySelectorAll(".jp-OutputArea-output")];
    return outputs
      .filter((o) => ["application/vnd.jupyter.stderr", "application/vnd.jupyter.error"].includes(o.dataset.mimeType) || /warning/i.test(o.innerText))
      .map((o) => o.innerText.slice(0, 300));
  });
}

/**
 * Screenshots of the notebook from the top, then of each cell with one of our outputs or a chart; returns the
 * DAG labels seen crossing their shape's border.
 */
async function screenshots(page, name, theme) {
  await page.evaluate((theme) => window.jupyterapp.commands.execute("apputils:change-theme", { theme }), THEMES[theme]);
  await page.waitForFunction((light) => document.body.dataset.jpThemeLight === String(light), theme === "light");
  await page.waitForFunction(() => [...document.querySelectorAll(".hn-dag")].every((d) => d.dataset.hnState !== "drawing"));
  const cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell");
  await cells.first().scrollIntoViewIfNeeded();
  await screenshot(page, `${name}-${theme}-top`);
  const count = await cells.count();
  const overflowing = [];
  for (let i = 0, shot = 1; i < count; i++) {
    const cell = cells.nth(i);
    await cell.scrollIntoViewIfNeeded();
    if ((await cell.locator(".hn-dag, .hn-progress, .hn-datatable, .vega-embed").count()) === 0) continue;
    await screenshot(page, `${name}-${theme}-${shot++}`);
    overflowing.push(...(await labelsOutsideTheirShapes(cell)));
  }
  return overflowing;
}

/** Labels of a cell's DAG nodes and clusters that cross their shape's border, as "label in shape". */
function labelsOutsideTheirShapes(cell) {
  return cell.evaluate((cell) => {
    const outside = [];
    const titles = new Map([...cell.querySelectorAll(".hn-dag svg g.cluster-title")].map((g) => [g.querySelector("title").textContent, g]));
    for (const group of cell.querySelectorAll(".hn-dag svg g.node, .hn-dag svg g.cluster")) {
      const shape = group.querySelector(":scope > path, :scope > polygon, :scope > ellipse")?.getBoundingClientRect();
      const name = group.querySelector(":scope > title").textContent;
      const texts = group.classList.contains("cluster") ? titles.get(name)?.querySelectorAll("text") ?? [] : group.querySelectorAll("text");
      for (const text of texts) {
        const box = text.getBoundingClientRect();
        if (box.left < shape.left - 0.5 || box.right > shape.right + 0.5) outside.push(`${text.textContent} in ${name}`);
      }
    }
    return outside;
  });
}

describe.each(NOTEBOOKS)("%s in JupyterLab", (notebook) => {
  const name = notebook.replace(/\.ipynb$/, "");

  it("runs all cells; after 30 s idle no output is stderr or a warning, and the panel stayed quiet", async () => {
    const page = await fixture.browser.newPage();
    await page.setViewportSize({ width: 1400, height: 1000 });
    await openNotebook(page, fixture.lab, notebook);
    await page.evaluate(() => window.jupyterapp.commands.execute("hypernodes:open-panel"));
    expect(await runAllCells(page)).toBe(true);
    await page.waitForTimeout(15_000);
    // The panel is open and nothing runs: at most a refresh's worth of messages.
    expect(await kernelMessagesDuring(page, 15_000)).toBeLessThanOrEqual(3);
    expect(await redOrAmberOutputs(page)).toEqual([]);

    // The wheel over a DAG scrolls the notebook (zooming takes Ctrl or ⌘).
    // (Other notebooks' tabs, restored by the lab, stay in the page hidden: this one's elements only.)
    const current = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)");
    const dag = current.locator(".hn-dag svg").first();
    if (await dag.count()) {
      await dag.scrollIntoViewIfNeeded();
      const box = await dag.boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 40));
      const scroller = current.locator(".jp-WindowedPanel-outer");
      const before = await scroller.evaluate((s) => s.scrollTop);
      await page.mouse.wheel(0, 250);
      await expect.poll(() => scroller.evaluate((s) => s.scrollTop)).not.toBe(before);
      await page.mouse.move(0, 0); // no hover card over the screenshots
    }

    expect(await screenshots(page, name, "dark")).toEqual([]);
    expect(await screenshots(page, name, "light")).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    await page.close();
  });
});

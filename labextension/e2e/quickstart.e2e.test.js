// End to end: notebooks/quickstart.ipynb run on our kernel in a real JupyterLab with our extension:
// the DAG drawn by our renderer, live progress reaching 100%, a re-run served from the cache, the
// side panel (pipelines, cache, DAG, explain, clear), and a clear message on another kernel.
import { beforeAll, describe, expect, it } from "vitest";
import { openNotebook, runAllCells, runCell, waitForOutput } from "./lab.js";
import { screenshot, useLab } from "./lab-fixture.js";

const fixture = useLab({ notebooks: ["quickstart.ipynb"] });
let page;

beforeAll(async () => {
  page = await fixture.browser.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
});

/** Every state the progress widget showed for the corpus map, as "value/total" of its map row. */
async function recordMapProgress() {
  await page.evaluate(() => {
    window.progressSeen = [];
    const record = () => {
      for (const row of document.querySelectorAll(".hn-progress-row.hn-progress-map .hn-progress-counts")) {
        const text = row.textContent;
        if (text.includes("/40") && window.progressSeen.at(-1) !== text) window.progressSeen.push(text);
      }
    };
    window.progressObserver?.disconnect();
    window.progressObserver = new MutationObserver(record);
    window.progressObserver.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

const progressSeen = () => page.evaluate(() => window.progressSeen);

/** The cell whose source contains `text`. */
const cell = (text) => page.locator(".jp-Notebook .jp-Cell", { hasText: text }).first();

describe("quickstart notebook in JupyterLab", () => {
  it("runs, drawing the DAG with our renderer and live progress up to 100%", async () => {
    await openNotebook(page, fixture.lab, "quickstart.ipynb");
    await recordMapProgress();
    expect(await runAllCells(page)).toBe(true);

    // The per-review pipeline's DAG: our d3-graphviz renderer, not the SVG fallback.
    const dag = cell("const perReview = new Pipeline").locator(".hn-dag[data-hn-state=idle] svg");
    await dag.waitFor();
    const titles = await dag.locator("g.node > title").allTextContents();
    expect(titles.sort()).toEqual(["fn_clean", "fn_features", "fn_score", "in_review", "in_weight"]);
    expect(await page.locator(".jp-RenderedSVG").count()).toBe(0);
    // The corpus DAG at depth 2: the nested pipeline is a cluster.
    const corpusDag = cell("const corpus = new Pipeline").locator(".hn-dag[data-hn-state=idle] svg");
    expect(await corpusDag.locator("g.cluster > title").allTextContents()).toEqual(["cluster_score_reviews"]);

    // Live progress: seen moving, then complete, and the final state stays. (The first review was
    // scored by an earlier cell: it comes from the cache.)
    const seen = await progressSeen();
    expect(seen.at(-1)).toBe("40/40 · ⚡1 cached");
    expect(seen.some((s) => /^([1-9]|[1-3]\d)\/40/.test(s))).toBe(true);
    const progress = cell("const result = await corpus.run").locator(".hn-progress");
    expect(await progress.locator(".hn-progress-map .hn-progress-counts").first().textContent()).toBe("40/40 · ⚡1 cached");
    await cell("const corpus = new Pipeline").scrollIntoViewIfNeeded();
    await screenshot(page, "quickstart-run");
    await progress.scrollIntoViewIfNeeded();
    await screenshot(page, "quickstart-progress");
    expect(page.consoleErrors).toEqual([]);
  });

  it("re-runs from the cache: every progress bar shows its work cached", async () => {
    expect(await runAllCells(page)).toBe(true);
    const counts = cell("const result = await corpus.run").locator(".hn-progress .hn-progress-counts");
    await counts.first().waitFor();
    const texts = await counts.allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).toMatch(/^(\d+)\/\1 · ⚡\1 cached$/);
    await counts.first().scrollIntoViewIfNeeded();
    await screenshot(page, "quickstart-rerun");
    expect(await cell("console.log(String(counter))").innerText()).toContain("0 node executions");
    expect(page.consoleErrors).toEqual([]);
  });

  it("saved, closed and reopened: the final progress and the DAGs are drawn again from the file", async () => {
    await page.evaluate(() => window.jupyterapp.commands.execute("docmanager:save"));
    await page.evaluate(() => window.jupyterapp.commands.execute("application:close-all"));
    await openNotebook(page, fixture.lab, "quickstart.ipynb");
    const counts = cell("const result = await corpus.run").locator(".hn-progress .hn-progress-counts");
    await counts.first().waitFor();
    expect(await counts.first().textContent()).toBe("1/1 · ⚡1 cached");
    const dag = cell("const perReview = new Pipeline").locator(".hn-dag[data-hn-state=idle] svg");
    await dag.waitFor();
    expect((await dag.locator("g.node > title").allTextContents()).sort()).toEqual(["fn_clean", "fn_features", "fn_score", "in_review", "in_weight"]);
    expect(page.consoleErrors).toEqual([]);
  });

  it("side panel: the session's pipelines and cache; DAG, explain and clear", async () => {
    await page.evaluate(() => window.jupyterapp.commands.execute("hypernodes:open-panel"));
    const panel = page.locator("#hypernodes-panel");
    await panel.locator(".hn-panel-pipeline").first().waitFor();
    const names = await panel.locator(".hn-panel-pipeline-name").allTextContents();
    expect(names.sort()).toEqual(["corpus", "perReview"]);
    await expect.poll(() => panel.locator("[data-stat=entries]").innerText()).toMatch(/^\d{1,3}(,\d{3})*$/);
    expect(await panel.locator("[data-stat=size]").innerText()).toMatch(/^[\d.]+ KB$/);
    expect(await panel.locator(".hn-panel-status").innerText()).toBe("Kernel: HyperNodes (TypeScript)");

    await panel.locator(".hn-panel-pipeline", { hasText: "corpus" }).getByRole("button", { name: "DAG" }).click();
    const panelDag = panel.locator(".hn-dag[data-hn-state=idle] svg");
    await panelDag.waitFor();
    expect(await panelDag.locator("g.node > title").allTextContents()).toContain("pl_score_reviews");
    // The panel's DAG expands like the inline one.
    await panelDag.locator("g.node:has(> title:text-is('pl_score_reviews')) text").first().click();
    await panel.locator(".hn-dag[data-hn-state=idle] svg g.cluster").waitFor();
    await screenshot(page, "panel-dag");

    await panel.locator(".hn-panel-pipeline", { hasText: "perReview" }).getByRole("button", { name: "Explain" }).click();
    const explain = panel.locator(".hn-panel-explain");
    await explain.waitFor();
    expect(await explain.locator("tr").allInnerTexts()).toEqual(["clean\tcached\t", "features\tcached\t", "score\tcached\t"]);
    await screenshot(page, "panel-explain");

    // Clearing one pipeline: its nodes' entries go (the corpus's own stay), its next run recomputes.
    // The corpus runs the same nodes (nested): the reader is asked first, and told after.
    const entries = async () => Number((await panel.locator("[data-stat=entries]").innerText()).replace(/,/g, ""));
    const before = await entries();
    const clearPerReview = panel.locator(".hn-panel-pipeline", { hasText: "perReview" }).getByRole("button", { name: "Clear" });
    const dialog = page.locator(".jp-Dialog");
    await clearPerReview.click();
    await expect.poll(() => dialog.locator(".jp-Dialog-header").innerText()).toBe("Clear the cache of perReview?");
    expect(await dialog.locator(".hn-panel-confirm li").allInnerTexts()).toEqual(["corpus: clean, features, score"]);
    await screenshot(page, "panel-clear-confirm");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await entries()).toBe(before);
    await clearPerReview.click();
    await dialog.getByRole("button", { name: "Clear" }).click();
    await expect
      .poll(() => panel.locator(".hn-panel-detail").innerText())
      .toMatch(/^Cleared [\d,]+ cache entries of perReview \(all [\d,]+ of them were also used by corpus\)\.$/);
    await expect.poll(entries).toBeLessThan(before);
    expect(await entries()).toBeGreaterThan(0);
    await screenshot(page, "panel-cleared-pipeline");
    await panel.locator(".hn-panel-pipeline", { hasText: "perReview" }).getByRole("button", { name: "Explain" }).click();
    await expect.poll(() => explain.locator("tr").first().innerText()).toMatch(/^clean\trecompute\t/);
    // Clearing all empties the cache.
    await panel.getByRole("button", { name: "Clear all" }).click();
    await expect.poll(() => panel.locator(".hn-panel-detail").innerText()).toMatch(/^Cleared [\d,]+ cache entries\.$/);
    await expect.poll(entries).toBe(0);
    await screenshot(page, "panel-cleared");
    // Dark theme; then the UI font 3px larger in the sidebar's narrowest width (250 px), as in a
    // sidebar ~200 px wide: every label and figure still whole on one line.
    const theme = async (name, light) => {
      await page.evaluate((name) => window.jupyterapp.commands.execute("apputils:change-theme", { theme: name }), name);
      // The lab's splash covers the page while a theme loads; another change before it goes makes the lab throw.
      await page.waitForFunction((light) => document.body.dataset.jpThemeLight === light && !document.querySelector("#jupyterlab-splash"), light);
    };
    await theme("JupyterLab Dark", "false");
    await screenshot(page, "panel-cleared-dark");
    // What Settings > Theme > Increase UI Font Size sets, three times over (without reloading the theme each time).
    const uiFontSize = (size) => page.evaluate((size) => document.documentElement.style.setProperty("--jp-ui-font-size1", size), size);
    await uiFontSize("16px");
    const cells = await panel.locator(".hn-panel-figures > *").evaluateAll((cells) => cells.map((c) => [c.getBoundingClientRect().height, c.scrollWidth > c.clientWidth]));
    expect(cells[0][0]).toBeGreaterThan(22);
    expect(cells).toEqual(cells.map(() => [cells[0][0], false]));
    await screenshot(page, "panel-large-font-dark");
    await uiFontSize("");
    await theme("JupyterLab Light", "true");
    expect(page.consoleErrors).toEqual([]);
  });

  it("side panel: live numbers while a long map runs, and no messages while nothing runs", async () => {
    const path = await fixture.lab.writeNotebook("live.ipynb", [
      'import { node, Pipeline } from "hypernodes";\n' +
        'const slow = new Pipeline({ nodes: [node(async (x: number) => { await new Promise((r) => setTimeout(r, 10)); return x; }, { outputName: "y" })], name: "slow" });',
      '(await slow.map({ x: Array.from({ length: 600 }, (_, i) => i) }, { mapOver: "x" })).length',
    ]);
    await openNotebook(page, fixture.lab, path);
    await page.evaluate(() => window.jupyterapp.commands.execute("hypernodes:open-panel"));
    const panel = page.locator("#hypernodes-panel");
    expect(await runCell(page, 0)).toBe(true);
    const dagButton = panel.locator(".hn-panel-pipeline", { hasText: "slow" }).getByRole("button", { name: "DAG" });
    const button = await dagButton.elementHandle();
    // Every change of the pipelines list, and what the panel showed as executed while the kernel was busy with the map.
    await page.evaluate(() => {
      window.listChanges = 0;
      const list = document.querySelector("#hypernodes-panel .hn-panel-pipelines");
      new MutationObserver((records) => (window.listChanges += records.length)).observe(list, { subtree: true, childList: true, attributes: true, characterData: true });
      window.liveCounts = [];
      const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      window.liveTimer = setInterval(() => {
        const executed = Number(document.querySelector("#hypernodes-panel [data-stat=executed]")?.textContent.replace(/,/g, ""));
        if (kernel.status === "busy" && executed && window.liveCounts.at(-1) !== executed) window.liveCounts.push(executed);
      }, 50);
    });
    let mapped = false;
    const mapping = runCell(page, 1).then((ok) => ((mapped = true), ok));
    await expect.poll(() => page.evaluate(() => window.liveCounts.length), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    // The pointer on a pipeline's button, and the focus, through live refreshes: both stay, and a click works mid-run.
    await dagButton.hover();
    await button.focus();
    const refreshes = await page.evaluate(() => window.liveCounts.length);
    await expect.poll(() => page.evaluate(() => window.liveCounts.length), { timeout: 10_000 }).toBeGreaterThanOrEqual(refreshes + 2);
    expect(await button.evaluate((el) => [el.isConnected, el.matches(":hover"), el === document.activeElement])).toEqual([true, true, true]);
    await button.click();
    await panel.locator(".hn-panel-detail .hn-dag svg").waitFor();
    expect(mapped).toBe(false);
    expect(await mapping).toBe(true);
    const seen = await page.evaluate(() => (clearInterval(window.liveTimer), window.liveCounts));
    expect(seen.filter((n) => n > 0 && n < 600).length).toBeGreaterThanOrEqual(3);
    await expect.poll(() => panel.locator("[data-stat=executed]").innerText()).toBe("600");
    // Refreshed in place: the list was never rebuilt, nor a row touched.
    expect(await page.evaluate(() => window.listChanges)).toBe(0);
    await screenshot(page, "panel-live");

    // Nothing runs, the panel is open: the kernel and the lab exchange nothing.
    await page.waitForTimeout(1000);
    const messages = await page.evaluate(async () => {
      const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      let count = 0;
      const counter = () => void count++;
      kernel.anyMessage.connect(counter);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      kernel.anyMessage.disconnect(counter);
      return count;
    });
    expect(messages).toBe(0);
    expect(page.consoleErrors).toEqual([]);
  });

  it("Interrupt stops a long map at once: the cell says how far it got and what is cached, the next cell runs", async () => {
    const path = await fixture.lab.writeNotebook("interrupt.ipynb", [
      'import { node, Pipeline } from "hypernodes";\n' +
        'const long = new Pipeline({ nodes: [node(async (x: number) => { await new Promise((r) => setTimeout(r, 5)); return x; }, { outputName: "y" })], name: "long" });\n' +
        '(await long.map({ x: Array.from({ length: 5000 }, (_, i) => i) }, { mapOver: "x" })).length',
      '"after the interrupt"',
    ]);
    await openNotebook(page, fixture.lab, path);
    const running = runCell(page, 0);
    await waitForOutput(page, 0, /map long[\s\S]*?[\d,]+\/5,000/);
    await page.waitForTimeout(1000);
    const interrupted = Date.now();
    await page.evaluate(() => window.jupyterapp.commands.execute("notebook:interrupt-kernel"));
    expect(await running).toBe(false);
    const error = await waitForOutput(page, 0, /AbortError/);
    expect(Date.now() - interrupted).toBeLessThan(3000);
    expect(error).toMatch(/AbortError: The map was aborted; [\d,]+ of 5,000 items had finished \(their results are cached\), and no node started after the abort/);
    expect(error).toContain("KeyboardInterrupt: the kernel was interrupted");
    await screenshot(page, "interrupted-map");
    expect(await runCell(page, 1)).toBe(true);
    expect(await waitForOutput(page, 1, "after the interrupt")).toContain("after the interrupt");
    expect(page.consoleErrors).toEqual([]);
  });

  it("tells another kernel is not a HyperNodes kernel", async () => {
    const path = await fixture.lab.writeNotebook("python.ipynb", ["1 + 1"], { name: "python3", display_name: "Python 3", language: "python" });
    await openNotebook(page, fixture.lab, path);
    const status = page.locator("#hypernodes-panel .hn-panel-status");
    await page.evaluate(() => window.jupyterapp.commands.execute("hypernodes:open-panel"));
    await expect.poll(() => status.innerText(), { timeout: 15_000 }).toMatch(/^Not a HyperNodes kernel: Python 3/);
    await screenshot(page, "panel-other-kernel");
  });
});

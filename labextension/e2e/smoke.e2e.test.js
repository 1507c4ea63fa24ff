// Smoke test of the end-to-end harness: JupyterLab, with our prebuilt extension loaded, opens a
// HyperNodes notebook, its kernel runs cells, outputs render, and the browser logs no error.
import { expect, test } from "vitest";
import { cellOutputs, openNotebook, runAllCells } from "./lab.js";
import { screenshot, useLab } from "./lab-fixture.js";

const fixture = useLab();

test("a HyperNodes notebook runs in JupyterLab", async () => {
  const page = await fixture.browser.newPage();
  const path = await fixture.lab.writeNotebook("smoke.ipynb", [
    "1 + 1",
    'import { Pipeline, node } from "hypernodes";\n`${typeof Pipeline} ${typeof node}`',
  ]);

  const opening = Date.now();
  await openNotebook(page, fixture.lab, path);
  console.log(`notebook open, kernel idle: ${Date.now() - opening} ms`);
  expect(await runAllCells(page)).toBe(true);

  expect(await cellOutputs(page)).toEqual(["2", "function function"]);
  await screenshot(page, "smoke");
  expect(page.consoleErrors).toEqual([]);
});

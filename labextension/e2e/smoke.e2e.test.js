// Smoke test of the end-to-end harness: JupyterLab, with our prebuilt extension loaded, opens a
// HyperNodes notebook, its kernel runs cells, outputs render, and the browser logs no error.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { cellOutputs, openBrowser, openNotebook, runAllCells, startHypernodesLab } from "./lab.js";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/lab/", import.meta.url));

let lab;
let browser;

beforeAll(async () => {
  lab = await startHypernodesLab();
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

test("a HyperNodes notebook runs in JupyterLab", async () => {
  const page = await browser.newPage();
  const path = await lab.writeNotebook("smoke.ipynb", [
    "1 + 1",
    'import { Pipeline, node } from "hypernodes";\n`${typeof Pipeline} ${typeof node}`',
  ]);

  const opening = Date.now();
  await openNotebook(page, lab, path);
  console.log(`notebook open, kernel idle: ${Date.now() - opening} ms`);
  expect(await runAllCells(page)).toBe(true);

  expect(await cellOutputs(page)).toEqual(["2", "function function"]);
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "smoke.png") });
  expect(page.consoleErrors).toEqual([]);
});

// Smoke test of the end-to-end harness: JupyterLab opens a HyperNodes notebook, its kernel runs
// cells, outputs render, and the browser logs no error. Loads the prebuilt extension
// (labextension/prebuilt) when it has been built, so its loading is checked too.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { cellOutputs, openBrowser, openNotebook, runAllCells, startLab } from "./lab.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PREBUILT = join(ROOT, "labextension", "prebuilt");
const ARTIFACTS = join(ROOT, "test-artifacts", "lab");

let kernelPrefix;
let lab;
let browser;

beforeAll(async () => {
  if (!existsSync(join(ROOT, "kernel", "dist", "cli.js"))) throw new Error("kernel/dist is missing: run `npm run build` first");
  kernelPrefix = await mkdtemp(join(tmpdir(), "hypernodes-e2e-kernel-"));
  execFileSync(process.execPath, [join(ROOT, "kernel", "bin", "hypernodes-kernel.js"), "install", "--prefix", kernelPrefix]);
  lab = await startLab({
    jupyterPath: join(kernelPrefix, "share", "jupyter"),
    extensionsDir: existsSync(join(PREBUILT, "package.json")) ? PREBUILT : [],
  });
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  if (kernelPrefix) await rm(kernelPrefix, { recursive: true, force: true });
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

// What every end-to-end test file sets up: a HyperNodes lab (with notebooks from notebooks/ copied
// into its root, beside the repository's node_modules) and a browser, before its tests, stopped after them.
import { copyFile, mkdir, symlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { openBrowser, startHypernodesLab } from "./lab.js";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/lab/", import.meta.url));

/** Registers the file's hooks; the returned object holds `lab` and `browser` once they run. */
export function useLab({ notebooks = [] } = {}) {
  const fixture = { lab: undefined, browser: undefined };
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    fixture.lab = await startHypernodesLab();
    for (const name of notebooks) {
      await copyFile(fileURLToPath(new URL(`../../notebooks/${name}`, import.meta.url)), join(fixture.lab.root, basename(name)));
    }
    // The notebooks import what the repository installs (ml-experiment: the mljs packages), as a
    // notebook in a project finds that project's packages.
    if (notebooks.length) await symlink(fileURLToPath(new URL("../../node_modules", import.meta.url)), join(fixture.lab.root, "node_modules"), "dir");
    fixture.browser = await openBrowser();
  });
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.lab?.stop();
  });
  return fixture;
}

/** Saves a screenshot of the page as test-artifacts/lab/<name>.png. */
export function screenshot(page, name) {
  return page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

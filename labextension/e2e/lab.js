// Helpers for the end-to-end tests: a real JupyterLab (server.py serving the front end built in
// app/, see setup.sh) driven in Debian's Chromium through playwright-core.
//
//   const lab = await startLab({ extensionsDir: "labextension/prebuilt", jupyterPath: [kernelDir] });
//   const browser = await openBrowser();
//   const page = await browser.newPage();
//   await openNotebook(page, lab, await lab.writeNotebook("demo.ipynb", ["1 + 1"]));
//   await runAllCells(page);                        // true: every cell succeeded
//   (await cellOutputs(page))[0];                  // the text of cell 0's outputs
//   page.consoleErrors;                            // what the browser logged as errors
//   await browser.close(); await lab.stop();
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
// Debian's python3, the one with jupyter_server (a `python3` earlier on PATH may lack it).
const PYTHON = "/usr/bin/python3";
const CHROMIUM = "/usr/bin/chromium";
const READY = "HYPERNODES-E2E-LAB READY ";

async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

/**
 * Starts JupyterLab on a free loopback port, with HOME, JUPYTER_RUNTIME_DIR and the notebooks'
 * root in a fresh scratch folder, and waits until it serves.
 * - root: the notebooks' folder (default: a new empty one, lab.root).
 * - extensionsDir: a prebuilt extension folder (package.json + static/) or an array of them.
 * - jupyterPath: folders for JUPYTER_PATH (e.g. a kernel spec prefix's share/jupyter).
 * Returns { url, root, scratch, log(), writeNotebook(), stop() }.
 */
export async function startLab({ root, extensionsDir = [], jupyterPath = [], timeout = 60_000 } = {}) {
  const scratch = await mkdtemp(join(tmpdir(), "hypernodes-e2e-lab-"));
  const home = join(scratch, "home");
  root = resolve(root ?? join(scratch, "notebooks"));
  await mkdir(home);
  await mkdir(root, { recursive: true });
  const port = await freePort();
  const args = [join(HERE, "server.py"), "--port", String(port), "--root-dir", root];
  for (const dir of [extensionsDir].flat()) args.push("--labextension", resolve(dir));
  const server = spawn(PYTHON, args, {
    env: {
      ...process.env,
      HOME: home,
      JUPYTER_PATH: [jupyterPath].flat().map((dir) => resolve(dir)).join(":"),
      JUPYTER_RUNTIME_DIR: join(scratch, "runtime"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = [];
  let url;
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`JupyterLab not ready after ${timeout} ms:\n${lines.join("\n")}`)), timeout);
    const onData = (chunk) => {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        lines.push(line);
        if (line.startsWith(READY)) {
          url = line.slice(READY.length);
          clearTimeout(timer);
          resolveReady();
        }
      }
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`JupyterLab exited with ${code}:\n${lines.join("\n")}`));
    });
  });
  const lab = {
    root,
    scratch,
    get url() {
      return url;
    },
    /** The server's output so far (its log, kernel output included). */
    log: () => lines.join("\n"),
    /** Writes a notebook (nbformat 4) of the given cells' sources into root; returns its path. */
    async writeNotebook(path, sources, kernelspec = HYPERNODES_KERNELSPEC) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), JSON.stringify(notebook(sources, kernelspec), null, 1));
      return path;
    },
    /** Stops the server (it shuts its kernels down) and removes the scratch folder. */
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill("SIGTERM");
        const killer = setTimeout(() => server.kill("SIGKILL"), 10_000);
        await once(server, "exit");
        clearTimeout(killer);
      }
      await rm(scratch, { recursive: true, force: true });
    },
  };
  try {
    await ready;
  } catch (error) {
    await lab.stop();
    throw error;
  }
  return lab;
}

/**
 * A lab for HyperNodes notebooks, set up the way users do it: `hypernodes-kernel install --prefix`
 * (needs `npm run build`) puts our kernel spec and our prebuilt extension into a scratch prefix,
 * and the lab is served from there. `stop()` removes it.
 */
export async function startHypernodesLab({ root } = {}) {
  const repo = resolve(HERE, "../..");
  if (!existsSync(join(repo, "kernel", "dist", "cli.js"))) throw new Error("kernel/dist is missing: run `npm run build` first");
  const prefix = await mkdtemp(join(tmpdir(), "hypernodes-e2e-prefix-"));
  execFileSync(process.execPath, [join(repo, "kernel", "bin", "hypernodes-kernel.js"), "install", "--prefix", prefix]);
  const data = join(prefix, "share", "jupyter");
  const lab = await startLab({ root, jupyterPath: data, extensionsDir: join(data, "labextensions", "hypernodes-jupyterlab") });
  const stop = lab.stop;
  lab.stop = async () => {
    await stop();
    await rm(prefix, { recursive: true, force: true });
  };
  return lab;
}

/** The kernelspec metadata of a HyperNodes notebook (without it the lab asks for a kernel). */
export const HYPERNODES_KERNELSPEC = { name: "hypernodes", display_name: "HyperNodes (TypeScript)", language: "typescript" };

function notebook(sources, kernelspec) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec, language_info: { name: "typescript" } },
    cells: sources.map((source, i) => ({
      id: `cell-${i}`,
      cell_type: "code",
      execution_count: null,
      metadata: {},
      outputs: [],
      source,
    })),
  };
}

/**
 * Launches Debian's Chromium, headless, with a fresh profile and HOME. Its newPage() gives pages
 * with a 1280x800 viewport whose `consoleErrors` collects console errors and uncaught exceptions.
 * Never `npx playwright install`: browser downloads fail here, and Debian's Chromium is enough.
 */
export async function openBrowser() {
  const home = await mkdtemp(join(tmpdir(), "hypernodes-e2e-chromium-"));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Playwright adds --headless and a fresh --user-data-dir. No network beyond loopback here:
    // keep Chromium from trying (QUIC, component updates, sync, background requests).
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    env: { ...process.env, HOME: home },
  });
  return {
    browser,
    async newPage() {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.consoleErrors = [];
      page.on("console", (message) => {
        if (message.type() !== "error") return;
        const { url } = message.location();
        page.consoleErrors.push(url ? `${message.text()} (${url})` : message.text());
      });
      page.on("pageerror", (error) => page.consoleErrors.push(`uncaught: ${error.stack ?? error}`));
      return page;
    },
    async close() {
      await browser.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * Opens lab.root/<path> in JupyterLab and waits until the notebook's kernel is idle
 * (window.jupyterapp is the lab, which app/index.js exposes).
 */
export async function openNotebook(page, lab, path, { timeout = 90_000 } = {}) {
  await page.goto(`${lab.url}lab/tree/${path.split("/").map(encodeURIComponent).join("/")}`);
  await page.waitForFunction(
    (path) => {
      const widget = window.jupyterapp?.shell.currentWidget;
      return widget?.context?.path === path && widget.sessionContext?.session?.kernel?.status === "idle";
    },
    path,
    { timeout, polling: 100 },
  );
}

/**
 * Runs every cell of the current notebook (as Run > Run All Cells does) and resolves when they
 * have run, outputs included: true when every cell succeeded. After an error the kernel skips
 * the rest, as in JupyterLab.
 */
export async function runAllCells(page) {
  return page.evaluate(() => window.jupyterapp.commands.execute("notebook:run-all-cells"));
}

/** Runs cell `index` of the current notebook; resolves when it has run: true when it succeeded. */
export async function runCell(page, index) {
  return page.evaluate((index) => {
    window.jupyterapp.shell.currentWidget.content.activeCellIndex = index;
    return window.jupyterapp.commands.execute("notebook:run-cell");
  }, index);
}

/**
 * Waits until cell `index`'s rendered outputs contain `text` (a string or a RegExp), for outputs
 * that come later, such as updated displays. Resolves to that text.
 */
export async function waitForOutput(page, index, text, { timeout = 30_000 } = {}) {
  const pattern = text instanceof RegExp ? { source: text.source, flags: text.flags } : { source: null, text };
  const handle = await page.waitForFunction(
    ({ index, pattern }) => {
      // The current notebook's: the other open tabs' cells stay in the page, hidden.
      const cell = window.jupyterapp.shell.currentWidget?.node.querySelectorAll(".jp-Notebook .jp-Cell")[index];
      const output = [...(cell?.querySelectorAll(".jp-OutputArea-output") ?? [])].map((o) => o.innerText.trim()).join("\n");
      const found = pattern.source === null ? output.includes(pattern.text) : new RegExp(pattern.source, pattern.flags).test(output);
      return found && output;
    },
    { index, pattern },
    { timeout, polling: 100 },
  );
  return handle.jsonValue();
}

/** The rendered text of each cell's outputs in the current notebook ("" for a cell without). */
export async function cellOutputs(page) {
  return page.evaluate(() =>
    [...window.jupyterapp.shell.currentWidget.node.querySelectorAll(".jp-Notebook .jp-Cell")].map((cell) =>
      [...cell.querySelectorAll(".jp-OutputArea-output")].map((output) => output.innerText.trim()).join("\n"),
    ),
  );
}

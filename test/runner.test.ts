// The headless runner (hypernodes-run) against plain tslab's kernel, found through a kernel spec in a
// temporary JUPYTER_PATH as Jupyter would find it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as nbformat from "@jupyterlab/nbformat";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { CellOutputs } from "../kernel/src/cell-outputs.js";
import { findKernelSpec } from "../kernel/src/find-kernelspec.js";
import { main } from "../kernel/src/run-cli.js";
import type { Message } from "../kernel/src/wire.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const tslabBin = fileURLToPath(new URL("../node_modules/tslab/bin/tslab", import.meta.url));
const runBin = fileURLToPath(new URL("../kernel/bin/hypernodes-run.js", import.meta.url));

let dir: string;
let savedJupyterPath: string | undefined;
let stdout: string;
let stderr: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "runner-test-"));
  await mkdir(join(dir, "kernels", "tslab-test"), { recursive: true });
  const spec = { argv: [process.execPath, tslabBin, "kernel", "--config-path", "{connection_file}"], display_name: "tslab (test)", language: "typescript" };
  await writeFile(join(dir, "kernels", "tslab-test", "kernel.json"), JSON.stringify(spec));
  savedJupyterPath = process.env.JUPYTER_PATH;
  process.env.JUPYTER_PATH = dir;
});

afterAll(async () => {
  if (savedJupyterPath === undefined) delete process.env.JUPYTER_PATH;
  else process.env.JUPYTER_PATH = savedJupyterPath;
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  stdout = stderr = "";
  vi.spyOn(console, "log").mockImplementation((text: string) => void (stdout += `${text}\n`));
  vi.spyOn(console, "error").mockImplementation((text: string) => void (stderr += `${text}\n`));
  return () => vi.restoreAllMocks();
});

async function run(notebook: string, ...args: string[]) {
  const out = join(dir, `${notebook}.out.ipynb`);
  const code = await main([fixture(notebook), "-o", out, "--kernel", "tslab-test", ...args]);
  const written = JSON.parse(await readFile(out, "utf8")) as nbformat.INotebookContent;
  return { code, written, cells: written.cells as nbformat.ICodeCell[] };
}

/** What a reader sees of a cell's outputs as text: streams and text/plain. */
function shownText(cell: nbformat.ICodeCell): string {
  const join = (text: unknown) => (Array.isArray(text) ? text.join("") : String(text));
  return cell.outputs.map((o) => (o.output_type === "stream" ? join(o.text) : join((o.data as nbformat.IMimeBundle)?.["text/plain"] ?? ""))).join("");
}

describe("hypernodes-run", () => {
  it("executes every code cell and writes outputs and execution counts (nbformat 4.5)", async () => {
    const before = await readFile(fixture("runner-basic.ipynb"), "utf8");
    const { code, written, cells } = await run("runner-basic.ipynb");
    expect(code).toBe(0);
    expect(stdout).toMatch(/ran 4 of 4 code cells in [\d.]+ s/);
    expect(await readFile(fixture("runner-basic.ipynb"), "utf8")).toBe(before); // -o leaves the input alone

    expect([written.nbformat, written.nbformat_minor]).toEqual([4, 5]);
    expect(cells.map((c) => c.id)).toEqual(["intro", "stdout", "html", "update", "blank", "value"]);
    expect(cells.map((c) => c.execution_count ?? null)).toEqual([null, 1, 2, 3, null, 4]);
    expect(cells[1]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["hello from the kernel\n"] }]);
    expect(cells[2]!.outputs).toEqual([{ output_type: "display_data", data: { "text/html": ["<b>bold</b>"] }, metadata: {} }]);
    // Three writes to one display: the saved notebook keeps only the final state, as nbconvert does.
    expect(cells[3]!.outputs).toEqual([{ output_type: "display_data", data: { "text/plain": ["step 3 of 3"] }, metadata: {} }]);
    expect(cells[4]!.outputs).toEqual([]);
    expect(shownText(cells[5]!).trim()).toBe("42");
    expect(written.metadata.language_info?.name).toBe("typescript");
  }, 30_000);

  it("stops at the first error, shows it, writes the partial notebook and exits non-zero", async () => {
    const { code, written, cells } = await run("runner-failing.ipynb");
    expect(code).toBe(1);
    expect(stderr).toMatch(/cell 1 \(id [0-9a-f]{8}\) failed: \/\/ throws\n/);
    expect(stderr).toContain("Error: boom");
    expect(stdout).toMatch(/stopped at cell 1 after 2 of 3 code cells/);

    expect(written.nbformat_minor).toBe(5); // upgraded from 4.4: cells got ids
    expect(new Set(cells.map((c) => c.id)).size).toBe(3);
    expect(cells[0]!.execution_count).toBe(1);
    expect(shownText(cells[0]!)).toBe("before\n");
    expect(cells[1]!.execution_count).toBe(2);
    expect(shownText(cells[1]!)).toContain("Error: boom");
    // Not run: its stale output and count from an earlier run are gone.
    expect(cells[2]!.execution_count).toBeNull();
    expect(cells[2]!.outputs).toEqual([]);
  }, 30_000);

  it("stops a cell at the per-cell timeout and kills the stuck kernel", async () => {
    const { code, cells } = await run("runner-hanging.ipynb", "--timeout", "1");
    expect(code).toBe(1);
    expect(stderr).toContain("cell 0 (id hangs) failed: while (true) {}\nCellTimeoutError: the cell did not finish within 1 s");
    expect(cells[1]!.execution_count).toBeNull();
  }, 30_000);

  it("Ctrl-C interrupts the running cell: its error (what finished, what is cached) goes into the notebook, no later cell runs, exit 130", async () => {
    const work = await mkdtemp(join(tmpdir(), "runner-interrupt-"));
    onTestFinished(() => rm(work, { recursive: true, force: true }));
    await copyFile(fixture("runner-interrupted.ipynb"), join(work, "nb.ipynb"));
    // Its own process group, as in a terminal: Ctrl-C signals the whole group (the kernel is in another).
    const runner = spawn(process.execPath, [runBin, "nb.ipynb", "-o", "out.ipynb", "--kernel", "hypernodes"], { cwd: work, detached: true });
    let out = "";
    runner.stdout.on("data", (chunk) => (out += chunk));
    runner.stderr.on("data", (chunk) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => runner.once("exit", resolve));
    while (!existsSync(join(work, "map-started"))) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const interrupted = performance.now();
    process.kill(-runner.pid!, "SIGINT");
    expect(await exited).toBe(130);
    expect(performance.now() - interrupted).toBeLessThan(5000);
    expect(out).toContain("hypernodes-run: interrupting the running cell (Ctrl-C again to stop at once)");
    const aborted = /AbortError: The map was aborted; ([\d,]+) of 4,000 items had finished \(their results are cached\), and no node started after the abort/;
    expect(out).toMatch(aborted);
    expect(out).toMatch(/interrupted at cell 1 after 2 of 3 code cells/);
    const cells = JSON.parse(await readFile(join(work, "out.ipynb"), "utf8")).cells as nbformat.ICodeCell[];
    expect(cells.map((c) => c.execution_count)).toEqual([1, 2, null]);
    const error = cells[1]!.outputs.find((o): o is nbformat.IError => o.output_type === "error")!;
    expect(error.ename).toBe("AbortError");
    const finished = Number(error.evalue.match(aborted.source.replace(/^AbortError: /, ""))![1]!.replace(/,/g, ""));
    expect(finished).toBeGreaterThan(0);
    expect(finished).toBeLessThan(4000);
  }, 60_000);

  it("names the kernel specs it found when the requested one is missing", async () => {
    const code = await main([fixture("runner-basic.ipynb"), "--kernel", "nope"]);
    expect(code).toBe(2);
    expect(stderr).toContain(`no kernel spec named 'nope' in ${join(dir, "kernels")}`);
    expect(stderr).toMatch(/found: .*tslab-test/); // with any other kernels installed on this machine
  });
});

describe("findKernelSpec", () => {
  it("finds a spec in JUPYTER_PATH, case-insensitively", async () => {
    const found = await findKernelSpec("TSLAB-test", { JUPYTER_PATH: dir, JUPYTER_DATA_DIR: dir });
    expect(found.resourceDir).toBe(join(dir, "kernels", "tslab-test"));
    expect(found.spec.argv).toContain(tslabBin);
  });

  it("falls back to this package's own kernel for `hypernodes` when none is installed", async () => {
    const found = await findKernelSpec("hypernodes", { JUPYTER_PATH: dir, JUPYTER_DATA_DIR: dir });
    expect(found.spec.argv.some((arg) => arg.endsWith(join("kernel", "bin", "hypernodes-kernel.js")))).toBe(true);
    expect(found.spec.argv).toContain("{connection_file}");
  });
});

describe("CellOutputs", () => {
  const message = (msg_type: string, content: object): Message => ({
    identities: [],
    header: { msg_id: "m", session: "s", username: "u", date: "", msg_type, version: "5.3" },
    parent_header: {},
    metadata: {},
    content: content as Record<string, unknown>,
    buffers: [],
  });
  const display = (type: string, text: string, display_id?: string) =>
    message(type, { data: { "text/plain": text }, metadata: {}, transient: display_id ? { display_id } : {} });

  it("merges consecutive writes to a stream and updates a display in every cell that shows it", () => {
    const collector = new CellOutputs();
    const first: nbformat.IOutput[] = [];
    const second: nbformat.IOutput[] = [];
    const addFirst = collector.begin(first);
    addFirst(message("stream", { name: "stdout", text: "a" }));
    addFirst(message("stream", { name: "stdout", text: "b\n" }));
    addFirst(display("display_data", "0%", "bar"));
    const addSecond = collector.begin(second);
    addSecond(display("display_data", "again", "bar"));
    addSecond(display("update_display_data", "100%", "bar"));
    expect(first).toEqual([
      { output_type: "stream", name: "stdout", text: "ab\n" },
      { output_type: "display_data", data: { "text/plain": "100%" }, metadata: {} },
    ]);
    expect(second).toEqual([{ output_type: "display_data", data: { "text/plain": "100%" }, metadata: {} }]);
  });

  it("clears outputs at once, or with wait: true just before the next output", () => {
    const outputs: nbformat.IOutput[] = [];
    const add = new CellOutputs().begin(outputs);
    add(message("stream", { name: "stdout", text: "old" }));
    add(message("clear_output", { wait: true }));
    expect(outputs).toHaveLength(1);
    add(message("stream", { name: "stdout", text: "new" }));
    expect(outputs).toEqual([{ output_type: "stream", name: "stdout", text: "new" }]);
    add(message("clear_output", { wait: false }));
    expect(outputs).toEqual([]);
  });
});

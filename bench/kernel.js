// Notebook figures: kernel start to first executed cell, the quickstart's second run (all cache hits)
// against its first, the ML experiment's re-run after a restart, and what displaying a 50-node DAG costs (its MIME bundle: model, DOT and SVG).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { node, Pipeline } from "hypernodes";
import { findKernelSpec } from "../kernel/dist/find-kernelspec.js";
import { readNotebook } from "../kernel/dist/notebook-file.js";
import { runNotebook } from "../kernel/dist/runner.js";
import { measure, report } from "./measure.js";
import { range } from "./workloads.js";

export async function benchKernel() {
  // A fresh folder, so the first run starts with an empty .hypernodes/ cache.
  const dir = mkdtempSync(join(tmpdir(), "hn-bench-nb-"));
  const path = join(dir, "quickstart.ipynb");
  copyFileSync(new URL("../notebooks/quickstart.ipynb", import.meta.url), path);
  const runs = [];
  const kernel = await findKernelSpec("hypernodes", {}); // our own spec, whatever is installed
  for (let i = 0; i < 2; i++) {
    const result = await runNotebook(await readNotebook(path), { kernel, cwd: dir });
    if (result.failure) throw new Error(`quickstart failed at cell ${result.failure.cellIndex}`);
    runs.push(result);
  }
  const firstCell = [];
  for (let i = 0; i < 3; i++) {
    const { elapsedMs, startupMs } = await runNotebook(FIRST_CELL_NOTEBOOK, { kernel, cwd: dir });
    firstCell.push(elapsedMs - startupMs);
  }
  rmSync(dir, { recursive: true, force: true });
  const cells = (r) => r.elapsedMs - r.startupMs;
  report("first cell of a session: define and run a pipeline", `${Math.min(...firstCell).toFixed(0)}–${Math.max(...firstCell).toFixed(0)} ms`, "3 kernels; target ≤ 100 ms");
  report("kernel start to first executed cell", `${runs[0].startupMs.toFixed(0)} ms`, "launch, tslab compiler, hypernodes preload");
  report("quickstart cells, first run (empty cache)", `${cells(runs[0]).toFixed(0)} ms`);
  report("quickstart cells, second run (all hits)", `${cells(runs[1]).toFixed(0)} ms`, `${(cells(runs[1]) / cells(runs[0])).toFixed(2)}× the first run`);

  await benchExperimentNotebook(kernel);

  const chain = range(50).map((i) =>
    node(new Function(i === 0 ? "x" : `v${i - 1}`, `return ${i === 0 ? "x" : `v${i - 1}`} + 1`), { outputName: `v${i}`, name: `step${i}` }),
  );
  const pipeline = new Pipeline({ nodes: chain });
  const { ms } = await measure(() => pipeline.visualize().mimeBundle(), { repeat: 5 });
  report("display a 50-node DAG (MIME bundle, warm)", `${ms.toFixed(1)} ms`, "model + DOT + SVG");
}

/**
 * The ML experiment notebook twice, in a fresh folder inside the repository (its packages resolve from
 * there): the second run is a kernel restart with everything cached, the issue's "< 2 s of kernel time"
 * for the sweep's cells (those that map the experiment).
 */
async function benchExperimentNotebook(kernel) {
  const dir = mkdtempSync(join(fileURLToPath(new URL("..", import.meta.url)), ".bench-nb-"));
  const path = join(dir, "ml-experiment.ipynb");
  copyFileSync(new URL("../notebooks/ml-experiment.ipynb", import.meta.url), path);
  try {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const notebook = await readNotebook(path);
      const result = await runNotebook(notebook, { kernel, cwd: dir });
      if (result.failure) throw new Error(`ml-experiment failed at cell ${result.failure.cellIndex}: ${result.failure.evalue}`);
      const sources = notebook.cells.filter((c) => c.cell_type === "code").map((c) => [c.source].flat().join(""));
      const sweep = result.cellMs.filter((_, k) => /experiment\.map\(/.test(sources[k]));
      runs.push({ all: result.cellMs.reduce((a, b) => a + b, 0), sweep: sweep.reduce((a, b) => a + b, 0), cells: sweep.length, stats: result.stats });
    }
    const [cold, warm] = runs;
    report("ml-experiment, first run (empty cache)", `${cold.all.toFixed(0)} ms of cells`, `${cold.stats.executed} node executions; its ${cold.cells} sweep cells ${cold.sweep.toFixed(0)} ms`);
    report("ml-experiment after a restart (all cached)", `${warm.all.toFixed(0)} ms of cells`, `${warm.stats.executed} executions; sweep cells ${warm.sweep.toFixed(0)} ms, target < 2,000 ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A notebook whose one cell is what a session's first cell typically is. */
const FIRST_CELL_NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    {
      id: "first",
      cell_type: "code",
      metadata: {},
      outputs: [],
      execution_count: null,
      source: 'import { node, Pipeline } from "hypernodes";\nconst add = new Pipeline({ nodes: [node((x: number) => x + 1, { outputName: "y" })] });\nawait add.run({ x: 1 })',
    },
  ],
};

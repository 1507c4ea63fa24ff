// Visualization: model + DOT of a 200-node pipeline (target < 5 ms), its SVG render, warm (< 300 ms),
// and viz.save() of it as a PNG (layout, rasterising at 2x, writing the file).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { node, Pipeline } from "hypernodes";
import { visualize } from "../dist/viz/viz.js";
import { report } from "./measure.js";

/** 200 nodes, each reading one or two earlier outputs picked by a fixed pseudo-random sequence (many crossing edges). */
export function randomDag(n = 200) {
  let seed = 1;
  const pick = (k) => (seed = (seed * 48271) % 2147483647) % k;
  const nodes = [];
  for (let i = 0; i < n; i++) {
    const args = i === 0 ? ["x"] : [...new Set([`v${pick(i)}`, `v${pick(i)}`])];
    nodes.push(node(new Function(...args, "return 0"), { inputs: args, outputName: `v${i}`, name: `step${i}`, cache: false }));
  }
  return new Pipeline({ nodes, name: "random" });
}

/** Best of `repeat` timings of `fn`, in ms. */
async function best(fn, repeat) {
  let ms = Infinity;
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    await fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

export async function benchViz() {
  const pipeline = randomDag();
  let dot = "";
  for (let i = 0; i < 50; i++) dot = visualize(pipeline).toDot(); // warm-up (JIT)
  const model = await best(() => visualize(pipeline), 200);
  const modelAndDot = await best(() => visualize(pipeline).toDot(), 200);
  report("viz: model only, 200 nodes", `${model.toFixed(2)} ms`);
  const edges = visualize(pipeline).model.edges.length;
  report(
    "viz: model + DOT, 200 nodes",
    `${modelAndDot.toFixed(2)} ms`,
    `${edges} edges, ${dot.length.toLocaleString("en")} chars; target < 5 ms`,
  );

  const viz = visualize(pipeline);
  const t0 = performance.now();
  await viz.toSvg(); // loads the WebAssembly module
  const cold = performance.now() - t0;
  const warm = await best(() => viz.toSvg(), 5);
  report(
    "viz: SVG render, 200 nodes, warm",
    `${warm.toFixed(0)} ms`,
    `first render (module load) ${cold.toFixed(0)} ms; target < 300 ms`,
  );

  const dir = mkdtempSync(join(tmpdir(), "hypernodes-bench-viz-"));
  try {
    const file = join(dir, "dag.png");
    const t1 = performance.now();
    await viz.save(file); // loads resvg and the system fonts
    const first = performance.now() - t1;
    const png = await best(() => viz.save(file), 5);
    const sized = () => {
      const bytes = readFileSync(file); // IHDR: width and height at bytes 16 and 20
      return `${bytes.readUInt32BE(16)}×${bytes.readUInt32BE(20)} px, ${(bytes.length / 1024).toFixed(0)} KiB`;
    };
    report("viz: PNG save (viz.save), 200 nodes, warm", `${png.toFixed(0)} ms`, `SVG render included; ${sized()}; first save (resvg, fonts) ${first.toFixed(0)} ms`);
    // A notebook-sized DAG.
    const small = visualize(randomDag(12));
    const smallPng = await best(() => small.save(file), 10);
    report("viz: PNG save (viz.save), 12 nodes, warm", `${smallPng.toFixed(0)} ms`, `SVG render included; ${sized()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The JupyterLab extension's browser tests: `npm run test:lab` (needs labextension/e2e/setup.sh
// once, for Chromium and the test lab). Renderers in a page with JupyterLab's output area, then end
// to end in a real JupyterLab. One file at a time: each starts Chromium (and a lab) on 2 cores.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

export default defineConfig({
  resolve: { alias: { "hypernodes/browser": src("browser.ts"), hypernodes: src("index.ts") } },
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["labextension/test/**/*.test.ts", "labextension/e2e/**/*.e2e.test.js"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});

// The end-to-end tests: `npx vitest run --config labextension/e2e/vitest.config.js` (after
// labextension/e2e/setup.sh and `npm run build`). One file at a time: each starts a JupyterLab,
// a kernel and a Chromium on a 2-core machine.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["labextension/e2e/**/*.e2e.test.js"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});

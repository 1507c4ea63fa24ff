import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import the package the way users do; point it at the sources so no build is needed.
const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));
const resolve = { alias: { "hypernodes/testing": src("testing.ts"), "hypernodes/browser": src("browser.ts"), hypernodes: src("index.ts") } };

export default defineConfig({
  resolve,
  test: {
    projects: [
      // test/distributed needs redis-server: `npm run test:distributed` runs it.
      { resolve, test: { name: "sequential", include: ["test/**/*.test.ts"], exclude: ["test/distributed/**"] } },
      {
        // The engine-independent behaviour suites again, on ConcurrentEngine.
        resolve,
        test: {
          name: "concurrent",
          include: ["test/contract/**/*.test.ts", "test/errors.test.ts", "test/signatures.test.ts", "test/cache.test.ts", "test/batch.test.ts"],
          setupFiles: ["test/setup/concurrent-engine.ts"],
        },
      },
      {
        // The same suites on WorkerEngine (its workers load the build: `npm test` builds first). Left
        // out, as for "concurrent": suites of engine-free code (hashing, parameters, viz, types, kernel,
        // runner), and those whose expectations are SequentialEngine's schedule or main-thread side
        // effects: telemetry (span order item after item), progress (counts when a map stops at a
        // failure, which depend on how many items were in flight), references (nodes count calls in
        // globalThis, which a worker has its own of). test/worker-engine.test.ts covers the rest.
        resolve,
        test: {
          name: "worker",
          include: ["test/contract/**/*.test.ts", "test/errors.test.ts", "test/signatures.test.ts", "test/cache.test.ts", "test/batch.test.ts"],
          setupFiles: ["test/setup/worker-engine.ts"],
        },
      },
    ],
  },
});

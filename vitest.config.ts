import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Tests import the package the way users do; point it at the sources so no build is needed.
    alias: { hypernodes: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: { include: ["test/**/*.test.ts"] },
});

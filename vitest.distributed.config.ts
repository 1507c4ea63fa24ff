import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run test:distributed`: BullMQEngine against a real redis-server and worker processes (see test/distributed/).
export default defineConfig({
  resolve: { alias: { hypernodes: fileURLToPath(new URL("./src/index.ts", import.meta.url)) } },
  test: { name: "distributed", include: ["test/distributed/**/*.test.ts"] },
});

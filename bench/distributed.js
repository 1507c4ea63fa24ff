// BullMQEngine on CPU-bound work: 200 items × 20 ms on two hypernodes-worker processes, against
// SequentialEngine. Needs /usr/bin/redis-server (`npm run test:distributed` installs it).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BullMQEngine, SequentialEngine } from "hypernodes";
import { spinning } from "./distributed-pipeline.js";
import { measure, report } from "./measure.js";
import { range } from "./workloads.js";

const workload = "BullMQEngine: 200 × 20 ms CPU, 2 workers";

export async function benchDistributed() {
  if (!existsSync("/usr/bin/redis-server")) return report(workload, "skipped", "no /usr/bin/redis-server");
  const dir = mkdtempSync(join(tmpdir(), "hypernodes-bench-"));
  const socket = join(dir, "redis.sock");
  const children = [];
  /** Resolves once the process has printed a line matching `ready` (stdout or stderr). */
  const started = (child, ready) => {
    children.push(child);
    return new Promise((resolve) => {
      for (const stream of [child.stdout, child.stderr]) stream.on("data", (d) => ready.test(String(d)) && resolve());
    });
  };
  try {
    await started(spawn("/usr/bin/redis-server", ["--port", "0", "--unixsocket", socket, "--save", "", "--appendonly", "no"]), /ready to accept connections/i);
    const module = new URL("./distributed-pipeline.js", import.meta.url).href;
    const worker = () => spawn(process.execPath, ["bin/hypernodes-worker.js", "--module", module, "--redis", socket]);
    await Promise.all([worker(), worker()].map((child) => started(child, /serving/)));
    const inputs = { x: range(200) };
    const sequential = await measure(() => spinning.map(inputs, { mapOver: "x", engine: new SequentialEngine() }), { repeat: 1 });
    for (const itemsPerJob of [1, 10]) {
      const engine = new BullMQEngine({ connection: socket, module, itemsPerJob });
      const { ms } = await measure(() => spinning.map(inputs, { mapOver: "x", engine }), { repeat: 2 });
      await engine.close();
      const detail = `${(sequential.ms / ms).toFixed(2)}× SequentialEngine (${sequential.ms.toFixed(0)} ms); ideal 2×`;
      report(`${workload}, ${itemsPerJob} item${itemsPerJob > 1 ? "s" : ""}/job`, `${ms.toFixed(0)} ms`, detail);
    }
  } finally {
    for (const child of children) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

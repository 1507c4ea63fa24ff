// The "hypernodes" comm target: what the JupyterLab extension and the headless runner talk to.
// `{ request: "ping" }` → `{ pong: true, version }` (tells a client it is on our kernel);
// `{ request: "stats" }` → `{ stats: { executed, cached } }` (node executions and cache hits this session).
import type { CommRegistry } from "./comms.js";
import type { SessionStats } from "./notebook-defaults.js";

export const HYPERNODES_TARGET = "hypernodes";

export function registerHypernodesTarget(comms: CommRegistry, version: string, stats: () => SessionStats): void {
  comms.registerTarget(HYPERNODES_TARGET, (comm) => {
    comm.onMsg((data) => {
      const request = (data as { request?: unknown } | null)?.request;
      if (request === "ping") comm.send({ pong: true, version });
      else if (request === "stats") comm.send({ stats: stats() });
      else comm.send({ error: `unknown request ${JSON.stringify(request)}` });
    });
  });
}

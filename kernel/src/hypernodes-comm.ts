// The "hypernodes" comm target: what the JupyterLab extension talks to. For now it answers
// `{ request: "ping" }` with `{ pong: true, version }`, so the extension can tell it is on our kernel.
import type { CommRegistry } from "./comms.js";

export const HYPERNODES_TARGET = "hypernodes";

export function registerHypernodesTarget(comms: CommRegistry, version: string): void {
  comms.registerTarget(HYPERNODES_TARGET, (comm) => {
    comm.onMsg((data) => {
      const request = (data as { request?: unknown } | null)?.request;
      if (request === "ping") comm.send({ pong: true, version });
      else comm.send({ error: `unknown request ${JSON.stringify(request)}` });
    });
  });
}

// The five ZeroMQ sockets a Jupyter kernel binds, from the connection file the front end wrote.
import { readFileSync } from "node:fs";
import { Publisher, Reply, Router, type Socket } from "zeromq";
import { logError } from "./log.js";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

export function readConnectionFile(path: string): ConnectionInfo {
  const info = JSON.parse(readFileSync(path, "utf8")) as ConnectionInfo;
  if (info.key && info.signature_scheme !== "hmac-sha256") {
    throw new Error(`unsupported signature_scheme ${JSON.stringify(info.signature_scheme)} in ${path} (only hmac-sha256)`);
  }
  return info;
}

export class KernelSockets {
  readonly shell = new Router();
  readonly control = new Router();
  readonly stdin = new Router();
  readonly iopub = new Publisher();
  private readonly heartbeat = new Reply();
  // zeromq.js allows one pending send per socket: sends are chained so concurrent handlers never collide.
  private readonly sending = new Map<Socket, Promise<void>>();

  static async bind(info: ConnectionInfo): Promise<KernelSockets> {
    const sockets = new KernelSockets();
    const address = (port: number) => (info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`);
    await Promise.all([
      sockets.shell.bind(address(info.shell_port)),
      sockets.control.bind(address(info.control_port)),
      sockets.stdin.bind(address(info.stdin_port)),
      sockets.iopub.bind(address(info.iopub_port)),
      sockets.heartbeat.bind(address(info.hb_port)),
    ]);
    void sockets.echoHeartbeats();
    return sockets;
  }

  send(socket: Publisher | Router, frames: Buffer[]): Promise<void> {
    const sent = (this.sending.get(socket) ?? Promise.resolve())
      .then(() => socket.send(frames))
      .catch((error: unknown) => {
        if (!socket.closed) logError("send failed", error);
      });
    this.sending.set(socket, sent);
    return sent;
  }

  /** Calls `handle` for every message arriving on a ROUTER socket, without waiting for it. */
  async receive(socket: Router, handle: (frames: Buffer[]) => void): Promise<void> {
    await untilClosed(socket, async () => {
      for await (const frames of socket) handle(frames);
    });
  }

  /** Waits for pending sends (so a shutdown reply goes out), then closes everything. */
  async close(): Promise<void> {
    await Promise.allSettled(this.sending.values());
    for (const socket of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) socket.close();
  }

  private async echoHeartbeats(): Promise<void> {
    await untilClosed(this.heartbeat, async () => {
      for await (const frames of this.heartbeat) await this.heartbeat.send(frames);
    });
  }
}

/** Runs a receive loop; closing the socket ends it quietly. */
async function untilClosed(socket: Socket, loop: () => Promise<void>): Promise<void> {
  try {
    await loop();
  } catch (error) {
    if (!socket.closed) throw error;
  }
}

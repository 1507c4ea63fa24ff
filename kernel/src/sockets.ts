// The five ZeroMQ sockets a Jupyter kernel binds, from the connection file the front end wrote.
import { readFileSync } from "node:fs";
import { Publisher, Reply, Router, type Socket } from "zeromq";
import { logError } from "./log.js";
import { isRecord, shown } from "./untrusted.js";

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

const PORTS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;
/** The only scheme implemented (jupyter_client's default; ipykernel also takes other hmac-<hash> ones). */
const SIGNATURE_SCHEME = "hmac-sha256";

/** Reads and checks a connection file: a kernel refuses one it cannot serve rather than bind half of it. */
export function readConnectionFile(path: string): ConnectionInfo {
  try {
    return connectionInfo(readJsonObject(path));
  } catch (error) {
    throw new Error(`connection file ${path}: ${(error as Error).message}`);
  }
}

function readJsonObject(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw new Error(`cannot be read (${(error as NodeJS.ErrnoException).code})`);
    // Not the parser's whole message: it quotes the text, which may hold the key.
    const where = /at position \d+( \(line \d+ column \d+\))?/.exec(error.message)?.[0];
    throw new Error(`not JSON${where ? ` (${where})` : ""}`);
  }
  if (!isRecord(value)) throw new Error(`${shown(value)}, not a JSON object`);
  return value;
}

function connectionInfo(raw: Record<string, unknown>): ConnectionInfo {
  // Absent, these two take jupyter_client's defaults.
  const { transport = "tcp", ip, key, signature_scheme = SIGNATURE_SCHEME } = raw;
  if (transport !== "tcp" && transport !== "ipc") throw new Error(`transport ${shown(transport)} is not supported (only "tcp" and "ipc")`);
  if (typeof ip !== "string" || !ip) throw fieldError("ip", "an address (a non-empty string)", ip);
  if (typeof key !== "string") throw fieldError("key", 'a string ("" for unsigned messages)', key);
  if (signature_scheme !== SIGNATURE_SCHEME) throw new Error(`signature_scheme ${shown(signature_scheme)} is not supported (only "${SIGNATURE_SCHEME}")`);
  const ports = Object.fromEntries(PORTS.map((name) => [name, port(raw, name, transport)]));
  return { transport, ip, key, signature_scheme, ...(ports as Record<(typeof PORTS)[number], number>) };
}

function port(raw: Record<string, unknown>, name: (typeof PORTS)[number], transport: "tcp" | "ipc"): number {
  const value = raw[name];
  // An ipc "port" only numbers the socket file.
  const max = transport === "tcp" ? 65535 : Infinity;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max) return value;
  throw fieldError(name, transport === "tcp" ? "an integer from 1 to 65535" : "a positive integer", value);
}

function fieldError(field: string, expected: string, value: unknown): Error {
  return new Error(value === undefined ? `${field} is missing (expected ${expected})` : `${field} must be ${expected}, not ${shown(value)}`);
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
    const bind = async (socket: Socket, port: (typeof PORTS)[number]) => {
      const address = info.transport === "ipc" ? `ipc://${info.ip}-${info[port]}` : `tcp://${info.ip}:${info[port]}`;
      try {
        await socket.bind(address);
      } catch (error) {
        // zeromq says only "Address already in use": which port, of which channel.
        throw new Error(`cannot bind ${port} to ${address}: ${(error as Error).message}`);
      }
    };
    await Promise.all([
      bind(sockets.shell, "shell_port"),
      bind(sockets.control, "control_port"),
      bind(sockets.stdin, "stdin_port"),
      bind(sockets.iopub, "iopub_port"),
      bind(sockets.heartbeat, "hb_port"),
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

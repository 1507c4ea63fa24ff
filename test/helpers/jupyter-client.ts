// A minimal Jupyter client for tests against the real HyperNodes kernel: signed messages on shell and
// control, everything from IOPub kept, and the kernel process started in a folder (the notebook's) as
// Jupyter starts it. Needs the build (kernel/dist).
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Dealer, Subscriber } from "zeromq";

export const kernelBin = fileURLToPath(new URL("../../kernel/bin/hypernodes-kernel.js", import.meta.url));

export interface Msg {
  header: { msg_id: string; msg_type: string };
  parent_header: { msg_id?: string; msg_type?: string };
  content: any;
}

export type Ports = Record<"shell" | "control" | "iopub" | "stdin" | "hb", number>;

/** A minimal Jupyter client: signed messages on shell and control, everything from IOPub kept. */
export class Client {
  readonly iopubMessages: Msg[] = [];
  private readonly replies = new Map<string, (msg: Msg) => void>();
  private readonly shell = new Dealer();
  private readonly control = new Dealer();
  private readonly iopub = new Subscriber();
  private readonly session = randomUUID();
  private readonly iopubWaiters = new Set<() => void>();

  constructor(
    private readonly key: string,
    ports: Record<"shell" | "control" | "iopub", number>,
  ) {
    this.shell.connect(`tcp://127.0.0.1:${ports.shell}`);
    this.control.connect(`tcp://127.0.0.1:${ports.control}`);
    this.iopub.connect(`tcp://127.0.0.1:${ports.iopub}`);
    this.iopub.subscribe();
    for (const socket of [this.shell, this.control]) void this.listen(socket, (msg) => this.replies.get(msg.parent_header.msg_id!)?.(msg));
    void this.listen(this.iopub, (msg) => {
      this.iopubMessages.push(msg);
      for (const wake of this.iopubWaiters) wake();
      this.iopubWaiters.clear();
    });
  }

  /** Sends a request and resolves with its reply. */
  request(msgType: string, content: object, channel: "shell" | "control" = "shell"): { id: string; reply: Promise<Msg> } {
    const header = { msg_id: randomUUID(), session: this.session, username: "test", date: new Date().toISOString(), msg_type: msgType, version: "5.3" };
    const parts = [header, {}, {}, content].map((part) => JSON.stringify(part));
    const hmac = createHmac("sha256", this.key);
    for (const part of parts) hmac.update(part);
    const reply = new Promise<Msg>((resolve) => this.replies.set(header.msg_id, resolve));
    void (channel === "shell" ? this.shell : this.control).send(["<IDS|MSG>", hmac.digest("hex"), ...parts]);
    return { id: header.msg_id, reply };
  }

  /** Runs a cell: its reply and its IOPub messages up to its idle status (status messages left out). */
  async execute(code: string, options: { stop_on_error?: boolean } = {}): Promise<{ reply: Msg; outputs: Msg[] }> {
    const { id, reply } = this.request("execute_request", { code, silent: false, store_history: true, stop_on_error: true, ...options });
    return { reply: await reply, outputs: await this.iopubUntilIdle(id) };
  }

  async iopubUntilIdle(parentId: string): Promise<Msg[]> {
    const ofParent = () => this.iopubMessages.filter((m) => m.parent_header.msg_id === parentId);
    while (!ofParent().some((m) => m.header.msg_type === "status" && m.content.execution_state === "idle")) {
      await new Promise<void>((resolve) => this.iopubWaiters.add(resolve));
    }
    return ofParent().filter((m) => m.header.msg_type !== "status");
  }

  /** Waits until the kernel answers and IOPub is subscribed (ZeroMQ drops IOPub messages sent before that). */
  async ready(): Promise<void> {
    for (;;) {
      const { id, reply } = this.request("kernel_info_request", {});
      await reply;
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (this.iopubMessages.some((m) => m.parent_header.msg_id === id)) return;
    }
  }

  close(): void {
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
  }

  private async listen(socket: Dealer | Subscriber, handle: (msg: Msg) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        const at = frames.findIndex((frame) => frame.toString() === "<IDS|MSG>");
        const [header, parent_header, , content] = frames.slice(at + 2, at + 6).map((part) => JSON.parse(part.toString()));
        handle({ header, parent_header, content });
      }
    } catch (error) {
      if (!socket.closed) throw error;
    }
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A kernel process started in a notebook folder, and a client connected to it. */
export interface RunningKernel {
  readonly process: ChildProcess;
  readonly client: Client;
  readonly ports: Ports;
  /** What the kernel process wrote on its own stderr (not the cells'). */
  log(): string;
  /** Asks the kernel to shut down (shutdown_request on control), waits for its exit, closes the client. */
  shutdown(): Promise<void>;
}

/**
 * Starts `hypernodes-kernel start --config-path …` with `dir` as its working directory (the notebook's
 * folder, as Jupyter starts it) and resolves once it answers and IOPub is subscribed.
 */
export async function startKernel(dir: string): Promise<RunningKernel> {
  if (!existsSync(fileURLToPath(new URL("../../kernel/dist/launcher.js", import.meta.url)))) throw new Error("build first: npm run build");
  const ports: Ports = { shell: await freePort(), control: await freePort(), iopub: await freePort(), stdin: await freePort(), hb: await freePort() };
  const key = randomUUID();
  const connectionFile = join(dir, `connection-${randomUUID()}.json`);
  writeFileSync(
    connectionFile,
    JSON.stringify({ transport: "tcp", ip: "127.0.0.1", key, signature_scheme: "hmac-sha256", ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`${k}_port`, v])) }),
  );
  const child = spawn(process.execPath, [kernelBin, "start", "--config-path", connectionFile], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (chunk) => (log += chunk));
  const exited = new Promise<string>((resolve) => child.once("exit", (code) => resolve(`the kernel exited (${code}):\n${log}`)));
  const client = new Client(key, ports);
  const started = await Promise.race([client.ready().then(() => "ready"), exited]);
  if (started !== "ready") {
    client.close();
    throw new Error(started);
  }
  return {
    process: child,
    client,
    ports,
    log: () => log,
    async shutdown() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        await client.request("shutdown_request", { restart: false }, "control").reply;
        await gone;
      }
      client.close();
    },
  };
}

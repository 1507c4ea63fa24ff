// A kernel process started from a kernel spec, as Jupyter starts one: argv with `{connection_file}` and
// `{resource_dir}` filled in, the spec's env added, the notebook's folder as working directory.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newConnectionInfo, writeConnectionFile } from "./connection-file.js";
import type { KernelSpec } from "./find-kernelspec.js";
import type { ConnectionInfo } from "./sockets.js";

export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Kept for error messages: what the kernel printed outside cells (start-up failures, crashes). */
const OUTPUT_TAIL_CHARS = 4000;

export class KernelProcess {
  readonly exited: Promise<KernelExit>;
  private tail = "";
  private readonly killOnExit = () => this.child.kill("SIGKILL");

  private constructor(
    readonly connection: ConnectionInfo,
    private readonly child: ChildProcess,
    private readonly runtimeDir: string,
  ) {
    const keep = (chunk: Buffer) => (this.tail = (this.tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => {
      child.once("error", (error) => {
        keep(Buffer.from(`${error.message}\n`));
        resolve({ code: null, signal: null });
      });
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    // A runner that dies (an uncaught error, process.exit) must not leave the kernel behind.
    process.once("exit", this.killOnExit);
  }

  static async start(kernel: KernelSpec, cwd: string): Promise<KernelProcess> {
    const connection = await newConnectionInfo(kernel.name);
    const runtimeDir = await mkdtemp(join(tmpdir(), "hypernodes-run-"));
    const connectionFile = join(runtimeDir, "kernel.json");
    await writeConnectionFile(connectionFile, connection);
    const [command, ...args] = kernel.spec.argv.map((arg) =>
      arg.replaceAll("{connection_file}", connectionFile).replaceAll("{resource_dir}", kernel.resourceDir),
    );
    const child = spawn(command!, args, {
      cwd,
      env: { ...process.env, ...kernel.spec.env },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, as Jupyter starts kernels: a terminal's Ctrl-C reaches the runner, which interrupts it.
      detached: true,
    });
    return new KernelProcess(connection, child, runtimeDir);
  }

  /** The kernel's own output (not cell output, which goes over IOPub), for diagnostics. */
  output(): string {
    return this.tail.trim();
  }

  /** Interrupts the kernel as a spec with interrupt_mode "signal" asks. */
  interrupt(): void {
    this.child.kill("SIGINT");
  }

  /** Waits up to `graceMs` for the kernel to exit by itself, then SIGTERM, then SIGKILL. */
  async stop(graceMs: number): Promise<void> {
    if (!(await this.exitsWithin(graceMs))) {
      this.child.kill("SIGTERM");
      if (!(await this.exitsWithin(1000))) this.child.kill("SIGKILL");
      await this.exited;
    }
    process.off("exit", this.killOnExit);
    await rm(this.runtimeDir, { recursive: true, force: true });
  }

  private exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
    return Promise.race([this.exited.then(() => true), timeout]).finally(() => clearTimeout(timer));
  }
}

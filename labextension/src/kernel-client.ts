// Talks to the HyperNodes kernel over its "hypernodes" comm target (kernel/src/hypernodes-comm.ts):
// one request, one answer matched by id. A kernel without the target never answers a ping.
import type { Kernel } from "@jupyterlab/services";
import type { DagMimeData } from "hypernodes/browser";

export interface PipelineInfo {
  name: string;
  id: string;
  nodes: number;
  inputs: string[];
  outputs: string[];
  lastRun: boolean;
}

export interface SessionInfo {
  stats: { executed: number; cached: number };
  cache: { entries: number; bytes: number; dir: string } | null;
}

export interface Explanation {
  node: string;
  status: "hit" | "miss" | "uncached";
  reason?: string;
}

export class NotHypernodesKernel extends Error {}

const PING_TIMEOUT_MS = 3000;

export class HypernodesClient {
  readonly #comm: Kernel.IComm;
  readonly #waiting = new Map<number, { resolve: (data: any) => void; reject: (error: Error) => void }>();
  #next = 0;

  private constructor(kernel: Kernel.IKernelConnection) {
    this.#comm = kernel.createComm("hypernodes");
    this.#comm.onMsg = (msg) => {
      const data = msg.content.data as { id?: number; error?: string };
      const waiter = data.id === undefined ? undefined : this.#waiting.get(data.id);
      if (!waiter) return;
      this.#waiting.delete(data.id!);
      if (data.error !== undefined) waiter.reject(new Error(data.error));
      else waiter.resolve(data);
    };
    this.#comm.onClose = () => this.#failAll(new NotHypernodesKernel("the kernel closed the hypernodes comm"));
  }

  /** Connects, or rejects with NotHypernodesKernel when the kernel does not answer as ours. */
  static async connect(kernel: Kernel.IKernelConnection): Promise<HypernodesClient> {
    const client = new HypernodesClient(kernel);
    client.#comm.open({});
    try {
      await client.request<{ version: string }>("ping", {}, PING_TIMEOUT_MS);
    } catch (error) {
      client.dispose();
      throw error instanceof NotHypernodesKernel ? error : new NotHypernodesKernel(String(error));
    }
    return client;
  }

  request<T>(request: string, args: object = {}, timeoutMs?: number): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (timeoutMs !== undefined) {
        setTimeout(() => {
          if (this.#waiting.delete(id)) reject(new NotHypernodesKernel(`no answer to '${request}' within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.#comm.send({ request, id, ...args });
    });
  }

  session(): Promise<SessionInfo> {
    return this.request("stats");
  }

  async pipelines(): Promise<PipelineInfo[]> {
    return (await this.request<{ pipelines: PipelineInfo[] }>("pipelines")).pipelines;
  }

  async dag(name: string): Promise<DagMimeData> {
    return (await this.request<{ dag: DagMimeData }>("dag", { name })).dag;
  }

  async explain(name: string): Promise<Explanation[]> {
    return (await this.request<{ explain: Explanation[] }>("explain", { name })).explain;
  }

  /** Clears one pipeline's entries, or without a name the whole cache; resolves to how many went. */
  async clear(name?: string): Promise<number> {
    return (await this.request<{ cleared: number }>("clear", name === undefined ? {} : { name })).cleared;
  }

  dispose(): void {
    this.#failAll(new Error("disconnected"));
    if (!this.#comm.isDisposed) this.#comm.dispose();
  }

  #failAll(error: Error): void {
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }
}

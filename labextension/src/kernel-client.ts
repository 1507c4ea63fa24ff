// Talks to the HyperNodes kernel over its "hypernodes" comm target (kernel/src/hypernodes-comm.ts):
// one request, one answer matched by id, as the notebook protocol (hypernodes/browser) types them. A
// kernel without the target never answers a ping.
import type { Kernel } from "@jupyterlab/services";
import {
  HYPERNODES_COMM_TARGET,
  type CommAnswers,
  type CommMessage,
  type CommReply,
  type CommRequest,
  type CommRequestName,
  type DagMimeData,
  type NodeExplanation,
  type PipelineInfo,
  type SessionInfo,
  type SharedNodes,
} from "hypernodes/browser";

/** What a request carries besides its name. */
type RequestArgs<R extends CommRequestName> = Omit<Extract<CommRequest, { request: R }>, "request">;

export class NotHypernodesKernel extends Error {}

const PING_TIMEOUT_MS = 3000;

export class HypernodesClient {
  readonly #comm: Kernel.IComm;
  readonly #waiting = new Map<number, { resolve: (data: any) => void; reject: (error: Error) => void }>();
  #next = 0;

  private constructor(kernel: Kernel.IKernelConnection) {
    this.#comm = kernel.createComm(HYPERNODES_COMM_TARGET);
    this.#comm.onMsg = (msg) => {
      const data = msg.content.data as CommReply;
      const waiter = typeof data.id === "number" ? this.#waiting.get(data.id) : undefined;
      if (!waiter) return;
      this.#waiting.delete(data.id as number);
      if ("error" in data) waiter.reject(new Error(data.error));
      else waiter.resolve(data);
    };
    this.#comm.onClose = () => this.#failAll(new NotHypernodesKernel("the kernel closed the hypernodes comm"));
  }

  /** Connects, or rejects with NotHypernodesKernel when the kernel does not answer as ours. */
  static async connect(kernel: Kernel.IKernelConnection): Promise<HypernodesClient> {
    const client = new HypernodesClient(kernel);
    client.#comm.open({});
    try {
      await client.request("ping", {}, PING_TIMEOUT_MS);
    } catch (error) {
      client.dispose();
      throw error instanceof NotHypernodesKernel ? error : new NotHypernodesKernel(String(error));
    }
    return client;
  }

  request<R extends CommRequestName>(request: R, args: RequestArgs<R>, timeoutMs?: number): Promise<CommAnswers[R]> {
    const id = this.#next++;
    return new Promise<CommAnswers[R]>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (timeoutMs !== undefined) {
        setTimeout(() => {
          if (this.#waiting.delete(id)) reject(new NotHypernodesKernel(`no answer to '${request}' within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      const message = { request, id, ...args } as CommMessage;
      this.#comm.send(message as Parameters<Kernel.IComm["send"]>[0]); // inputs are JSON as the caller gives them
    });
  }

  session(): Promise<SessionInfo> {
    return this.request("stats", {});
  }

  async pipelines(): Promise<PipelineInfo[]> {
    return (await this.request("pipelines", {})).pipelines;
  }

  async dag(name: string): Promise<DagMimeData> {
    return (await this.request("dag", { name })).dag;
  }

  async explain(name: string): Promise<NodeExplanation[]> {
    return (await this.request("explain", { name })).explain;
  }

  /** The other pipelines that lose entries when this one's are cleared. */
  async shared(name: string): Promise<SharedNodes[]> {
    return (await this.request("shared", { name })).shared;
  }

  /** Clears one pipeline's entries (saying how many other pipelines used), or without a name the whole cache. */
  clear(name?: string): Promise<CommAnswers["clear"]> {
    return this.request("clear", name === undefined ? {} : { name });
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

// The client side of a kernel's sockets, as a Jupyter client connects them: shell and control DEALER,
// iopub SUB, heartbeat REQ. (No stdin: cells run with allow_stdin false, as headless runners do.)
import { setTimeout as delay } from "node:timers/promises";
import { Dealer, Request, Subscriber } from "zeromq";
import type { KernelMessage } from "@jupyterlab/services";
import { address } from "./connection-file.js";
import type { ConnectionInfo } from "./sockets.js";
import { Session, type Message } from "./wire.js";

type RequestChannel = "shell" | "control";

export interface PendingRequest<ReplyContent> {
  /** The reply on the request's channel. */
  reply: Promise<Message<ReplyContent>>;
  /** Resolves on the kernel's `idle` status for this request: every IOPub message it caused has arrived. */
  idle: Promise<void>;
}

interface Waiter {
  onIopub: (message: Message) => void;
  reply: Deferred<Message>;
  idle: Deferred<void>;
}

export class KernelClient {
  private readonly session: Session;
  private readonly shell = new Dealer({ linger: 0 });
  private readonly control = new Dealer({ linger: 0 });
  private readonly iopub = new Subscriber({ linger: 0 });
  private readonly waiters = new Map<string, Waiter>();
  private failure: Error | undefined;

  constructor(private readonly connection: ConnectionInfo) {
    this.session = new Session(connection.key);
    this.shell.connect(address(connection, connection.shell_port));
    this.control.connect(address(connection, connection.control_port));
    this.iopub.connect(address(connection, connection.iopub_port));
    this.iopub.subscribe();
    for (const [socket, channel] of [[this.shell, "shell"], [this.control, "control"], [this.iopub, "iopub"]] as const) {
      void this.receive(socket, channel);
    }
  }

  /**
   * Sends a request; its IOPub messages go to `onIopub`. Listening starts before sending so none is missed.
   * (A SUB socket only receives once its subscription reached the kernel: see `waitReady`.)
   */
  request<ReplyContent = Record<string, unknown>>(
    channel: RequestChannel,
    msgType: KernelMessage.MessageType,
    content: object,
    onIopub: (message: Message) => void = () => {},
  ): PendingRequest<ReplyContent> {
    const message = this.session.message(msgType, content);
    const waiter: Waiter = { onIopub, reply: deferred(), idle: deferred() };
    if (this.failure) {
      reject(waiter, this.failure);
    } else {
      this.waiters.set(message.header.msg_id, waiter);
      const socket = channel === "shell" ? this.shell : this.control;
      socket.send(this.session.encode(message)).catch((error: Error) => this.fail(error));
    }
    return { reply: waiter.reply.promise as Promise<Message<ReplyContent>>, idle: waiter.idle.promise };
  }

  /**
   * Resolves once the kernel answers on shell and IOPub is live. A SUB socket drops what is published before
   * its subscription arrives, so kernel_info_request is repeated until its `idle` status is seen on IOPub.
   */
  async waitReady(): Promise<KernelMessage.IInfoReplyMsg["content"]> {
    for (;;) {
      const { reply, idle } = this.request<KernelMessage.IInfoReplyMsg["content"]>("shell", "kernel_info_request", {});
      const info = await reply;
      const live = await Promise.race([idle.then(() => true), delay(500, false, { ref: false })]);
      if (live) return info.content;
    }
  }

  /** One heartbeat round trip: the kernel echoes what it receives on the hb socket. */
  async heartbeat(timeoutMs: number): Promise<boolean> {
    const socket = new Request({ linger: 0, receiveTimeout: timeoutMs, sendTimeout: timeoutMs });
    try {
      socket.connect(address(this.connection, this.connection.hb_port));
      await socket.send("ping");
      const [echo] = await socket.receive();
      return echo?.toString() === "ping";
    } catch {
      return false;
    } finally {
      socket.close();
    }
  }

  /** True once `fail` was called: the kernel cannot be relied on to answer any more. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Rejects every pending and future request with `error` (the kernel died, a timeout, an interrupt). */
  fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.values()) reject(waiter, this.failure);
    this.waiters.clear();
  }

  close(): void {
    this.fail(new Error("kernel client closed"));
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
  }

  private async receive(socket: Dealer | Subscriber, channel: "shell" | "control" | "iopub"): Promise<void> {
    try {
      for await (const frames of socket) {
        let message: Message;
        try {
          message = this.session.decode(frames);
        } catch (error) {
          // jupyter_client drops such messages too; an unsigned message must never be acted upon.
          console.warn(`hypernodes-run: ignored a ${channel} message: ${(error as Error).message}`);
          continue;
        }
        this.dispatch(message, channel);
      }
    } catch (error) {
      if (!socket.closed) this.fail(error as Error);
    }
  }

  private dispatch(message: Message, channel: "shell" | "control" | "iopub"): void {
    const parentId = (message.parent_header as Partial<KernelMessage.IHeader>).msg_id;
    const waiter = parentId === undefined ? undefined : this.waiters.get(parentId);
    if (!waiter) return; // e.g. output of work still running after its cell finished
    if (channel !== "iopub") {
      waiter.reply.resolve(message);
    } else if (message.header.msg_type !== "status") {
      waiter.onIopub(message);
    } else if ((message.content as KernelMessage.IStatusMsg["content"]).execution_state === "idle") {
      waiter.idle.resolve();
    }
    // The reply (shell) and the idle status (iopub) travel on different sockets: either may arrive first.
    if (waiter.reply.settled && waiter.idle.settled) this.waiters.delete(parentId!);
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  settled: boolean;
}

function deferred<T>(): Deferred<T> {
  const d = { settled: false } as Deferred<T>;
  d.promise = new Promise<T>((resolve, reject) => {
    d.resolve = (value) => ((d.settled = true), resolve(value));
    d.reject = (error) => ((d.settled = true), reject(error));
  });
  // Callers may await only one of a request's promises; the other must not become an unhandled rejection.
  d.promise.catch(() => {});
  return d;
}

function reject(waiter: Waiter, error: Error): void {
  waiter.reply.reject(error);
  waiter.idle.reject(error);
}


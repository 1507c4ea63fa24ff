// Comms: Jupyter's two-way channels between the kernel and a front end (comm_open, comm_msg,
// comm_close, either side first), which the JupyterLab extension talks to the kernel through. Code in
// the kernel registers a target by name; a front end opens a comm to it, then both sides send messages
// until one closes it. The kernel can also open comms itself. Libraries reach them through the
// kernel object (cell-api.ts), typed by the notebook protocol as KernelComms.
import { randomUUID } from "node:crypto";
import type { CommTargetOptions, KernelComm, KernelComms } from "hypernodes/browser";
import { logError } from "./log.js";
import { shown } from "./untrusted.js";
import type { Message } from "./wire.js";

export type CommHandler = (data: unknown, buffers: Buffer[]) => void | Promise<void>;
/** Called when a front end opens a comm to the target, with the comm and the open message's data. */
export type CommTarget = (comm: Comm, data: unknown, buffers: Buffer[]) => void | Promise<void>;

type Publish = (msgType: string, content: unknown, parent: Message<unknown> | undefined, buffers?: Buffer[]) => void;

/** As it arrives: checked here, whatever the front end sent. */
interface CommContent {
  comm_id?: unknown;
  target_name?: unknown;
  data?: unknown;
}

export class Comm implements KernelComm {
  /** The message being answered: replies are tied to it (or, for a comm the kernel opened, to the current cell). */
  parent: Message<unknown> | undefined;
  private readonly messageHandlers: CommHandler[] = [];
  private readonly closeHandlers: CommHandler[] = [];

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly registry: CommRegistry,
  ) {}

  get closed(): boolean {
    return !this.registry.has(this);
  }

  onMsg(handler: CommHandler): void {
    this.messageHandlers.push(handler);
  }

  onClose(handler: CommHandler): void {
    this.closeHandlers.push(handler);
  }

  send(data: unknown, buffers: Buffer[] = []): void {
    if (this.closed) throw new Error(`comm ${this.id} (${this.targetName}) is closed`);
    this.registry.publish(this, "comm_msg", { comm_id: this.id, data }, buffers);
  }

  close(data: unknown = {}): void {
    if (this.closed) return;
    this.registry.publish(this, "comm_close", { comm_id: this.id, data });
    this.registry.forget(this);
  }

  /** @internal Runs this comm's handlers for a message from the front end. */
  async dispatch(kind: "message" | "close", data: unknown, buffers: Buffer[]): Promise<void> {
    for (const handler of kind === "message" ? this.messageHandlers : this.closeHandlers) {
      try {
        await handler(data, buffers);
      } catch (error) {
        logError(`comm '${this.targetName}' ${kind} handler`, error);
      }
    }
  }
}

export class CommRegistry implements KernelComms {
  private readonly targets = new Map<string, { target: CommTarget; options: CommTargetOptions }>();
  private readonly comms = new Map<string, Comm>();

  constructor(
    private readonly publishOnIOPub: Publish,
    private readonly currentCell: () => Message<unknown> | undefined,
  ) {}

  /** Registers (or replaces) the handler for comms a front end opens to `name`. */
  registerTarget(name: string, target: CommTarget, options: CommTargetOptions = {}): void {
    this.targets.set(name, { target, options });
  }

  /** Whether a message from the front end may be handled while a cell runs (its target says so). */
  answersDuringCell(msg: Message<unknown>): boolean {
    if (msg.header.msg_type !== "comm_msg") return false;
    const { comm_id: id, data } = msg.content as CommContent;
    const comm = this.comms.get(id as string);
    const duringCell = comm && this.targets.get(comm.targetName)?.options.duringCell;
    try {
      return duringCell?.(data) ?? false;
    } catch (error) {
      logError(`comm target '${comm!.targetName}' duringCell`, error);
      return false;
    }
  }

  /** Opens a comm from the kernel to a target the front end registered. */
  open(targetName: string, data: unknown = {}, buffers: Buffer[] = []): Comm {
    const comm = new Comm(randomUUID(), targetName, this);
    this.comms.set(comm.id, comm);
    this.publish(comm, "comm_open", { comm_id: comm.id, target_name: targetName, data }, buffers);
    return comm;
  }

  /** The open comms (optionally of one target), as comm_info_reply lists them. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const listed = [...this.comms.values()].filter((comm) => targetName === undefined || comm.targetName === targetName);
    // Defined, not assigned: a comm id "__proto__" is listed like any other.
    return Object.fromEntries(listed.map((comm) => [comm.id, { target_name: comm.targetName }]));
  }

  /** Handles comm_open, comm_msg and comm_close from the front end. */
  async handle(msg: Message<unknown>): Promise<void> {
    const { comm_id: id, target_name: targetName, data = {} } = msg.content as CommContent;
    // Nothing to open, answer or close (not even a comm_close to send back).
    if (typeof id !== "string" || !id) return logError(msg.header.msg_type, `comm_id must be a non-empty string, not ${shown(id)}`);
    if (msg.header.msg_type === "comm_open") return this.opened(msg, id, targetName, data);
    const comm = this.comms.get(id);
    if (!comm) return logError(msg.header.msg_type, `unknown comm ${shown(id)}`);
    comm.parent = msg;
    if (msg.header.msg_type === "comm_close") this.forget(comm);
    await comm.dispatch(msg.header.msg_type === "comm_close" ? "close" : "message", data, msg.buffers);
  }

  private async opened(msg: Message<unknown>, id: string, targetName: unknown, data: unknown): Promise<void> {
    // Whatever its type, a name that is no registered target's finds none.
    const target = this.targets.get(targetName as string)?.target;
    if (!target) {
      // Tell the front end at once, as ipykernel does, rather than leave it with a comm nobody answers.
      logError("comm_open", `no comm target ${shown(targetName)}`);
      this.publishOnIOPub("comm_close", { comm_id: id, data: {} }, msg);
      return;
    }
    const comm = new Comm(id, targetName as string, this);
    comm.parent = msg;
    this.comms.set(id, comm);
    try {
      await target(comm, data, msg.buffers);
    } catch (error) {
      logError(`comm target '${comm.targetName}'`, error);
    }
  }

  /** @internal */
  has(comm: Comm): boolean {
    return this.comms.get(comm.id) === comm;
  }

  /** @internal */
  forget(comm: Comm): void {
    this.comms.delete(comm.id);
  }

  /** @internal */
  publish(comm: Comm, msgType: string, content: unknown, buffers: Buffer[] = []): void {
    this.publishOnIOPub(msgType, content, comm.parent ?? this.currentCell(), buffers);
  }
}

// Publishing on IOPub. Stream text is coalesced for a moment (a print loop must not become thousands
// of messages) and flushed before any other message, so outputs keep their order.
import type { KernelSockets } from "./sockets.js";
import type { Message, Session } from "./wire.js";

const STREAM_FLUSH_MS = 50;

type StreamName = "stdout" | "stderr";

export class IOPub {
  private pending: { name: StreamName; text: string; parent: Message<unknown> } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sockets: KernelSockets,
    private readonly session: Session,
  ) {}

  publish(msgType: string, content: unknown, parent?: Message<unknown>, buffers?: Buffer[]): void {
    this.flush();
    this.send(this.session.message(msgType, content, parent, buffers));
  }

  stream(name: StreamName, text: string, parent: Message<unknown>): void {
    if (this.pending && (this.pending.name !== name || this.pending.parent !== parent)) this.flush();
    if (this.pending) {
      this.pending.text += text;
      return;
    }
    this.pending = { name, text, parent };
    this.timer = setTimeout(() => this.flush(), STREAM_FLUSH_MS);
  }

  flush(): void {
    if (!this.pending) return;
    const { name, text, parent } = this.pending;
    this.pending = undefined;
    clearTimeout(this.timer);
    this.send(this.session.message("stream", { name, text }, parent));
  }

  private send(msg: Message<unknown>): void {
    // IOPub's first frame is a topic for subscribers, not a routing identity.
    msg.identities = [Buffer.from(`kernel.${this.session.id}.${msg.header.msg_type}`)];
    void this.sockets.send(this.sockets.iopub, this.session.encode(msg));
  }
}

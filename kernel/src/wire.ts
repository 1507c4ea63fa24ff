// The Jupyter wire protocol (messaging spec 5.3): frames <-> messages, HMAC-SHA256 signatures.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = Buffer.from("<IDS|MSG>");

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface Message<Content = Record<string, unknown>> {
  /** ZeroMQ routing prefix: a reply on a ROUTER socket must carry its request's. */
  identities: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Content;
  buffers: Buffer[];
}

/** Signs and checks messages with the connection file's key (an empty key means no signing, per the spec). */
export class Session {
  readonly id = randomUUID();

  constructor(private readonly key: string) {}

  /** A new message from the kernel; `parent` is the request it belongs to. */
  message<C>(msgType: string, content: C, parent?: Message<unknown>, buffers: Buffer[] = []): Message<C> {
    return {
      identities: parent?.identities ?? [],
      header: {
        msg_id: randomUUID(),
        session: this.id,
        username: "kernel",
        date: new Date().toISOString(),
        msg_type: msgType,
        version: PROTOCOL_VERSION,
      },
      parent_header: parent?.header ?? {},
      metadata: {},
      content,
      buffers,
    };
  }

  encode(msg: Message<unknown>): Buffer[] {
    const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((part) => Buffer.from(JSON.stringify(part)));
    return [...msg.identities, DELIMITER, Buffer.from(this.sign(parts)), ...parts, ...msg.buffers];
  }

  /** Parses a received multipart message; throws on a missing delimiter or a bad signature. */
  decode(frames: Buffer[]): Message {
    const at = frames.findIndex((frame) => frame.equals(DELIMITER));
    if (at < 0) throw new Error("message without the <IDS|MSG> delimiter");
    const signature = frames[at + 1].toString();
    const parts = frames.slice(at + 2, at + 6);
    const expected = this.sign(parts);
    if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      throw new Error("message with an invalid signature");
    }
    const [header, parent_header, metadata, content] = parts.map((part) => JSON.parse(part.toString()));
    return { identities: frames.slice(0, at), header, parent_header, metadata, content, buffers: frames.slice(at + 6) };
  }

  private sign(parts: Buffer[]): string {
    if (!this.key) return "";
    const hmac = createHmac("sha256", this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest("hex");
  }
}

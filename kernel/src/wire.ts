// The Jupyter wire protocol (messaging spec 5.3): frames <-> messages, HMAC-SHA256 signatures.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { isRecord, shown } from "./untrusted.js";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = Buffer.from("<IDS|MSG>");
const PARTS = ["header", "parent_header", "metadata", "content"] as const;
/** How many signatures of accepted messages are remembered to refuse replays (ipykernel's digest_history_size). */
export const DIGEST_HISTORY_SIZE = 2 ** 16;

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

/**
 * Signs and checks messages with the connection file's key (an empty key means no signing, per the
 * spec). As ipykernel does, a signed message is accepted once: a captured message sent again is refused.
 */
export class Session {
  readonly id = randomUUID();
  /** Signatures of the messages accepted, oldest first. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly key: string,
    private readonly historySize = DIGEST_HISTORY_SIZE,
  ) {}

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

  /** Parses a received multipart message; throws, saying why, on a malformed, wrongly signed or replayed one. */
  decode(frames: Buffer[]): Message {
    const at = frames.findIndex((frame) => frame.equals(DELIMITER));
    if (at < 0) throw new Error("message without the <IDS|MSG> delimiter");
    if (frames.length < at + 6) throw new Error(`message with ${frames.length - at - 1} of the 5 frames after <IDS|MSG> (a signature and 4 parts)`);
    const parts = frames.slice(at + 2, at + 6);
    this.verify(frames[at + 1].toString(), parts);
    const [header, parent_header, metadata, content] = parts.map((part, i) => parsePart(part, PARTS[i]));
    if (typeof header.msg_type !== "string") throw new Error(`message whose header's msg_type is ${shown(header.msg_type)}`);
    return {
      identities: frames.slice(0, at),
      header: header as unknown as Header,
      parent_header: parent_header as Message["parent_header"],
      metadata,
      content,
      buffers: frames.slice(at + 6),
    };
  }

  /** Checks the signature, then that it is new: a message signed the same was accepted before, this is a replay. */
  private verify(signature: string, parts: Buffer[]): void {
    const expected = this.sign(parts);
    if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      throw new Error(`${describe(parts[0])} with an invalid signature`);
    }
    // Unsigned messages (no key) all carry the same empty signature: nothing tells a replay apart.
    if (!this.key) return;
    if (this.seen.has(signature)) throw new Error(`duplicate signature: ${describe(parts[0])} sent again (a replay of one already received)`);
    if (this.seen.size >= this.historySize) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(signature);
  }

  private sign(parts: Buffer[]): string {
    if (!this.key) return "";
    const hmac = createHmac("sha256", this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest("hex");
  }
}

/** A JSON object, as the spec has each part: a null or an array would reach handlers reading its fields. */
function parsePart(frame: Buffer, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString());
  } catch {
    throw new Error(`message whose ${name} is not JSON`);
  }
  if (!isRecord(value)) throw new Error(`message whose ${name} is ${shown(value)}, not a JSON object`);
  return value;
}

/** A message by its header's msg_type, for a log line: the header is read, not trusted (it may not even parse). */
function describe(header: Buffer): string {
  try {
    const { msg_type } = JSON.parse(header.toString()) as { msg_type?: unknown };
    if (typeof msg_type === "string") return `a message of type ${shown(msg_type)}`;
  } catch {
    // Described without its type.
  }
  return "a message";
}

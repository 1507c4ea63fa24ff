// The kernel against what a red team sends it: a captured signed message sent again, a connection file
// it cannot serve, an empty key, and hostile comm messages. Each must be refused (or answered with an
// error naming the problem) with the kernel still answering and nothing polluted. The kernel tests need
// the build (`npm test` runs it first).
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dealer } from "zeromq";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DIGEST_HISTORY_SIZE, Session } from "../kernel/src/wire.js";
import { Client, freePort, kernelBin, type Msg, type Ports } from "./helpers/jupyter-client.js";

const KEY = "a-key-never-printed";
/** How long a kernel may take to start while other test files start theirs. */
const START_MS = 60_000;

describe("Session", () => {
  const client = new Session(KEY);
  const executeRequest = (code: string) => client.encode(client.message("execute_request", { code }));

  it("accepts a signed message once: the same frames again are a replay, refused by type, the key never said", () => {
    const kernel = new Session(KEY);
    const frames = executeRequest("n++");
    expect(kernel.decode(frames).content).toEqual({ code: "n++" });
    expect(() => kernel.decode(frames)).toThrow('duplicate signature: a message of type "execute_request" sent again');
    expect(() => kernel.decode(frames)).not.toThrow(KEY);
    // The same request made anew (its own msg_id and date) is another message.
    expect(kernel.decode(executeRequest("n++")).content).toEqual({ code: "n++" });
  });

  it("remembers a bounded number of signatures, forgetting the oldest first", () => {
    const kernel = new Session(KEY, 2);
    const [a, b, c] = ["a", "b", "c"].map(executeRequest);
    for (const frames of [a, b, c]) kernel.decode(frames);
    expect(() => kernel.decode(c)).toThrow("duplicate signature");
    expect(() => kernel.decode(b)).toThrow("duplicate signature");
    // a was forgotten when c came: accepted again, it pushes b out.
    expect(kernel.decode(a).content).toEqual({ code: "a" });
    expect(() => kernel.decode(a)).toThrow("duplicate signature");
    expect(kernel.decode(b).content).toEqual({ code: "b" });
  });

  it("remembers ipykernel's 2**16 signatures by default", () => {
    const kernel = new Session(KEY);
    const first = executeRequest("first");
    kernel.decode(first);
    for (let i = 1; i < DIGEST_HISTORY_SIZE; i++) kernel.decode(executeRequest(""));
    expect(DIGEST_HISTORY_SIZE).toBe(2 ** 16);
    expect(() => kernel.decode(first)).toThrow("duplicate signature");
    kernel.decode(executeRequest(""));
    expect(kernel.decode(first).content).toEqual({ code: "first" });
  });

  it("with an empty key, accepts the same unsigned message twice (nothing tells a replay apart)", () => {
    const unsigned = new Session("");
    const frames = unsigned.encode(unsigned.message("kernel_info_request", {}));
    expect(frames[1]!.toString()).toBe("");
    expect(unsigned.decode(frames).header.msg_type).toBe("kernel_info_request");
    expect(unsigned.decode(frames).header.msg_type).toBe("kernel_info_request");
  });

  it.each([
    ["a wrong signature", (frames: Buffer[]) => withFrame(frames, 1, "0".repeat(64)), 'a message of type "execute_request" with an invalid signature'],
    ["missing parts", (frames: Buffer[]) => frames.slice(0, 4), "message with 3 of the 5 frames after <IDS|MSG> (a signature and 4 parts)"],
    ["content null", (frames: Buffer[]) => signedWith(frames, 5, "null"), "message whose content is null, not a JSON object"],
    ["content an array", (frames: Buffer[]) => signedWith(frames, 5, "[]"), "message whose content is an array, not a JSON object"],
    ["a header that is not JSON", (frames: Buffer[]) => signedWith(frames, 2, "{"), "message whose header is not JSON"],
    ["a header without msg_type", (frames: Buffer[]) => signedWith(frames, 2, '{"msg_id":"1"}'), "message whose header's msg_type is undefined"],
  ])("refuses a message with %s, saying so", (_, spoil, error) => {
    expect(() => new Session(KEY).decode(spoil(executeRequest("1")))).toThrow(error);
  });
});

/** Frames with one part replaced and signed again: well signed, badly formed. */
function signedWith(frames: Buffer[], index: number, part: string): Buffer[] {
  const spoilt = withFrame(frames, index, part);
  return withFrame(spoilt, 1, sign(KEY, spoilt.slice(2, 6).map(String)));
}

function withFrame(frames: Buffer[], index: number, frame: string): Buffer[] {
  const copy = [...frames];
  copy[index] = Buffer.from(frame);
  return copy;
}

function sign(key: string, parts: string[]): string {
  return key ? createHmac("sha256", key).update(parts.join("")).digest("hex") : "";
}

/** A message as a client sends it: `content` as JSON text (a hostile one may be too deep for JSON.stringify). */
function frames(key: string, msgType: string, content: string): { id: string; frames: string[] } {
  const header = { msg_id: randomUUID(), session: "red-team", username: "test", date: new Date().toISOString(), msg_type: msgType, version: "5.3" };
  const parts = [JSON.stringify(header), "{}", "{}", content];
  return { id: header.msg_id, frames: ["<IDS|MSG>", sign(key, parts), ...parts] };
}

/** A shell connection sending frames exactly as given (twice, unsigned), keeping the replies. */
class RawShell {
  readonly replies: Msg[] = [];
  private readonly socket = new Dealer();

  constructor(port: number) {
    this.socket.connect(`tcp://127.0.0.1:${port}`);
    void this.listen();
  }

  send(frames: string[]): Promise<void> {
    return this.socket.send(frames);
  }

  repliesTo(id: string): Msg[] {
    return this.replies.filter((m) => m.parent_header.msg_id === id);
  }

  reply(id: string): Promise<Msg> {
    return vi.waitFor(
      () => {
        const [reply] = this.repliesTo(id);
        if (!reply) throw new Error(`no reply to ${id} yet`);
        return reply;
      },
      { timeout: START_MS, interval: 20 },
    );
  }

  close(): void {
    this.socket.close();
  }

  private async listen(): Promise<void> {
    try {
      for await (const received of this.socket) {
        const [header, parent_header, , content] = received.slice(2, 6).map((part) => JSON.parse(part.toString()));
        this.replies.push({ header, parent_header, content });
      }
    } catch (error) {
      if (!this.socket.closed) throw error;
    }
  }
}

interface Launched {
  process: ChildProcess;
  ports: Ports;
  /** What the kernel wrote on its own stderr. */
  log(): string;
  exited: Promise<number | null>;
}

/** Starts the kernel on a connection file with `fields` over valid ones, in `dir` (the notebook's folder). */
async function launch(dir: string, fields: Record<string, unknown>): Promise<Launched> {
  const ports: Ports = { shell: await freePort(), control: await freePort(), iopub: await freePort(), stdin: await freePort(), hb: await freePort() };
  const portFields = Object.fromEntries(Object.entries(ports).map(([channel, port]) => [`${channel}_port`, port]));
  const file = join(dir, `connection-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify({ transport: "tcp", ip: "127.0.0.1", key: KEY, signature_scheme: "hmac-sha256", ...portFields, ...fields }));
  const child = spawn(process.execPath, [kernelBin, "start", "--config-path", file], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (chunk) => (log += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { process: child, ports, log: () => log, exited };
}

async function stop(kernel: Launched | undefined): Promise<void> {
  if (!kernel || kernel.process.exitCode !== null) return;
  kernel.process.kill();
  await kernel.exited;
}

describe("a connection file the kernel cannot serve", () => {
  let dir: string;
  /** Kernels not yet exited: one that failed to exit is killed, not left behind. */
  const children = new Set<ChildProcess>();
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "hn-connection-"))));
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the kernel on a connection file holding `text`: its exit code and stderr (killed after 10 s). */
  function startOn(text: string): Promise<{ file: string; code: number | null; stderr: string }> {
    const file = join(dir, `connection-${randomUUID()}.json`);
    writeFileSync(file, text);
    const child = spawn(process.execPath, [kernelBin, "start", "--config-path", file], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], timeout: 10_000 });
    children.add(child);
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    return new Promise((resolve) =>
      child.once("exit", (code) => {
        children.delete(child);
        resolve({ file, code, stderr });
      }),
    );
  }

  const ports = { shell_port: 50001, iopub_port: 50002, stdin_port: 50003, control_port: 50004, hb_port: 50005 };
  const withoutPorts = { transport: "tcp", ip: "127.0.0.1", key: KEY, signature_scheme: "hmac-sha256" };
  const valid = { ...withoutPorts, ...ports };
  const json = (fields: object) => JSON.stringify({ ...valid, ...fields });

  it.each([
    ["without ports", JSON.stringify(withoutPorts), "shell_port is missing (expected an integer from 1 to 65535)"],
    ["with port 0", json({ shell_port: 0 }), "shell_port must be an integer from 1 to 65535, not 0"],
    ['with port "abc"', json({ iopub_port: "abc" }), 'iopub_port must be an integer from 1 to 65535, not "abc"'],
    ["with port 65536", json({ hb_port: 65536 }), "hb_port must be an integer from 1 to 65535, not 65536"],
    ["with port 1.5", json({ control_port: 1.5 }), "control_port must be an integer from 1 to 65535, not 1.5"],
    ['with signature_scheme "hmac-md5"', json({ signature_scheme: "hmac-md5" }), 'signature_scheme "hmac-md5" is not supported (only "hmac-sha256")'],
    ['with signature_scheme "rsa" and an empty key', json({ signature_scheme: "rsa", key: "" }), 'signature_scheme "rsa" is not supported (only "hmac-sha256")'],
    ['with transport "udp"', json({ transport: "udp" }), 'transport "udp" is not supported (only "tcp" and "ipc")'],
    ["with an ip that is a number", json({ ip: 127 }), "ip must be an address (a non-empty string), not 127"],
    ["without a key", json({ key: undefined }), 'key is missing (expected a string ("" for unsigned messages))'],
    ["that is not JSON", "shell_port = 5000", "not JSON"],
    ["that is a JSON array", "[]", "an array, not a JSON object"],
  ])("%s: the kernel exits with code 1 at once, naming the file and the field in one line", async (_, text, problem) => {
    const started = performance.now();
    const { file, code, stderr } = await startOn(text);
    expect(stderr).toBe(`hypernodes-kernel: connection file ${file}: ${problem}\n`);
    expect(code).toBe(1);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("a port already in use: the kernel exits with code 1, naming the port (not left running with the others bound)", async () => {
    const port = await freePort();
    const { code, stderr } = await startOn(json({ shell_port: port, control_port: port }));
    expect(stderr).toMatch(new RegExp(`^hypernodes-kernel: cannot bind (shell|control)_port to tcp://127.0.0.1:${port}: Address already in use\n$`));
    expect(code).toBe(1);
  });
});

describe("a kernel started with an empty key", () => {
  let dir: string;
  let kernel: Launched | undefined;
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "hn-unsigned-"))));
  afterAll(async () => {
    await stop(kernel);
    rmSync(dir, { recursive: true, force: true });
  });

  it("warns once on stderr that messages are not signed, and answers unsigned messages", async () => {
    kernel = await launch(dir, { key: "" });
    const shell = new RawShell(kernel.ports.shell);
    try {
      const info = frames("", "kernel_info_request", "{}");
      await shell.send(info.frames);
      expect((await shell.reply(info.id)).content).toMatchObject({ status: "ok", implementation: "hypernodes" });
      const cell = frames("", "execute_request", JSON.stringify({ code: "20 + 22", silent: false }));
      await shell.send(cell.frames);
      expect((await shell.reply(cell.id)).content).toMatchObject({ status: "ok", execution_count: 1 });
    } finally {
      shell.close();
    }
    await vi.waitFor(() => expect(kernel!.log()).toContain("empty key"));
    expect(kernel.log().match(/\[hypernodes kernel\] warning: .*/g)).toEqual([
      expect.stringMatching(/the connection file .* has an empty key: messages are not signed, anyone who can reach the ports can run code$/),
    ]);
  }, START_MS);
});

describe("the kernel against replays and hostile comm messages", () => {
  let dir: string;
  let kernel: Launched;
  let client: Client;
  let shell: RawShell;
  let panel: { id: string; ask(data: object): Promise<any> };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hn-hostile-"));
    kernel = await launch(dir, {});
    client = new Client(KEY, kernel.ports);
    await client.ready();
    shell = new RawShell(kernel.ports.shell);
    const setup = await client.execute(
      'import { node, Pipeline } from "hypernodes";\nconst guarded = new Pipeline({ nodes: [node((x: number) => x + 1, { outputName: "y" })] });\nawait guarded.run({ x: 1 });',
    );
    expect(setup.reply.content.status).toBe("ok");
    panel = await openPanel();
  }, START_MS);

  afterAll(async () => {
    shell?.close();
    client?.close();
    await stop(kernel);
    rmSync(dir, { recursive: true, force: true });
  }, 10_000);

  /** A hypernodes comm as the lab panel opens it; `ask` resolves to a request's one answer. */
  async function openPanel() {
    const id = randomUUID();
    await client.iopubUntilIdle(client.request("comm_open", { comm_id: id, target_name: "hypernodes", data: {} }).id);
    const ask = async (data: object) => {
      const sent = client.request("comm_msg", { comm_id: id, data });
      const answers = (await client.iopubUntilIdle(sent.id)).filter((m) => m.header.msg_type === "comm_msg");
      expect(answers).toHaveLength(1);
      return answers[0]!.content.data;
    };
    return { id, ask };
  }

  /** Sends a signed message as given; resolves once the kernel has handled it (a request sent after it is answered). */
  async function sendAndSettle(msgType: string, content: string): Promise<string> {
    const sent = frames(KEY, msgType, content);
    await shell.send(sent.frames);
    const after = frames(KEY, "kernel_info_request", "{}");
    await shell.send(after.frames);
    expect((await shell.reply(after.id)).content.status).toBe("ok");
    await client.iopubUntilIdle(after.id);
    return sent.id;
  }

  async function expectUnpolluted(): Promise<void> {
    const { outputs } = await client.execute("[({} as any).polluted, Object.keys(Object.prototype)]");
    expect(outputs.at(-1)?.content.data["text/plain"]).toBe("[ undefined, [] ]");
  }

  it("warns of nothing when it has a key", () => {
    expect(kernel.log()).not.toContain("warning");
  });

  it("runs a replayed, correctly signed execute_request once, says so in its log without the key, and keeps answering", async () => {
    const cell = frames(KEY, "execute_request", JSON.stringify({ code: "(globalThis as any).replays = ((globalThis as any).replays ?? 0) + 1;", silent: false }));
    await shell.send(cell.frames);
    await client.iopubUntilIdle(cell.id);
    await shell.send(cell.frames);
    // Shell requests are handled in order: a second run of the cell would have replied before this.
    const after = frames(KEY, "kernel_info_request", "{}");
    await shell.send(after.frames);
    expect((await shell.reply(after.id)).content.status).toBe("ok");
    expect(shell.repliesTo(cell.id).map((m) => [m.header.msg_type, m.content.status])).toEqual([["execute_reply", "ok"]]);
    expect((await client.execute("(globalThis as any).replays")).outputs.at(-1)?.content.data["text/plain"]).toBe("1");
    expect(client.iopubMessages.filter((m) => m.parent_header.msg_id === cell.id && m.header.msg_type === "execute_input")).toHaveLength(1);
    await vi.waitFor(() =>
      expect(kernel.log()).toContain('[hypernodes kernel] ignored a message: duplicate signature: a message of type "execute_request" sent again'),
    );
    expect(kernel.log()).not.toContain(KEY);
  });

  const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  const commMsg = (data: string) => (commId: string) => `{"comm_id":${JSON.stringify(commId)},"data":${data}}`;
  const json = (content: object) => () => JSON.stringify(content);
  const pollutingJson = '{"__proto__":{"polluted":1}}';

  /** Each case: what is sent (its content as JSON text, given the open panel comm's id), and what comes of it. */
  const cases: [string, string, (commId: string) => string, { answer: object } | { closed: string } | { log: string }][] = [
    [
      "comm_open without comm_id",
      "comm_open",
      json({ target_name: "hypernodes", data: {} }),
      { log: "comm_open: comm_id must be a non-empty string, not undefined" },
    ],
    [
      "comm_open with a number as comm_id",
      "comm_open",
      json({ comm_id: 42, target_name: "hypernodes", data: {} }),
      { log: "comm_open: comm_id must be a non-empty string, not 42" },
    ],
    [
      "comm_open with an object as comm_id",
      "comm_open",
      () => `{"comm_id":${pollutingJson},"target_name":"hypernodes","data":{}}`,
      { log: "comm_open: comm_id must be a non-empty string, not an object" },
    ],
    ["comm_open to an unknown target", "comm_open", json({ comm_id: "c1", target_name: "no-such-target", data: {} }), { closed: "c1" }],
    ["comm_open with an object as target_name", "comm_open", json({ comm_id: "c2", target_name: { toString: 1 }, data: {} }), { closed: "c2" }],
    ["comm_open to target __proto__", "comm_open", json({ comm_id: "c3", target_name: "__proto__", data: {} }), { closed: "c3" }],
    ["comm_msg to an unknown comm", "comm_msg", json({ comm_id: "nobody", data: { request: "ping" } }), { log: 'comm_msg: unknown comm "nobody"' }],
    [
      "comm_msg with an array as comm_id",
      "comm_msg",
      json({ comm_id: [1], data: { request: "ping" } }),
      { log: "comm_msg: comm_id must be a non-empty string, not an array" },
    ],
    ["comm_close of an unknown comm", "comm_close", json({ comm_id: "nobody", data: {} }), { log: 'comm_close: unknown comm "nobody"' }],
    ["comm_msg whose content is null", "comm_msg", () => "null", { log: 'ignored a message: message whose content is null, not a JSON object' }],
    ["comm_msg whose content is an array", "comm_msg", () => "[]", { log: "ignored a message: message whose content is an array, not a JSON object" }],
    ["data null", "comm_msg", commMsg("null"), { answer: { error: "a request must be an object { request, id?, ... }, not null" } }],
    ["data an array", "comm_msg", commMsg('["ping"]'), { answer: { error: "a request must be an object { request, id?, ... }, not an array" } }],
    ["data a string", "comm_msg", commMsg('"ping"'), { answer: { error: 'a request must be an object { request, id?, ... }, not "ping"' } }],
    ["data a number", "comm_msg", commMsg("7"), { answer: { error: "a request must be an object { request, id?, ... }, not 7" } }],
    ["data without request", "comm_msg", commMsg('{"id":1}'), { answer: { error: "unknown request undefined", id: 1 } }],
    ["an unknown request", "comm_msg", commMsg('{"request":"launch","id":"a"}'), { answer: { error: 'unknown request "launch"', id: "a" } }],
    ["request __proto__", "comm_msg", commMsg('{"request":"__proto__"}'), { answer: { error: 'unknown request "__proto__"' } }],
    ["request constructor", "comm_msg", commMsg('{"request":"constructor"}'), { answer: { error: 'unknown request "constructor"' } }],
    ["request toString", "comm_msg", commMsg('{"request":"toString"}'), { answer: { error: 'unknown request "toString"' } }],
    ["request a polluting object", "comm_msg", commMsg(`{"request":${pollutingJson}}`), { answer: { error: "unknown request an object" } }],
    ["request nested 100,000 deep", "comm_msg", commMsg(`{"request":${deep(100_000)}}`), { answer: { error: "unknown request an array" } }],
    [
      "id a polluting object",
      "comm_msg",
      commMsg(`{"request":"ping","id":${pollutingJson}}`),
      { answer: { error: "id must be a number or a string, not an object" } },
    ],
    [
      "id nested 100,000 deep",
      "comm_msg",
      commMsg(`{"request":"ping","id":${deep(100_000)}}`),
      { answer: { error: "id must be a number or a string, not an array" } },
    ],
    [
      "a ping carrying data nested 100,000 deep",
      "comm_msg",
      commMsg(`{"request":"ping","extra":${deep(100_000)}}`),
      { answer: { pong: true, version: expect.any(String) } },
    ],
    [
      "dag of a name that is an object",
      "comm_msg",
      commMsg('{"request":"dag","name":{"toString":1}}'),
      { answer: { error: "name must be a pipeline's variable name (a string), not an object" } },
    ],
    [
      "dag of a 1 MB name",
      "comm_msg",
      commMsg(JSON.stringify({ request: "dag", name: "n".repeat(1 << 20) })),
      { answer: { error: `no pipeline named '${"n".repeat(80)}…' in this session's cells` } },
    ],
    [
      "explain of __proto__",
      "comm_msg",
      commMsg('{"request":"explain","name":"__proto__"}'),
      { answer: { error: "no pipeline named '__proto__' in this session's cells" } },
    ],
    [
      "explain of constructor",
      "comm_msg",
      commMsg('{"request":"explain","name":"constructor"}'),
      { answer: { error: "no pipeline named 'constructor' in this session's cells" } },
    ],
    [
      "explain with inputs a string",
      "comm_msg",
      commMsg('{"request":"explain","name":"guarded","inputs":"x=1"}'),
      { answer: { error: expect.stringMatching(/^explain: inputs must be an object/) } },
    ],
    [
      "explain with polluting inputs",
      "comm_msg",
      commMsg(`{"request":"explain","name":"guarded","inputs":${pollutingJson}}`),
      { answer: { error: expect.stringContaining("input '__proto__' is reserved") } },
    ],
    [
      "explain with inputs polluting through constructor",
      "comm_msg",
      commMsg('{"request":"explain","name":"guarded","inputs":{"x":1,"constructor":{"prototype":{"polluted":1}}}}'),
      { answer: { error: expect.stringContaining("input 'constructor' is reserved") } },
    ],
    [
      "clear of a name that is null",
      "comm_msg",
      commMsg('{"request":"clear","name":null}'),
      { answer: { error: "name must be a pipeline's variable name (a string), not null" } },
    ],
    [
      "shared of a polluting name",
      "comm_msg",
      commMsg(`{"request":"shared","name":${pollutingJson}}`),
      { answer: { error: "name must be a pipeline's variable name (a string), not an object" } },
    ],
  ];

  it.each(cases)("%s: handled without harm, the kernel still answering and unpolluted", async (_, msgType, content, outcome) => {
    const logged = kernel.log().length;
    const id = await sendAndSettle(msgType, content(panel.id));
    const published = client.iopubMessages.filter((m) => m.parent_header.msg_id === id && m.header.msg_type !== "status");
    if ("answer" in outcome) {
      expect(published.map((m) => [m.header.msg_type, m.content])).toEqual([["comm_msg", { comm_id: panel.id, data: outcome.answer }]]);
    } else if ("closed" in outcome) {
      expect(published.map((m) => [m.header.msg_type, m.content])).toEqual([["comm_close", { comm_id: outcome.closed, data: {} }]]);
    } else {
      expect(published).toEqual([]);
      await vi.waitFor(() => expect(kernel.log().slice(logged)).toContain(`[hypernodes kernel] ${outcome.log}\n`));
    }
    expect(await panel.ask({ request: "ping", id: 1 })).toEqual({ pong: true, version: expect.any(String), id: 1 });
    expect((await client.request("comm_info_request", {}).reply).content.comms).toEqual({ [panel.id]: { target_name: "hypernodes" } });
    await expectUnpolluted();
  });

  it("lists, answers and closes a comm whose id is __proto__ like any other", async () => {
    await client.iopubUntilIdle(client.request("comm_open", { comm_id: "__proto__", target_name: "hypernodes", data: {} }).id);
    expect((await client.request("comm_info_request", {}).reply).content.comms).toEqual({
      [panel.id]: { target_name: "hypernodes" },
      ["__proto__"]: { target_name: "hypernodes" },
    });
    const ping = client.request("comm_msg", { comm_id: "__proto__", data: { request: "ping" } });
    expect((await client.iopubUntilIdle(ping.id)).map((m) => m.content)).toEqual([{ comm_id: "__proto__", data: { pong: true, version: expect.any(String) } }]);
    await client.iopubUntilIdle(client.request("comm_close", { comm_id: "__proto__", data: {} }).id);
    expect((await client.request("comm_info_request", {}).reply).content.comms).toEqual({ [panel.id]: { target_name: "hypernodes" } });
    await expectUnpolluted();
  });

  it("keeps answering shell requests after malformed comm messages arrive while a cell runs", async () => {
    const running = client.execute("await new Promise((resolve) => setTimeout(resolve, 1000)); 5");
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const content of ["null", "[]", `{"comm_id":${pollutingJson},"data":{"request":"stats"}}`]) {
      await shell.send(frames(KEY, "comm_msg", content).frames);
    }
    // Answered during the cell: a reading request on the panel comm.
    expect(await panel.ask({ request: "ping" })).toMatchObject({ pong: true });
    expect((await running).reply.content.status).toBe("ok");
    expect((await client.execute("6")).outputs.at(-1)?.content.data["text/plain"]).toBe("6");
  });
});

// The HyperNodes kernel as Jupyter uses it: the installed kernel.json, and a kernel process spoken to
// over ZeroMQ with signed messages, started in a folder outside the project (the harder case for
// `import … from "hypernodes"`). Needs the build (`npm test` runs it first).
import { spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { Request } from "zeromq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, kernelBin as bin, startKernel, type RunningKernel } from "./helpers/jupyter-client.js";

const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

describe("hypernodes-kernel install", () => {
  it("writes kernel.json with absolute paths and the lab extension into --prefix, and uninstall removes them", () => {
    const prefix = mkdtempSync(join(tmpdir(), "hn-spec-"));
    try {
      expect(cli("install", "--prefix", prefix).status).toBe(0);
      const dir = join(prefix, "share", "jupyter", "kernels", "hypernodes");
      const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
      expect(spec).toMatchObject({ display_name: "HyperNodes (TypeScript)", language: "typescript", interrupt_mode: "signal" });
      expect(spec.argv).toEqual([process.execPath, bin, "start", "--config-path", "{connection_file}"]);
      expect(isAbsolute(spec.argv[0]) && isAbsolute(spec.argv[1])).toBe(true);
      expect(existsSync(join(dir, "logo-64x64.png"))).toBe(true);
      // The JupyterLab extension, prebuilt, where JupyterLab looks for one.
      const extension = join(prefix, "share", "jupyter", "labextensions", "hypernodes-jupyterlab");
      const { jupyterlab } = JSON.parse(readFileSync(join(extension, "package.json"), "utf8"));
      expect(Object.keys(jupyterlab._build).sort()).toEqual(["extension", "load", "mimeExtension", "style"]);
      expect(existsSync(join(extension, jupyterlab._build.load))).toBe(true);

      expect(cli("uninstall", "--prefix", prefix).status).toBe(0);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(extension)).toBe(false);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("refuses two locations at once, with a clear message", () => {
    const run = cli("install", "--user", "--prefix", "/tmp/x");
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("choose one of --user, --sys-prefix and --prefix DIR");
  });
});

describe("the kernel over ZeroMQ", () => {
  let notebookDir: string;
  let running: RunningKernel;
  let kernel: ChildProcess;
  let client: Client;
  let hbPort: number;

  beforeAll(async () => {
    notebookDir = mkdtempSync(join(tmpdir(), "hn-notebook-"));
    running = await startKernel(notebookDir);
    ({ process: kernel, client } = running);
    hbPort = running.ports.hb;
  }, 60_000); // a kernel starts in ~3 s alone, far slower while other test files start theirs

  afterAll(async () => {
    await running?.shutdown();
    rmSync(notebookDir, { recursive: true, force: true });
  }, 10_000);

  it("reports status ok and the language in kernel_info", async () => {
    const { content } = await client.request("kernel_info_request", {}).reply;
    expect(content).toMatchObject({ status: "ok", protocol_version: "5.3", implementation: "hypernodes" });
    expect(content.language_info).toMatchObject({ name: "typescript", file_extension: ".ts" });
  });

  it("shows a Pipeline as the cell's value: one execute_result with the DAG bundle, and execute_input counts", async () => {
    const code = [
      'import { Pipeline, node } from "hypernodes";',
      'const doubleIt = node((x: number) => x * 2, { outputName: "doubled" });',
      "new Pipeline({ nodes: [doubleIt] })",
    ].join("\n");
    const first = await client.execute(code);
    expect(first.reply.content).toMatchObject({ status: "ok", execution_count: 1 });
    const [input, ...rest] = first.outputs;
    expect(input.header.msg_type).toBe("execute_input");
    expect(input.content).toEqual({ code, execution_count: first.reply.content.execution_count });
    const results = rest.filter((m) => m.header.msg_type === "execute_result");
    expect(results).toHaveLength(1);
    expect(Object.keys(results[0].content.data).sort()).toEqual(["application/vnd.hypernodes.dag+json", "image/svg+xml", "text/plain"]);
    expect(results[0].content.data["image/svg+xml"]).toContain("<svg");

    const second = await client.execute("1 + 2");
    expect(second.reply.content.execution_count).toBe(first.reply.content.execution_count + 1);
    expect(second.outputs.map((m) => [m.header.msg_type, m.content.execution_count])).toEqual([
      ["execute_input", second.reply.content.execution_count],
      ["execute_result", second.reply.content.execution_count],
    ]);
    expect(second.outputs[1].content.data).toEqual({ "text/plain": "3" });
  });

  it("compiles a shorthand property naming an earlier cell's value (tslab left it undefined)", async () => {
    await client.execute("let weight = 3;");
    const { reply, outputs } = await client.execute("({ weight } = { weight: 4 });\n({ weight, double: weight * 2 })");
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(outputs.at(-1)?.content.data["text/plain"]).toBe("{ weight: 4, double: 8 }");
  });

  it("sends display(x) as one display_data message with the whole bundle, before the reply", async () => {
    const { outputs } = await client.execute("display(new Pipeline({ nodes: [doubleIt] }));");
    const displays = outputs.filter((m) => m.header.msg_type === "display_data");
    expect(displays).toHaveLength(1);
    expect(Object.keys(displays[0].content.data)).toContain("application/vnd.hypernodes.dag+json");
  });

  it("shows process warnings as an output of their own, never on stderr", async () => {
    const code = [
      'process.emitWarning("the store is slow", { code: "HYPERNODES_CACHE_STORE" });',
      'const emitter = new (await import("node:events")).EventEmitter();',
      "for (let i = 0; i < 11; i++) emitter.on(\"error\", () => {});",
      "await new Promise((resolve) => setTimeout(resolve, 20));",
    ].join("\n");
    const { reply, outputs } = await client.execute(code);
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(outputs.filter((m) => m.header.msg_type === "stream")).toEqual([]);
    const shown = outputs.filter((m) => m.header.msg_type === "display_data").map((m) => m.content.data);
    expect(shown.map((data) => data["text/plain"])).toEqual([
      "Warning [HYPERNODES_CACHE_STORE]: the store is slow",
      expect.stringMatching(/^MaxListenersExceededWarning: Possible EventEmitter memory leak detected\. 11 error listeners/),
    ]);
    expect(shown[0]["text/html"]).toContain("⚠ Warning");
  });

  it("answers a throwing cell with ename, evalue and traceback, in the reply and on IOPub", async () => {
    const { reply, outputs } = await client.execute('throw new TypeError("bad input")');
    expect(reply.content).toMatchObject({ status: "error", ename: "TypeError", evalue: "bad input" });
    expect(reply.content.traceback[0]).toBe("TypeError: bad input");
    const errors = outputs.filter((m) => m.header.msg_type === "error");
    expect(errors.map((m) => m.content)).toEqual([{ ename: "TypeError", evalue: "bad input", traceback: reply.content.traceback }]);
    expect(outputs.some((m) => m.header.msg_type === "stream")).toBe(false);
  });

  it("names the failing node and item, with the original error as the cause", async () => {
    const { reply } = await client.execute(
      [
        'const fail = node((x: number) => { if (x > 1) throw new Error("too big: " + x); return x; }, { outputName: "checked" });',
        'await new Pipeline({ nodes: [fail] }).map({ x: [1, 2] }, { mapOver: "x" });',
      ].join("\n"),
    );
    expect(reply.content.ename).toBe("NodeExecutionError");
    expect(reply.content.evalue).toMatch(/checked.*item 1.*too big: 2/);
    expect(reply.content.traceback).toContain("Caused by: Error: too big: 2");
  });

  it("reports a type error as a CompileError", async () => {
    const { reply } = await client.execute('const n: number = "one";');
    expect(reply.content).toMatchObject({ status: "error", ename: "CompileError" });
    expect(reply.content.evalue).toContain("not assignable to type 'number'");
  });

  it("runs a request sent right after an error reply, and aborts only requests already queued at the error", async () => {
    await client.execute('throw new Error("first")');
    expect((await client.execute("40 + 2")).outputs.at(-1)?.content.data).toEqual({ "text/plain": "42" });

    const failing = client.execute('throw new Error("queued")');
    const queued = client.execute("1");
    const unstopped = [client.execute('throw new Error("no stop")', { stop_on_error: false }), client.execute("2")];
    expect((await failing).reply.content.status).toBe("error");
    expect((await queued).reply.content.status).toBe("aborted");
    expect((await unstopped[0]).reply.content.status).toBe("aborted");
    expect((await unstopped[1]).reply.content.status).toBe("aborted");
    const afterNoStop = [client.execute('throw new Error("no stop")', { stop_on_error: false }), client.execute("3")];
    expect((await afterNoStop[1]).reply.content.status).toBe("ok");
    await afterNoStop[0];
  });

  it("stops a running cell on SIGINT (interrupt_mode signal) and keeps running", async () => {
    const looping = client.execute("while (true) {}");
    await new Promise((resolve) => setTimeout(resolve, 300));
    kernel.kill("SIGINT");
    expect((await looping).reply.content).toMatchObject({ status: "error", evalue: expect.stringContaining("interrupted") });
    expect((await client.execute("7")).outputs.at(-1)?.content.data).toEqual({ "text/plain": "7" });
  });

  it.each([
    ["interrupt_request on control, a synchronous node", "interrupt_request", "const end = performance.now() + 1; while (performance.now() < end);"],
    ["SIGINT, an async node", "SIGINT", "await new Promise((resolve) => setTimeout(resolve, 1));"],
  ])("an interrupt aborts a running map (%s): the cell says how far it got, the cache stops growing, the next cell runs", async (_, how, work) => {
    const name = `spin${how === "SIGINT" ? "Async" : "Sync"}`;
    const setup = await client.execute(
      `import { node, Pipeline } from "hypernodes";\n` +
        `const ${name} = new Pipeline({ nodes: [node(${how === "SIGINT" ? "async " : ""}(x: number) => { ${work} return x; }, { outputName: "spun", version: "${name}" })] });`,
    );
    expect(setup.reply.content.status).toBe("ok");
    const mapping = client.execute(`await ${name}.map({ x: Array.from({ length: 100_000 }, (_, i) => i) }, { mapOver: "x" });`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const interrupted = performance.now();
    if (how === "SIGINT") kernel.kill("SIGINT");
    else expect((await client.request("interrupt_request", {}, "control").reply).content).toEqual({ status: "ok" });
    const { reply } = await mapping;
    expect(performance.now() - interrupted).toBeLessThan(1000);
    expect(reply.content).toMatchObject({ status: "error", ename: "AbortError" });
    expect(reply.content.evalue).toMatch(/^The map was aborted; [\d,]+ of 100,000 items had finished \(their results are cached\), and no node started after the abort$/);
    // The aborted map's last progress update may come during this cell (it updates the map's display by id).
    const entries = async () => {
      const { outputs } = await client.execute(`(await ${name}.cache!.stats()).entries`);
      return Number(outputs.find((m) => m.header.msg_type === "execute_result")?.content.data["text/plain"]);
    };
    const before = await entries();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(before).toBeGreaterThan(1);
    expect(await entries()).toBe(before);
    expect((await client.execute("7")).outputs.at(-1)?.content.data).toEqual({ "text/plain": "7" });
  });

  it("updates a named display in place (display_id, update_display_data)", async () => {
    const { outputs } = await client.execute('await display("10%", { displayId: "progress" });\nawait display("100%", { displayId: "progress", update: true });');
    expect(outputs.slice(1).map((m) => [m.header.msg_type, m.content.data, m.content.transient])).toEqual([
      ["display_data", { "text/plain": "10%" }, { display_id: "progress" }],
      ["update_display_data", { "text/plain": "100%" }, { display_id: "progress" }],
    ]);
  });

  it("echoes heartbeats", async () => {
    const heartbeat = new Request();
    heartbeat.connect(`tcp://127.0.0.1:${hbPort}`);
    await heartbeat.send("ping");
    const [echo] = await heartbeat.receive();
    heartbeat.close();
    expect(echo.toString()).toBe("ping");
  });

  it("answers a ping on the hypernodes comm target, lists the comm, and forgets it when closed", async () => {
    const commId = randomUUID();
    await client.iopubUntilIdle(client.request("comm_open", { comm_id: commId, target_name: "hypernodes", data: {} }).id);
    const ping = client.request("comm_msg", { comm_id: commId, data: { request: "ping" } });
    const [pong] = await client.iopubUntilIdle(ping.id);
    expect(pong.header.msg_type).toBe("comm_msg");
    expect(pong.content).toEqual({ comm_id: commId, data: { pong: true, version: expect.any(String) } });

    const info = await client.request("comm_info_request", { target_name: "hypernodes" }).reply;
    expect(info.header.msg_type).toBe("comm_info_reply");
    expect(info.content).toEqual({ status: "ok", comms: { [commId]: { target_name: "hypernodes" } } });

    await client.iopubUntilIdle(client.request("comm_close", { comm_id: commId, data: {} }).id);
    expect((await client.request("comm_info_request", {}).reply).content.comms).toEqual({});

    const unknown = client.request("comm_open", { comm_id: "nobody", target_name: "no-such-target", data: {} });
    expect((await client.iopubUntilIdle(unknown.id)).map((m) => [m.header.msg_type, m.content.comm_id])).toEqual([["comm_close", "nobody"]]);
  });

  it("a map on WorkerEngine from a cell shows live progress and DAG status, its function shipped with another cell's constant", async () => {
    await client.execute("const workerFactor = 3;");
    const { reply, outputs } = await client.execute(
      [
        'import { node as wn, Pipeline as WP, WorkerEngine, DagStatusCallback as WD } from "hypernodes";',
        "const spin = wn(function spin(x: number) { let h = 0; for (let i = 0; i < 20000; i++) h = (h * 31 + x + i) % 1000003; return h * workerFactor; });",
        "const workerStatus = new WD();",
        'const onWorkers = new WP({ nodes: [spin], name: "on_workers", callbacks: [workerStatus] });',
        "workerStatus.track(onWorkers);",
        "const workerEngine = new WorkerEngine({ workers: 2 });",
        "const spun = await onWorkers.map({ x: [1, 2, 3, 4, 5, 6] }, { mapOver: \"x\", engine: workerEngine });",
        "await workerEngine.close();",
        "spun.map((r) => r.spin).join(',')",
      ].join("\n"),
    );
    expect(reply.content.status).toBe("ok");
    const last = (mime: string) =>
      outputs.filter((m) => ["display_data", "update_display_data"].includes(m.header.msg_type) && mime in m.content.data).at(-1)!.content.data[mime];
    const progress = last("application/vnd.hypernodes.progress+json");
    expect(progress.final).toBe(true);
    expect(progress.rows.map((r: { label: string; value: number; total: number }) => [r.label, r.value, r.total])).toEqual([
      ["map on_workers", 6, 6],
      ["spin", 6, 6],
    ]);
    expect(last("application/vnd.hypernodes.dag+json").status).toMatchObject({ state: "done", nodes: { fn_spin: { state: "done" } } });
    const spinOne = (x: number) => {
      let h = 0;
      for (let i = 0; i < 20000; i++) h = (h * 31 + x + i) % 1000003;
      return h * 3;
    };
    const result = outputs.find((m) => m.header.msg_type === "execute_result")!.content.data["text/plain"];
    expect(result).toBe([1, 2, 3, 4, 5, 6].map(spinOne).join(","));
  });

  /** A hypernodes comm as the lab panel opens it; `ask` resolves to a request's one answer, sent before the kernel's idle. */
  async function panelComm() {
    const commId = randomUUID();
    await client.iopubUntilIdle(client.request("comm_open", { comm_id: commId, target_name: "hypernodes", data: {} }).id);
    const ask = async (data: Record<string, unknown>) => {
      const sent = client.request("comm_msg", { comm_id: commId, data });
      const messages = (await client.iopubUntilIdle(sent.id)).filter((m) => m.header.msg_type === "comm_msg");
      expect(messages).toHaveLength(1);
      return messages[0].content.data;
    };
    const close = () => client.iopubUntilIdle(client.request("comm_close", { comm_id: commId, data: {} }).id);
    return { ask, close };
  }

  it("answers the lab panel's requests: pipelines, stats, dag, explain, clear", async () => {
    const setup = await client.execute(
      [
        'import { Pipeline as P2, node as n2 } from "hypernodes";',
        'const halve = n2((x: number) => x / 2, { outputName: "half" });',
        'const panelPipeline = new P2({ nodes: [halve], name: "halving" });',
        "await panelPipeline.run({ x: 8 });",
      ].join("\n"),
    );
    expect(setup.reply.content.status).toBe("ok");
    const { ask, close } = await panelComm();
    const listed = await ask({ request: "pipelines", id: 1 });
    expect(listed.id).toBe(1);
    expect(listed.pipelines).toContainEqual({ name: "panelPipeline", id: "halving", nodes: 1, inputs: ["x"], outputs: ["half"], lastRun: true });
    const stats = await ask({ request: "stats", id: 2 });
    expect(stats.cache).toMatchObject({ entries: expect.any(Number), dir: join(notebookDir, ".hypernodes") });
    expect(stats.cache.entries).toBeGreaterThan(0);
    expect(stats.stats.executed).toBeGreaterThan(0);
    const dag = await ask({ request: "dag", name: "panelPipeline", id: 3 });
    expect(dag.dag.full.nodes.map((n: { id: string }) => n.id)).toEqual(["in_x", "fn_half"]);
    expect(await ask({ request: "explain", name: "panelPipeline", id: 4 })).toMatchObject({ explain: [{ node: "half", status: "hit" }], inputs: ["x"] });
    expect(await ask({ request: "explain", name: "nothing", id: 5 })).toEqual({ id: 5, error: "no pipeline named 'nothing' in this session's cells" });
    // One pipeline's entries: its node's result (the signature record of explain stays).
    expect(await ask({ request: "clear", name: "panelPipeline", id: 6 })).toEqual({ id: 6, cleared: 1, shared: [] });
    expect(await ask({ request: "explain", name: "panelPipeline" })).toMatchObject({ explain: [{ node: "half", status: "miss" }] });
    await client.execute("await panelPipeline.run({ x: 8 });");
    expect((await ask({ request: "clear", id: 7 })).cleared).toBe(stats.cache.entries);
    expect((await ask({ request: "stats" })).cache.entries).toBe(0);
    // Cleared for every pipeline of the session, its own in-memory layer included: the next run recomputes.
    expect(await ask({ request: "explain", name: "panelPipeline" })).toMatchObject({ explain: [{ node: "half", status: "miss" }] });
    await close();
  });

  it("says which other pipelines share a pipeline's nodes, and how many of the entries its clear removed were theirs", async () => {
    const setup = await client.execute(
      [
        'import { Pipeline as P3, node as n3, MemoryCache as M3 } from "hypernodes";',
        'const square = n3((x: number) => x * x, { outputName: "sq" });',
        'const plusOne = n3((sq: number) => sq + 1, { outputName: "inc" });',
        'const scoring = new P3({ nodes: [square, plusOne], name: "scoring" });',
        'const evaluation = new P3({ nodes: [square], name: "evaluation" });',
        'const nesting = new P3({ nodes: [scoring.asNode({ name: "inner" })], name: "nesting" });',
        'const elsewhere = new P3({ nodes: [square], cache: new M3(), name: "elsewhere" });',
        'const unrelated = new P3({ nodes: [n3((x: number) => x - 1, { outputName: "dec" })], name: "unrelated" });',
        'await scoring.map({ x: [1, 2, 3, 4] }, { mapOver: "x" });',
        'await evaluation.map({ x: [5, 6] }, { mapOver: "x" });',
        "await elsewhere.run({ x: 7 });",
        "await unrelated.run({ x: 1 });",
      ].join("\n"),
    );
    expect(setup.reply.content.status).toBe("ok");
    const { ask, close } = await panelComm();
    // Before clearing, the panel can warn: same code on the same cache (a nested use included); a
    // pipeline on another cache shares nothing.
    expect(await ask({ request: "shared", name: "scoring", id: 1 })).toEqual({
      id: 1,
      shared: [
        { pipeline: "evaluation", nodes: ["sq"] },
        { pipeline: "nesting", nodes: ["sq", "inc"] },
      ],
    });
    expect(await ask({ request: "shared", name: "unrelated" })).toEqual({ shared: [] });
    const before = (await ask({ request: "stats" })).cache.entries;
    // square's 6 entries (4 of scoring's items, 2 of evaluation's) and plusOne's 4.
    expect(await ask({ request: "clear", name: "scoring", id: 2 })).toEqual({
      id: 2,
      cleared: 10,
      shared: [
        { pipeline: "evaluation", nodes: ["sq"], entries: 6 },
        { pipeline: "nesting", nodes: ["sq", "inc"], entries: 10 },
      ],
    });
    expect((await ask({ request: "stats" })).cache.entries).toBe(before - 10);
    expect(await ask({ request: "explain", name: "elsewhere" })).toMatchObject({ explain: [{ node: "sq", status: "hit" }] });
    expect(await ask({ request: "clear", name: "unrelated" })).toEqual({ cleared: 1, shared: [] });
    await close();
  });

  it("answers the panel's reading requests while a cell awaits a long map, and a clear after the cell", async () => {
    const seen = client.iopubMessages.length;
    const commId = randomUUID();
    await client.iopubUntilIdle(client.request("comm_open", { comm_id: commId, target_name: "hypernodes", data: {} }).id);
    const ask = (data: Record<string, unknown>) => {
      const sent = client.request("comm_msg", { comm_id: commId, data });
      return client.iopubUntilIdle(sent.id).then((messages) => ({ id: sent.id, data: messages.find((m) => m.header.msg_type === "comm_msg")!.content.data }));
    };
    const setup = await client.execute(
      'import { node as ln, Pipeline as LP } from "hypernodes";\n' +
        'const live = new LP({ nodes: [ln(async (x: number) => { await new Promise((r) => setTimeout(r, 4)); return x; }, { outputName: "slow", version: "live" })], name: "live" });',
    );
    expect(setup.reply.content.status).toBe("ok");
    const before = (await ask({ request: "stats" })).data.stats.executed;
    let cellEnded = false;
    const mapping = client.execute("(await live.map({ x: Array.from({ length: 500 }, (_, i) => i) }, { mapOver: \"x\" })).length");
    void mapping.then(() => (cellEnded = true));
    await new Promise((resolve) => setTimeout(resolve, 600));

    const during = await ask({ request: "stats", id: 1 });
    expect(cellEnded).toBe(false);
    const executed = during.data.stats.executed - before;
    expect(executed).toBeGreaterThan(0);
    expect(executed).toBeLessThan(500);
    // After the answer's idle the kernel says again that it is busy with the cell, so the lab's indicator stays busy.
    // (It follows the idle the answer was awaited by: it may arrive a moment later.)
    const afterIdle = () => {
      const statuses = client.iopubMessages.filter((m) => m.header.msg_type === "status");
      const idleAt = statuses.findIndex((m) => m.parent_header.msg_id === during.id && m.content.execution_state === "idle");
      return statuses[idleAt + 1];
    };
    await expect.poll(() => afterIdle()?.content.execution_state).toBe("busy");
    expect(afterIdle()!.parent_header.msg_type).toBe("execute_request");
    expect((await ask({ request: "explain", name: "live", id: 2 })).data).toHaveProperty("error"); // a map's inputs are no run's
    expect(cellEnded).toBe(false);

    // Clearing changes what the running cell reads and writes: it waits for the cell.
    const clearing = ask({ request: "clear", name: "live", id: 3 });
    const { reply, outputs } = await mapping;
    expect(reply.content.status).toBe("ok");
    expect(outputs.at(-1)!.content.data["text/plain"]).toBe("500");
    expect((await clearing).data).toEqual({ id: 3, cleared: 500, shared: [] });
    // A panel polls all session long: its requests share the notebook's cache, adding nothing per request.
    for (let i = 0; i < 15; i++) await ask({ request: "stats" });
    await client.execute("1");
    const shown = client.iopubMessages.slice(seen).map((m) => JSON.stringify(m.content));
    expect([...shown, running.log()].join("\n")).not.toContain("MaxListenersExceededWarning");
    await client.iopubUntilIdle(client.request("comm_close", { comm_id: commId, data: {} }).id);
  }, 30_000);

  it("lets code in the kernel open a comm to the front end and send on it", async () => {
    const { outputs } = await client.execute(
      'const comm = (globalThis as any)[Symbol.for("hypernodes.kernel")].comms.open("hypernodes.view", { n: 1 });\ncomm.send({ n: 2 });\ncomm.close();',
    );
    expect(outputs.slice(1).map((m) => [m.header.msg_type, m.content.target_name, m.content.data])).toEqual([
      ["comm_open", "hypernodes.view", { n: 1 }],
      ["comm_msg", undefined, { n: 2 }],
      ["comm_close", undefined, {}],
    ]);
  });
});

// BullMQEngine end to end: a real redis-server on a free loopback port, hypernodes-worker processes
// (the built CLI) on test/fixtures/distributed-pipeline.js, one of them killed during a map.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { AbortError, BullMQEngine, KeyvCache, NodeExecutionError, Pipeline, node, setPipelineDefaults, stateful, type CallbackContext, type PipelineCallback } from "hypernodes";
import { READS_TALLY, Tally } from "../../src/observe/tally.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = new URL("../fixtures/distributed-pipeline.js", import.meta.url).href;
const staleFixture = new URL("../fixtures/distributed-pipeline-stale.js", import.meta.url).href;
const staleConstantFixture = new URL("../fixtures/distributed-pipeline-stale-constant.js", import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), "hypernodes-bullmq-"));
const runLog = join(dir, "runs.log");
const processes: ChildProcess[] = [];
let redisUrl: string;
let fixtures: { cache: KeyvCache; squares: Pipeline; report: Pipeline; scaling: Pipeline; sleepy: Pipeline; leaky: Pipeline; resourceCreations: { count: number } };
let engine: BullMQEngine;
/** The first of the two workers on queue "main": the kill test kills it. */
let victim: ChildProcess;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** What each started process printed so far, stdout and stderr. */
const logs = new WeakMap<ChildProcess, { text: string }>();
const logOf = (child: ChildProcess) => logs.get(child)!.text;

/** Spawns a process (with `env` added to the test's) and resolves once a line of its output matches `ready`. */
function start(command: string, args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, RUN_LOG: runLog, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  processes.push(child);
  const output = { text: "" };
  logs.set(child, output);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.text += chunk;
      if (ready.test(output.text)) resolve(child);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${command} exited (${code}) before it was ready:\n${output.text}`)));
  });
}

function startWorker(module = fixture, queue = "main"): Promise<ChildProcess> {
  const args = ["bin/hypernodes-worker.js", "--module", module, "--redis", redisUrl, "--queue", queue, "--lock-duration", "1000"];
  return start(process.execPath, args, /serving/);
}

/** [pid, x] of every execution of the node `square` in the workers so far. */
function executions(): [number, number][] {
  const text = readFileSync(runLog, { encoding: "utf8", flag: "a+" });
  return text.split("\n").filter(Boolean).map((line) => line.split(" ").map(Number) as [number, number]);
}

const expected = (xs: number[]) => xs.map((x) => ({ square: { x, squared: x * x, at: new Date(x) } }));

/** Item events and the call's tally (as ProgressCallback reads it), for every pipeline of the fixture module. */
class Progress {
  ended: number[] = [];
  /** Node events fired in the caller for what ran on workers, as "depth:node:event". */
  nodeEvents: string[] = [];
  errors: string[] = [];
  /** The errors onError was given, as they are. */
  thrown: unknown[] = [];
  cached: number[] = [];
  itemsDone = 0;
  /** Executions of `square` plus its cache hits (a killed worker may have stored its item before dying). */
  squareCounted = 0;
  afterItem = () => {};
  onMapItemEnd(index: number) {
    this.ended.push(index);
    this.afterItem();
  }
  onMapItemCached(index: number) {
    this.cached.push(index);
  }
  onNodeEnd(name: string, outputs: Record<string, unknown>, _ms: number, ctx: CallbackContext) {
    this.nodeEvents.push(`${ctx.depth}:${name}:end:${JSON.stringify(outputs)}`);
  }
  onNodeCached(name: string, _signature: string, ctx: CallbackContext) {
    this.nodeEvents.push(`${ctx.depth}:${name}:cached`);
  }
  onError(name: string, error: unknown) {
    this.thrown.push(error);
    this.errors.push(`${name}: ${(error as Error).name}: ${(error as Error).message}`);
  }
  onMapEnd(_ms: number, ctx: CallbackContext) {
    const level = Tally.of(ctx).level(ctx.hierarchyPath);
    this.itemsDone = level.itemsDone;
    const square = level.nodes.get("square");
    this.squareCounted = (square?.done ?? 0) + (square?.cached ?? 0);
  }
}
let progress = new Progress();
// The fixture's pipelines are built once, so they get this relay to whichever Progress a test sets.
const relay = {
  [READS_TALLY]: true,
  onMapItemEnd: (index: number) => progress.onMapItemEnd(index),
  onMapItemCached: (index: number) => progress.onMapItemCached(index),
  onNodeEnd: (name: string, outputs: Record<string, unknown>, ms: number, ctx: CallbackContext) => progress.onNodeEnd(name, outputs, ms, ctx),
  onNodeCached: (name: string, signature: string, ctx: CallbackContext) => progress.onNodeCached(name, signature, ctx),
  onError: (name: string, error: unknown) => progress.onError(name, error),
  onMapEnd: (ms: number, ctx: CallbackContext) => progress.onMapEnd(ms, ctx),
};

beforeAll(async () => {
  const port = await freePort();
  redisUrl = `redis://127.0.0.1:${port}`;
  await start("/usr/bin/redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], /ready to accept connections/i);
  process.env.REDIS_URL = redisUrl;
  setPipelineDefaults({ callbacks: [relay as PipelineCallback] }); // before the fixture's pipelines are built
  fixtures = await import(fixture);
  engine = new BullMQEngine({ connection: redisUrl, module: fixture, queue: "main" });
  [victim] = await Promise.all([startWorker(), startWorker()]);
}, 30_000);

afterAll(async () => {
  await engine?.close();
  await fixtures?.cache.close();
  for (const child of processes) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the worker CLI to its end: exit code and what it printed. */
function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["bin/hypernodes-worker.js", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, output })));
}

describe("hypernodes-worker", () => {
  it("prints its usage for --help, and refuses missing or malformed options with exit code 2", async () => {
    const usage = /^Usage: hypernodes-worker --module <path or URL> \[--redis-file path \| --redis redis:\/\/host:port\] \[--secret-file path\]\n.*\[--queue name\] \[--concurrency n\] \[--lock-duration ms\]\n/m;
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.output).toMatch(usage);
    const none = await runCli([]);
    expect(none).toMatchObject({ code: 2, output: expect.stringMatching(usage) });
    expect(await runCli(["--bogus"])).toMatchObject({ code: 2, output: expect.stringMatching(/^Unknown option '--bogus'\nUsage:/) });
    const both = await runCli(["--module", fixture, "--redis", redisUrl, "--redis-file", join(dir, "redis-url")]);
    expect(both).toMatchObject({ code: 2, output: expect.stringMatching(/^--redis and --redis-file both say where Redis is: give one\nUsage:/) });
    const zero = await runCli(["--module", fixture, "--concurrency", "0"]);
    expect(zero).toMatchObject({ code: 2, output: expect.stringMatching(/^--concurrency and --lock-duration take positive integers\nUsage:/) });
  }, 30_000);

  it("exits with code 1 when its module cannot be loaded", async () => {
    const missing = await runCli(["--module", join(dir, "missing.js"), "--redis", redisUrl]);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/^hypernodes-worker: Cannot load the pipeline module file:.*missing\.js/);
  }, 30_000);
});

describe("BullMQEngine", () => {
  it("refuses up front a pipeline its module does not export, and an engine without a module", async () => {
    const local = new Pipeline({ nodes: [node((x: number) => x, { outputName: "same" })] });
    await expect(local.map({ x: [1] }, { mapOver: "x", engine })).rejects.toThrow(/pipeline 'pipeline' is not exported by .*distributed-pipeline\.js/);
    expect(() => new BullMQEngine({ connection: redisUrl } as never)).toThrow(/needs \{ module \}/);
  });

  it("maps on two workers through one killed mid-map: every result once, in input order", async () => {
    const xs = Array.from({ length: 24 }, (_, i) => 100 + i);
    progress = new Progress();
    progress.afterItem = () => void (progress.ended.length === 3 && victim.kill("SIGKILL"));
    const results = await fixtures.squares.map({ x: xs, delayMs: 150 }, { mapOver: "x", engine });
    expect(victim.signalCode).toBe("SIGKILL");
    expect(results).toEqual(expected(xs));
    expect([...progress.ended].sort((a, b) => a - b)).toEqual(xs.map((_, i) => i));
    expect(progress.itemsDone).toBe(24);
    expect(progress.squareCounted).toBeGreaterThanOrEqual(24);
    // Node events from the workers, fired in the caller: one per execution reported (a killed job reports none).
    expect(progress.nodeEvents.length).toBeGreaterThanOrEqual(24);
    expect(progress.nodeEvents).toContain(`0:square:end:${JSON.stringify(expected([100])[0])}`);
    const runs = executions();
    expect(new Set(runs.map(([, x]) => x))).toEqual(new Set(xs)); // every item ran, some maybe twice (the killed job's)
    expect(new Set(runs.map(([pid]) => pid)).size).toBe(2);
  }, 60_000);

  it("serves a second map from the shared Redis cache: no job, every item cached", async () => {
    const before = executions().length;
    const xs = Array.from({ length: 24 }, (_, i) => 100 + i);
    progress = new Progress();
    const results = await fixtures.squares.map({ x: xs, delayMs: 150 }, { mapOver: "x", engine });
    expect(results).toEqual(expected(xs));
    expect(progress.cached.sort((a, b) => a - b)).toEqual(xs.map((_, i) => i));
    expect(executions().length).toBe(before);
    // The module loaded a second time (as a notebook's compiler may): found by name and nodes.
    const copy = new Pipeline({ nodes: fixtures.squares.nodes, name: "squares", cache: fixtures.cache });
    expect(await copy.map({ x: xs, delayMs: 150 }, { mapOver: "x", engine })).toEqual(expected(xs));
  }, 30_000);

  it("reports a node failure in a worker as NodeExecutionError with its node and item, the original's fields kept", async () => {
    progress = new Progress();
    const failure = await fixtures.squares.map({ x: [11, 12, 13, 14] }, { mapOver: "x", engine }).catch((error: unknown) => error);
    expect(progress.errors).toEqual(["square: RangeError: unlucky 13"]);
    expect(failure).toBeInstanceOf(NodeExecutionError);
    expect(failure).toMatchObject({ nodeName: "square", itemIndex: 2 });
    expect((failure as Error).message).toMatch(/Node 'square' failed at map item 2: unlucky 13/);
    const cause = (failure as Error).cause as Error & { code: string; details: unknown };
    expect([cause.name, cause.message, cause.code, cause.details]).toEqual(["RangeError", "unlucky 13", "E_UNLUCKY", { x: 13 }]);
    expect(cause.stack).toMatch(/^RangeError: unlucky 13\n/);
    // Both items in one job: each gets its own result.
    const collecting = new BullMQEngine({ connection: redisUrl, module: fixture, queue: "main", collectErrors: true, itemsPerJob: 2 });
    try {
      const [ok, failed] = await fixtures.squares.map({ x: [12, 13] }, { mapOver: "x", engine: collecting });
      expect(ok).toEqual(expected([12])[0]);
      expect(failed).toBeInstanceOf(NodeExecutionError);
      expect(failed).toMatchObject({ nodeName: "square", itemIndex: 1 });
    } finally {
      await collecting.close();
    }
  }, 30_000);

  it("removes the jobs no worker has taken yet when a node fails", async () => {
    const before = executions().length;
    const xs = [13, ...Array.from({ length: 30 }, (_, i) => 200 + i)];
    await expect(fixtures.squares.map({ x: xs, delayMs: 100 }, { mapOver: "x", engine })).rejects.toThrow(/unlucky 13/);
    const ran = executions().slice(before).length;
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThan(6); // one worker left: 31 × 100 ms had it run them all
  }, 30_000);

  it("an aborted map rejects at once with an AbortError and removes its queued jobs", async () => {
    const before = executions().length;
    const xs = Array.from({ length: 40 }, (_, i) => 300 + i);
    const started = performance.now();
    const failure = await fixtures.squares.map({ x: xs, delayMs: 100 }, { mapOver: "x", engine, signal: AbortSignal.timeout(250) }).catch((error: unknown) => error);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(failure).toBeInstanceOf(AbortError);
    expect((failure as Error).message).toMatch(/^The map was aborted; \d+ of 40 items had finished/);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const ran = executions().slice(before).length;
    expect(ran).toBeLessThan(15); // the jobs left in the queue were removed: 40 × 100 ms on one worker had they run
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(executions().slice(before).length).toBe(ran);
  }, 30_000);

  it("an aborted map has the workers drop the jobs of it they are running", async () => {
    const oneJob = new BullMQEngine({ connection: redisUrl, module: fixture, queue: "main", itemsPerJob: 40 });
    onTestFinished(() => oneJob.close());
    const before = executions().length;
    const xs = Array.from({ length: 40 }, (_, i) => 400 + i);
    const failure = await fixtures.squares.map({ x: xs, delayMs: 100 }, { mapOver: "x", engine: oneJob, signal: AbortSignal.timeout(400) }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AbortError);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ran = executions().slice(before).length;
    expect(ran).toBeLessThan(12); // one job of 40 × 100 ms: it ran to its end had the worker not dropped it
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(executions().slice(before).length).toBe(ran);
    // The worker is free at once for the next map.
    const started = performance.now();
    expect(await fixtures.squares.map({ x: [450, 451], delayMs: 0 }, { mapOver: "x", engine })).toEqual(expected([450, 451]));
    expect(performance.now() - started).toBeLessThan(2000);
  }, 30_000);

  it("jobs carry the call's timeout: a node over it on a worker fails as NodeExecutionError, cause TimeoutError", async () => {
    const started = performance.now();
    const failure = (await fixtures.sleepy.map({ x: [1, 2], ms: 5000 }, { mapOver: "x", engine, timeout: 200 }).catch((error: unknown) => error)) as NodeExecutionError;
    expect(performance.now() - started).toBeLessThan(3000);
    expect(failure).toBeInstanceOf(NodeExecutionError);
    expect(failure.message).toBe("Node 'nap' failed at map item 0: it did not finish within its timeout of 200 ms");
    expect((failure.cause as Error).name).toBe("TimeoutError");
  }, 30_000);

  it("no worker within noWorkerTimeout: the map rejects naming the queue", async () => {
    const lonely = new BullMQEngine({ connection: redisUrl, module: fixture, queue: "nobody", noWorkerTimeout: 1000 });
    try {
      const started = performance.now();
      await expect(fixtures.squares.map({ x: [1, 2] }, { mapOver: "x", engine: lonely })).rejects.toThrow(
        "BullMQEngine: no hypernodes-worker served queue 'nobody' within 1 s (noWorkerTimeout)",
      );
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      await lonely.close();
    }
  }, 30_000);

  it("Redis unreachable for connectionTimeout, when connecting or while a map waits: the call rejects naming Redis, its password hidden", async () => {
    const port = await freePort();
    const closed = new BullMQEngine({ connection: `redis://:s3cret@127.0.0.1:${port}`, module: fixture, connectionTimeout: 1000 });
    await expect(fixtures.squares.map({ x: [1] }, { mapOver: "x", engine: closed })).rejects.toThrow(
      `BullMQEngine: Redis at redis://:***@127.0.0.1:${port} was unreachable for 1 s while connecting (connectionTimeout)`,
    );
    const redis = await start("/usr/bin/redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", "s3cret"], /ready to accept connections/i);
    const dying = new BullMQEngine({ connection: `redis://:s3cret@127.0.0.1:${port}`, module: fixture, queue: "unserved", connectionTimeout: 1500 });
    try {
      const mapping = fixtures.squares.map({ x: [1, 2] }, { mapOver: "x", engine: dying }).catch((error: Error) => error);
      await new Promise((resolve) => setTimeout(resolve, 700));
      redis.kill("SIGKILL");
      const killed = performance.now();
      const error = await mapping;
      expect(performance.now() - killed).toBeLessThan(4000);
      expect((error as Error).message).toBe(`BullMQEngine: Redis at redis://:***@127.0.0.1:${port} was unreachable for 1.5 s while a map waited for its jobs (connectionTimeout)`);
    } finally {
      await dying.close().catch(() => {});
    }
  }, 30_000);

  it("a worker shows Redis with its password hidden, and stops on one SIGTERM though Redis is gone", async () => {
    const port = await freePort();
    const redis = await start("/usr/bin/redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", "s3cret"], /ready to accept connections/i);
    const url = `redis://:s3cret@127.0.0.1:${port}`;
    const worker = spawn(process.execPath, ["bin/hypernodes-worker.js", "--module", fixture, "--redis", url, "--queue", "stopping"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    processes.push(worker);
    let output = "";
    worker.stderr!.on("data", (chunk) => (output += chunk));
    await new Promise<void>((resolve) => worker.stderr!.on("data", () => /serving/.test(output) && resolve()));
    expect(output).toContain(`at redis://:***@127.0.0.1:${port}`);
    expect(output).not.toContain("s3cret");
    redis.kill("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = performance.now();
    worker.kill("SIGTERM");
    const code = await new Promise((resolve) => worker.on("exit", resolve));
    expect(code).toBe(0);
    expect(performance.now() - stopped).toBeLessThan(12_000);
  }, 30_000);

  it("runs the items of a mapped nested pipeline as jobs", async () => {
    const before = executions().length;
    progress = new Progress();
    const out = await fixtures.report.run({ xs: [50, 51, 52] }, { engine });
    expect(out.total).toBe(50 * 50 + 51 * 51 + 52 * 52);
    expect(progress.nodeEvents.filter((e) => e.startsWith("1:square:end:"))).toHaveLength(3); // at the nested level
    expect(progress.ended.sort()).toEqual([0, 1, 2]);
    expect(executions().slice(before).map(([, x]) => x).sort()).toEqual([50, 51, 52]);
  }, 30_000);

  it("reports a failure inside a mapped nested pipeline with its node path and item", async () => {
    const failure = await fixtures.report.run({ xs: [50, 13] }, { engine }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NodeExecutionError);
    expect(failure).toMatchObject({ nodeName: "square", path: ["perItem", "square"], itemPath: [1] });
    expect((failure as Error).message).toBe("Node 'square' (in perItem > square) failed at map item 1: unlucky 13");
    expect(((failure as Error).cause as { code: string }).code).toBe("E_UNLUCKY");
  }, 30_000);

  it("creates a stateful resource on the workers only", async () => {
    const rows = (await fixtures.scaling.map({ x: [1, 2, 3, 4] }, { mapOver: "x", engine })) as { scaled: { x: number; pid: number } }[];
    expect(rows.map((r) => r.scaled.x)).toEqual([3, 6, 9, 12]);
    expect(rows.every((r) => r.scaled.pid !== process.pid)).toBe(true);
    expect(fixtures.resourceCreations.count).toBe(0);
    // Another resource than the module binds: the worker refuses the job, naming it by its key.
    let created = 0;
    const other = stateful(() => ({ factor: 5, pid: ++created }), { key: "model@2" });
    await expect(fixtures.scaling.map({ x: [1], model: other }, { mapOver: "x", engine })).rejects.toThrow(
      /Input 'model' is the stateful resource 'model@2', which pipeline 'scaling' does not bind in the worker's module with the same factory code/,
    );
    expect(created).toBe(0);
  }, 30_000);

  it("has a worker on other code refuse the job, naming the node", async () => {
    await startWorker(staleFixture, "stale");
    const stale = new BullMQEngine({ connection: redisUrl, module: fixture, queue: "stale" });
    try {
      await expect(fixtures.squares.map({ x: [1, 2] }, { mapOver: "x", engine: stale })).rejects.toThrow(/Stale code: node 'square' has other code/);
    } finally {
      await stale.close();
    }
  }, 30_000);

  it("has a worker whose module gives a constant the node reads another value refuse the job as stale code", async () => {
    await startWorker(staleConstantFixture, "stale-constant");
    const stale = new BullMQEngine({ connection: redisUrl, module: fixture, queue: "stale-constant" });
    try {
      await expect(fixtures.squares.map({ x: [3, 4] }, { mapOver: "x", engine: stale })).rejects.toThrow(/Stale code: node 'square' has other code/);
    } finally {
      await stale.close();
    }
  }, 30_000);

  it("from a notebook cell: the map runs on the workers and its progress shows live in the cell", async () => {
    const before = executions().length;
    const notebook = join(dir, "distributed.ipynb");
    const cell = (source: string, i: number) => ({ id: `c${i}`, cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });
    const sources = [
      // A path: tslab compiles import() to require(), which takes no file: URL.
      `import { BullMQEngine } from "hypernodes";\nconst fixture = ${JSON.stringify(fileURLToPath(fixture))};\nconst { squares } = await import(fixture);`,
      `const engine = new BullMQEngine({ connection: ${JSON.stringify(redisUrl)}, module: fixture, queue: "main" });\n` +
        "const rows = await squares.map({ x: [201, 202, 203, 204] }, { mapOver: \"x\", engine });\nawait engine.close();\nrows.map((r: any) => r.square.squared).join(\",\")",
    ];
    const kernelspec = { name: "hypernodes", display_name: "HyperNodes (TypeScript)", language: "typescript" };
    writeFileSync(notebook, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec }, cells: sources.map(cell) }));
    const out = join(dir, "distributed.out.ipynb");
    const runner = spawn(process.execPath, ["kernel/bin/hypernodes-run.js", notebook, "-o", out], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let errors = "";
    runner.stderr!.on("data", (chunk) => (errors += chunk));
    expect(await new Promise((resolve) => runner.on("exit", resolve)), errors).toBe(0);
    const outputs = JSON.parse(readFileSync(out, "utf8")).cells[1].outputs as { output_type: string; data: Record<string, any> }[];
    expect([outputs.find((o) => o.output_type === "execute_result")!.data["text/plain"]].flat().join("")).toBe("40401,40804,41209,41616");
    const progress = outputs.find((o) => "application/vnd.hypernodes.progress+json" in (o.data ?? {}))!.data["application/vnd.hypernodes.progress+json"];
    expect(progress.final).toBe(true);
    expect(progress.rows.map((r: { label: string; value: number; total: number }) => [r.label, r.value, r.total])).toEqual([
      ["map squares", 4, 4],
      ["square", 4, 4],
    ]);
    expect(executions().slice(before).map(([, x]) => x).sort()).toEqual([201, 202, 203, 204]);
  }, 60_000);
});

describe("signed jobs and results (HYPERNODES_SECRET)", () => {
  const secret = { HYPERNODES_SECRET: "the team's secret" };

  /** A map on `queue` with `options`, its rejection's message ("" when it resolved). */
  async function failureOf(pipeline: Pipeline, xs: number[], options: Partial<ConstructorParameters<typeof BullMQEngine>[0]>): Promise<string> {
    const signed = new BullMQEngine({ connection: redisUrl, module: fixture, noWorkerTimeout: 10_000, ...options });
    try {
      await pipeline.map({ x: xs }, { mapOver: "x", engine: signed });
      return "";
    } catch (error) {
      return (error as Error).message;
    } finally {
      await signed.close();
    }
  }

  it("runs a signed map end to end on a worker given the secret in a file, and its worker refuses the jobs of a caller with another secret or none", async () => {
    const secretFile = join(dir, "secret");
    writeFileSync(secretFile, `${secret.HYPERNODES_SECRET}\n`, { mode: 0o600 });
    const args = ["bin/hypernodes-worker.js", "--module", fixture, "--redis", redisUrl, "--queue", "signed", "--secret-file", secretFile];
    await start(process.execPath, args, /serving/);
    const before = executions().length;
    const signed = new BullMQEngine({ connection: redisUrl, module: fixture, queue: "signed", secret: secret.HYPERNODES_SECRET });
    try {
      expect(await fixtures.squares.map({ x: [501, 502] }, { mapOver: "x", engine: signed })).toEqual(expected([501, 502]));
    } finally {
      await signed.close();
    }
    expect(executions().slice(before).map(([, x]) => x).sort()).toEqual([501, 502]);
    expect(await failureOf(fixtures.squares, [503], { queue: "signed", secret: "0ther-team-s3cret" })).toMatch(
      /^BullMQ job \S+ \(map items 0\) failed: refused by worker .*: the job's signature does not verify with this worker's secret: it was forged or altered in Redis, or queued by a caller with another secret$/,
    );
    expect(await failureOf(fixtures.squares, [504], { queue: "signed" })).toMatch(/refused by worker .*: the job is not signed and this worker has a secret: its caller has no HYPERNODES_SECRET/);
    expect(executions().slice(before).map(([, x]) => x)).not.toContain(503);
    expect(executions().slice(before).map(([, x]) => x)).not.toContain(504);
  }, 30_000);

  it("a worker without the secret refuses a signed job, naming what to set", async () => {
    expect(await failureOf(fixtures.squares, [505], { queue: "main", secret: secret.HYPERNODES_SECRET })).toMatch(
      /refused by worker .*: the job is signed and this worker has no secret: start it with HYPERNODES_SECRET or --secret-file/,
    );
  }, 30_000);

  it("jobs forged straight into Redis are refused by a worker with the secret and never run: unsigned, with a made-up MAC, or a genuine MAC on other items", async () => {
    await start(process.execPath, ["bin/hypernodes-worker.js", "--module", fixture, "--redis", redisUrl, "--queue", "forged-jobs"], /serving/, secret);
    const { Queue } = await import("bullmq");
    const { pack, signJob } = await import("../../src/engines/bullmq/bullmq-jobs.js");
    const { Signer } = await import("../../src/security/signing.js");
    const signer = new Signer(secret.HYPERNODES_SECRET);
    const forgedQueue = new Queue("forged-jobs", { connection: { url: redisUrl } });
    const unsignedQueue = new Queue("main", { connection: { url: redisUrl } });
    try {
      const before = executions().length;
      // What a real job of x holds, as an attacker who read one would write it.
      const code = fixtures.squares.planFor(undefined).steps.map((s) => [s.node.name, s.node.codeHash] as [string, string]);
      const job = (x: number) => ({ path: ["squares"] as [string], code, envHash: "", hierarchyPath: ["squares"], mapOver: ["x"], fixed: pack({ delayMs: 0 }, "inputs"), items: pack([[x]], "items"), events: [] });
      const unsigned = await forgedQueue.add("map", job(700));
      expect(await settled(forgedQueue, unsigned.id!)).toMatch(/^failed: refused by worker .*: the job is not signed and this worker has a secret/);
      const madeUp = await forgedQueue.add("map", { ...job(701), mac: "00".repeat(32) });
      expect(await settled(forgedQueue, madeUp.id!)).toMatch(/^failed: refused by worker .*: the job's signature does not verify with this worker's secret/);
      const genuine = signJob(signer, "forged-jobs", "signed-1", job(702));
      await forgedQueue.add("map", { ...genuine, items: job(703).items }, { jobId: "signed-1" });
      expect(await settled(forgedQueue, "signed-1")).toMatch(/^failed: refused by worker .*: the job's signature does not verify/);
      // Controls: the genuine job runs; so does an unsigned one on a worker without the secret (what the secret prevents).
      await forgedQueue.add("map", signJob(signer, "forged-jobs", "signed-2", job(704)), { jobId: "signed-2" });
      expect(await settled(forgedQueue, "signed-2")).toBe("completed");
      const onUnsigned = await unsignedQueue.add("map", job(705));
      expect(await settled(unsignedQueue, onUnsigned.id!)).toBe("completed");
      expect(executions().slice(before).map(([, x]) => x).sort()).toEqual([704, 705]);
    } finally {
      await Promise.all([forgedQueue.close(), unsignedQueue.close()]);
    }
  }, 30_000);

  it("a result forged into the queue's event stream is refused by a caller with the secret, naming the job", async () => {
    const { Queue } = await import("bullmq");
    const { pack } = await import("../../src/engines/bullmq/bullmq-jobs.js");
    const queue = new Queue("no-workers", { connection: { url: redisUrl } });
    const signed = new BullMQEngine({ connection: redisUrl, module: fixture, queue: "no-workers", secret: secret.HYPERNODES_SECRET });
    try {
      const mapping = fixtures.squares.map({ x: [601] }, { mapOver: "x", engine: signed }).catch((error: Error) => error);
      let waiting: { id?: string }[] = [];
      while (waiting.length === 0) waiting = await queue.getWaiting();
      const forgedResult = pack({ items: [{ outputs: { square: { x: 601, squared: 666, at: new Date(601) } } }], nodes: [], events: [] }, "a forged result");
      const { Redis } = await import("ioredis");
      const attacker = new Redis(redisUrl);
      await attacker.xadd(queue.keys.events!, "*", "event", "completed", "jobId", waiting[0]!.id!, "returnvalue", JSON.stringify(forgedResult));
      attacker.disconnect();
      const error = await mapping;
      expect((error as Error).message).toMatch(new RegExp(`^the result of job ${waiting[0]!.id} does not verify with this engine's secret: it was forged or altered in Redis`));
    } finally {
      await Promise.all([queue.obliterate({ force: true }).then(() => queue.close()), signed.close()]);
    }
  }, 30_000);

  it("hides Redis passwords in what a worker sends back (node errors, progress) and in its log, and reads the URL from a file or REDIS_URL", async () => {
    const port = await freePort();
    await start("/usr/bin/redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", "s3cret-pw"], /ready to accept connections/i);
    const url = `redis://:s3cret-pw@127.0.0.1:${port}`;
    const urlFile = join(dir, "redis-url");
    writeFileSync(urlFile, `${url}\n`, { mode: 0o600 });
    const fromFile = await start(process.execPath, ["bin/hypernodes-worker.js", "--module", fixture, "--redis-file", urlFile, "--queue", "leaky"], /serving/, secret);
    const fromEnv = await start(process.execPath, ["bin/hypernodes-worker.js", "--module", fixture, "--queue", "leaky"], /serving/, { ...secret, REDIS_URL: url });
    for (const worker of [fromFile, fromEnv]) expect(readFileSync(`/proc/${worker.pid}/cmdline`, "utf8")).not.toContain("s3cret");
    progress = new Progress();
    const collecting = new BullMQEngine({ connection: url, module: fixture, queue: "leaky", secret: secret.HYPERNODES_SECRET, collectErrors: true });
    let failures: unknown[];
    try {
      failures = await fixtures.leaky.map({ x: [1, 2] }, { mapOver: "x", engine: collecting });
    } finally {
      await collecting.close();
    }
    const [errorItem, stringItem] = failures as [NodeExecutionError, NodeExecutionError];
    expect(errorItem.message).toBe(`Node 'leak' failed at map item 0: cannot reach redis://:***@127.0.0.1:${port} for item 1`);
    expect(errorItem.cause).toMatchObject({ url: `redis://:***@127.0.0.1:${port}`, command: { name: "auth", args: ["***"] } });
    expect(stringItem.cause).toBe(`redis down at redis://:***@127.0.0.1:${port}`);
    expect(progress.errors).toContain(`leak: Error: cannot reach redis://:***@127.0.0.1:${port} for item 1`);
    // Everything the caller got, fields and causes included.
    expect(inspect([failures, progress.thrown], { depth: 10 })).not.toContain("s3cret");
    expect(inspect(progress.thrown, { depth: 10 })).toContain(`AUTH failed at redis://:***@127.0.0.1:${port}`);
    const inArgv = spawn(process.execPath, ["bin/hypernodes-worker.js", "--module", fixture, "--redis", url, "--queue", "leaky"], { cwd: root, env: { ...process.env, ...secret }, stdio: ["ignore", "pipe", "pipe"] });
    processes.push(inArgv);
    let output = "";
    inArgv.stderr!.on("data", (chunk) => (output += chunk));
    await new Promise<void>((resolve) => inArgv.stderr!.on("data", () => /serving/.test(output) && resolve()));
    expect(output).toContain("hypernodes-worker: warning: the password in --redis shows in `ps` to every user of this machine; give the URL in $REDIS_URL or --redis-file");
    expect(output).not.toContain("s3cret");
    for (const worker of [fromFile, fromEnv]) expect(logOf(worker)).not.toContain("s3cret");
  }, 30_000);
});

/** How a job ended, once it has: "completed", or "failed: " and its reason. */
async function settled(queue: import("bullmq").Queue, jobId: string): Promise<string> {
  for (;;) {
    const job = await queue.getJob(jobId);
    const state = await job?.getState();
    if (state === "completed") return state;
    // Read again: the job read before its state may predate the failure (no failedReason yet).
    if (state === "failed") return `failed: ${(await queue.getJob(jobId))!.failedReason}`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The notebook's caching promise, against the real kernel: re-running a cell never returns a result
// computed by other code or other values (a constant, a helper, a class, a closure variable, a helper
// module edited on disk, a `let` reassigned), while identical code (a re-run, a restart, the same
// function pasted into another cell, a comment-only edit) keeps hitting the cache in `.hypernodes/`.
//
// Each cell's node executions and cache hits come from the kernel's session stats (the "hypernodes"
// comm's `stats`), read after every cell. Every check is strict both ways: a recompute is exactly one
// execution per node with the new value; a hit is no execution and the old value; no cell shows
// anything on stderr. A kernel that never caches fails the controls; a hash of the source alone fails
// the edits (stale value, no execution). One kernel runs the scenarios, a second one (restarted in the
// same folder) re-runs the whole notebook. Needs the build (`npm run build`).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type Msg, type RunningKernel } from "./helpers/jupyter-client.js";

/** What one cell run showed and did. */
interface CellRun {
  status: string;
  /** The cell's value (execute_result text/plain), if any. */
  result: string | undefined;
  /** Node executions and cache hits during the cell. */
  executed: number;
  cached: number;
  /** What a person would see in red: stderr streams and error outputs. */
  stderr: string;
}

/**
 * A notebook: cells by id in notebook order, each holding its current source (editing a cell keeps
 * its place), run on a kernel started in the notebook's folder.
 */
class Notebook {
  readonly cells = new Map<string, string>();
  private kernel: RunningKernel | undefined;
  private commId = "";
  /** The session's stats after the last cell (only cells run nodes: no need to ask again before the next). */
  private lastStats: { executed: number; cached: number } | undefined;

  constructor(readonly dir: string) {}

  /** Starts a kernel (a new process) in the notebook's folder; the previous one is shut down first. */
  async start(): Promise<number> {
    const started = Date.now();
    await this.kernel?.shutdown();
    this.kernel = await startKernel(this.dir);
    this.lastStats = undefined;
    this.commId = randomUUID();
    await this.kernel.client.iopubUntilIdle(
      this.kernel.client.request("comm_open", { comm_id: this.commId, target_name: "hypernodes", data: {} }).id,
    );
    return Date.now() - started;
  }

  async shutdown(): Promise<void> {
    await this.kernel?.shutdown();
    this.kernel = undefined;
  }

  /** The session's node executions and cache hits so far. */
  async stats(): Promise<{ executed: number; cached: number }> {
    const client = this.kernel!.client;
    const sent = client.request("comm_msg", { comm_id: this.commId, data: { request: "stats" } });
    const answer = (await client.iopubUntilIdle(sent.id)).find((m) => m.header.msg_type === "comm_msg");
    return answer!.content.data.stats;
  }

  /** Runs cell `id`, after setting its source when given (a new cell goes last, an edited one stays in place). */
  async run(id: string, source?: string): Promise<CellRun> {
    if (source !== undefined) this.cells.set(id, source);
    const code = this.cells.get(id);
    if (code === undefined) throw new Error(`no cell '${id}'`);
    const before = this.lastStats ?? (await this.stats());
    const { reply, outputs } = await this.kernel!.client.execute(code);
    const after = (this.lastStats = await this.stats());
    return {
      status: reply.content.status,
      result: outputs.find((m) => m.header.msg_type === "execute_result")?.content.data["text/plain"],
      executed: after.executed - before.executed,
      cached: after.cached - before.cached,
      stderr: outputs.map(redText).join(""),
    };
  }
}

function redText(m: Msg): string {
  if (m.header.msg_type === "stream" && m.content.name === "stderr") return m.content.text;
  if (m.header.msg_type === "error") return `${m.content.ename}: ${m.content.evalue}\n`;
  return "";
}

/** A cell that computed (`executed` node runs) or hit (`cached`), showing `result`, with nothing red. */
const computed = (result: string, executed = 1): CellRun => ({ status: "ok", result, executed, cached: 0, stderr: "" });
const hit = (result: string, cached = 1): CellRun => ({ status: "ok", result, executed: 0, cached, stderr: "" });
const quiet = (result?: string): CellRun => ({ status: "ok", result, executed: 0, cached: 0, stderr: "" });

const HELPER_MODULE = (body: string) => `// A helper module next to the notebook, imported by a cell.\nexport function triple(v: number): number {\n  return ${body};\n}\n`;

describe("a notebook's cache across cell edits, re-runs and kernel restarts (the real kernel)", () => {
  let nb: Notebook;
  const timings: Record<string, number> = {};
  /** What each cell must show when run now, as of the notebook's last edits (a replay's reference). */
  const wanted = new Map<string, CellRun>();

  /**
   * Runs a cell (setting its source when given) and checks what it showed and did. Soft: a scenario
   * goes on after a failed step, so one run reports every step that failed.
   */
  const cell = async (id: string, source: string | undefined, want: CellRun) => {
    const got = await nb.run(id, source);
    wanted.set(id, want);
    expect.soft(got, `cell '${id}':\n${nb.cells.get(id)}`).toEqual(want);
    return got;
  };
  const rerun = (id: string, want: CellRun) => cell(id, undefined, want);

  beforeAll(async () => {
    nb = new Notebook(mkdtempSync(join(tmpdir(), "hn-staleness-")));
    writeFileSync(join(nb.dir, "helpers.ts"), HELPER_MODULE("v * 3"));
    timings["kernel 1 start"] = await nb.start();
    expect(await nb.run("import", 'import { node, Pipeline } from "hypernodes";')).toEqual(quiet());
    wanted.set("import", quiet());
  }, 60_000);

  afterAll(async () => {
    await nb?.shutdown();
    if (nb) rmSync(nb.dir, { recursive: true, force: true });
    console.log("timings (ms):", JSON.stringify(timings));
  }, 15_000);

  it("a constant cell edited (k = 3 → 4) recomputes; the run cell re-run, the node defined again or pasted into another cell, comment edits hit", async () => {
    await cell("k", "const k = 3;", quiet());
    await cell("scale", 'const scale = node((x: number) => x * k, { outputName: "y" });\nconst p = new Pipeline({ nodes: [scale] });', quiet());
    await cell("run-scale", "(await p.run({ x: 101 })).y", computed("303"));
    await rerun("run-scale", hit("303"));

    await cell("k", "const k = 4;", quiet());
    await rerun("run-scale", computed("404"));
    await rerun("run-scale", hit("404"));

    // The definition cell re-run (the function defined again, same text), then the run cell.
    await rerun("scale", quiet());
    await rerun("run-scale", hit("404"));
    // The same node function pasted into another cell.
    await cell("pasted", 'const scaleAgain = node((x: number) => x * k, { outputName: "y" });\n(await new Pipeline({ nodes: [scaleAgain] }).run({ x: 101 })).y', hit("404"));
    // Comments and whitespace added to the constant's cell and the definition's cell.
    await cell("k", "// the factor\nconst   k =  4 ;  // four", quiet());
    await cell(
      "scale",
      '// scale x by the factor above\nconst scale = node(\n  (x: number) =>\n    x *  k /* k from the cell above */,\n  { outputName: "y" },\n);\nconst p = new Pipeline({ nodes: [scale] });',
      quiet(),
    );
    await rerun("run-scale", hit("404"));
  }, 20_000);

  it("a helper function cell edited recomputes; a comment-only edit of it hits", async () => {
    await cell("bump", "function bump(v: number) { return v + 1; }", quiet());
    await cell("use-bump", 'const useBump = node((x: number) => bump(x) * 2, { outputName: "b" });\nconst pB = new Pipeline({ nodes: [useBump] });', quiet());
    await cell("run-bump", "(await pB.run({ x: 201 })).b", computed("404"));
    await cell("bump", "function bump(v: number) { return v + 10; }", quiet());
    await rerun("run-bump", computed("422"));
    await cell("bump", "/** Adds ten. */\nfunction bump(v: number) {\n  return v + 10; // ten\n}", quiet());
    await rerun("run-bump", hit("422"));
  }, 20_000);

  it("a constant read by a helper in another cell, edited, recomputes", async () => {
    await cell("offset", "const offset = 5;", quiet());
    await cell("add-offset", "function addOffset(v: number) { return v + offset; }", quiet());
    await cell("use-offset", 'const useOffset = node((x: number) => addOffset(x), { outputName: "o" });\nconst pC = new Pipeline({ nodes: [useOffset] });', quiet());
    await cell("run-offset", "(await pC.run({ x: 301 })).o", computed("306"));
    await cell("offset", "const offset = 7;", quiet());
    await rerun("run-offset", computed("308"));
    await rerun("run-offset", hit("308"));
  }, 20_000);

  it("a class method edited in its cell recomputes; a whitespace-only edit of the class hits", async () => {
    await cell("class", "class Scaler {\n  factor = 2;\n  apply(v: number) { return v * this.factor; }\n}", quiet());
    await cell("use-class", 'const useScaler = node((x: number) => new Scaler().apply(x), { outputName: "s" });\nconst pD = new Pipeline({ nodes: [useScaler] });', quiet());
    await cell("run-class", "(await pD.run({ x: 401 })).s", computed("802"));
    await cell("class", "class Scaler {\n  factor = 2;\n  apply(v: number) { return v * this.factor + 1; }\n}", quiet());
    await rerun("run-class", computed("803"));
    await cell("class", "class Scaler {\n\n  factor  =  2;\n\n  apply(v: number) {\n    return v * this.factor + 1;\n  }\n}", quiet());
    await rerun("run-class", hit("803"));
  }, 20_000);

  it("a closure factory: scaler(2) then scaler(3) recomputes, scaler(2) again hits", async () => {
    await cell("factory", 'const scaler = (k: number) => node((x: number) => x * k, { outputName: "y" });', quiet());
    await cell("run-factory", "(await new Pipeline({ nodes: [scaler(2)] }).run({ x: 501 })).y", computed("1002"));
    await cell("run-factory", "(await new Pipeline({ nodes: [scaler(3)] }).run({ x: 501 })).y", computed("1503"));
    await cell("run-factory", "(await new Pipeline({ nodes: [scaler(2)] }).run({ x: 501 })).y", hit("1002"));
  }, 20_000);

  it("a same-cell `let` reassigned between two runs in one cell recomputes; the cell re-run hits both", async () => {
    const source = [
      "let m = 2;",
      'const useM = node((x: number) => x * m, { outputName: "m2" });',
      "const pG = new Pipeline({ nodes: [useM] });",
      "const g1 = (await pG.run({ x: 701 })).m2;",
      "m = 3;",
      "const g2 = (await pG.run({ x: 701 })).m2;",
      "[g1, g2]",
    ].join("\n");
    await cell("same-cell-let", source, computed("[ 1402, 2103 ]", 2));
    await rerun("same-cell-let", hit("[ 1402, 2103 ]", 2));
  }, 20_000);

  it("a function whose constant is declared in the same cell hashes as one reading it from an earlier cell (hit)", async () => {
    await cell("kk", "const kk = 6;", quiet());
    await cell("kk-earlier", 'const kkEarlier = node((x: number) => x * kk, { outputName: "z" });\n(await new Pipeline({ nodes: [kkEarlier] }).run({ x: 801 })).z', computed("4806"));
    await cell("kk-same", 'const kk = 6;\nconst kkSame = node((x: number) => x * kk, { outputName: "z" });\n(await new Pipeline({ nodes: [kkSame] }).run({ x: 801 })).z', hit("4806"));
    await cell("kk-hashes", "kkSame.codeHash === kkEarlier.codeHash", quiet("true"));
  }, 20_000);

  it("a counter declared in an earlier cell, incremented by the node (calls++), does not prevent hits", async () => {
    await cell("calls", "let calls = 0;", quiet());
    await cell("counted", 'const counted = node((x: number) => { calls++; return x + 1; }, { outputName: "c" });\nconst pCount = new Pipeline({ nodes: [counted] });', quiet());
    await cell("run-counted", "(await pCount.run({ x: 901 })).c", computed("902"));
    await rerun("run-counted", hit("902"));
    await rerun("run-counted", hit("902"));
    await cell("calls-read", "calls", quiet("1"));
  }, 20_000);

  it("a counter declared in the node's own cell, incremented by the node (localCalls++), does not prevent hits", async () => {
    await cell(
      "counted-here",
      'let localCalls = 0;\nconst countedHere = node((x: number) => { localCalls++; return x - 1; }, { outputName: "d" });\nconst pHere = new Pipeline({ nodes: [countedHere] });',
      quiet(),
    );
    await cell("run-counted-here", "(await pHere.run({ x: 951 })).d", computed("950"));
    await rerun("run-counted-here", hit("950"));
    await rerun("run-counted-here", hit("950"));
    await cell("local-calls-read", "localCalls", quiet("1"));
  }, 20_000);

  it("a helper in a .ts module next to the notebook: the cell re-run hits; edited on disk, the cell re-run recomputes", async () => {
    const source = 'import { triple } from "./helpers";\nconst useTriple = node((x: number) => triple(x), { outputName: "t" });\n(await new Pipeline({ nodes: [useTriple] }).run({ x: 601 })).t';
    await cell("run-module", source, computed("1803"));
    await rerun("run-module", hit("1803"));
    // Edited while the kernel runs (tslab compiles the module again when a cell imports it).
    writeFileSync(join(nb.dir, "helpers.ts"), HELPER_MODULE("v * 3 + 1"));
    await rerun("run-module", computed("1804"));
    await rerun("run-module", hit("1804"));
  }, 20_000);

  /** Every cell of the notebook re-run in order on the current kernel: what each showed and did. */
  const replay = async () => {
    const got: Record<string, CellRun> = {};
    for (const id of nb.cells.keys()) got[id] = await nb.run(id);
    return got;
  };
  /** What a replay on a new kernel shows: every node hits, except `recomputed` (cell id → its new value). */
  const expectedReplay = (recomputed: Record<string, string> = {}) => {
    // A new kernel's counters start at 0 and stay there: no node runs.
    const fresh: Record<string, CellRun> = { "calls-read": quiet("0"), "local-calls-read": quiet("0") };
    const want: Record<string, CellRun> = {};
    for (const id of nb.cells.keys()) {
      const last = wanted.get(id)!;
      const nodes = last.executed + last.cached;
      if (id in recomputed) want[id] = computed(recomputed[id]!, nodes);
      else want[id] = fresh[id] ?? (nodes > 0 ? hit(last.result!, nodes) : last);
    }
    return want;
  };

  // One restart covers both: the controls (every other cell hits) and the module's edit (its cell recomputes).
  it("the helper module edited on disk while no kernel runs, a kernel restart (new process, same folder), the notebook's cells re-run in order: that cell recomputes, all others hit, nothing red", async () => {
    await nb.shutdown();
    writeFileSync(join(nb.dir, "helpers.ts"), HELPER_MODULE("v * 3 + 2"));
    timings["kernel 2 start"] = await nb.start();
    const started = Date.now();
    expect(await replay()).toEqual(expectedReplay({ "run-module": "1805" }));
    timings["replay on kernel 2"] = Date.now() - started;
  }, 40_000);
});

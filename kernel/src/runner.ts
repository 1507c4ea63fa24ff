// Executes a notebook's code cells on a kernel started from a kernel spec, in order, over the Jupyter
// protocol; outputs and execution counts are written into the notebook object. Stops at the first error.
import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { KernelMessage } from "@jupyterlab/services";
import type * as nbformat from "@jupyterlab/nbformat";
import { HYPERNODES_COMM_TARGET, type CommMessage, type SessionInfo, type SessionStats } from "hypernodes/browser";
import { CellOutputs } from "./cell-outputs.js";
import type { KernelSpec } from "./find-kernelspec.js";
import { KernelClient } from "./kernel-client.js";
import { KernelProcess, type KernelExit } from "./kernel-process.js";
import { sourceText } from "./notebook-file.js";

export interface RunOptions {
  kernel: KernelSpec;
  /** The kernel's working directory: the notebook's folder. */
  cwd: string;
  /** Per cell, reply and outputs included; 0 or absent: no limit. */
  cellTimeoutMs?: number;
  startupTimeoutMs?: number;
  /**
   * Aborting interrupts the kernel as Jupyter's Interrupt does (Ctrl-C): the running cell ends with its
   * error (a pipeline call's says what finished and is cached), recorded in the notebook, and no later
   * cell runs. A cell still running INTERRUPT_WAIT_MS later is stopped with the kernel.
   */
  interrupt?: AbortSignal;
  /** Aborting stops the run at once, like a failing cell (a second Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
}

export interface CellFailure {
  cellIndex: number;
  cellId: string;
  /** The first non-blank line of the cell's source. */
  firstLine: string;
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface RunResult {
  /** Code cells sent to the kernel, the failing one included. */
  cellsRun: number;
  /** Code cells that are not blank (blank ones are skipped). */
  codeCells: number;
  startupMs: number;
  elapsedMs: number;
  /** Each code cell run: ms from its execute request to its reply and idle status (the failing one included). */
  cellMs: number[];
  failure?: CellFailure;
  /** Node executions and cache hits of the run, when the kernel is ours (undefined otherwise). */
  stats?: SessionStats;
  /** The run was interrupted (RunOptions.interrupt). */
  interrupted: boolean;
}

/** The kernel did not start: its spec's command failed, it exited, or it did not answer in time. */
export class KernelStartError extends Error {
  override name = "KernelStartError";
}

// Named as nbclient names them, for the same situations.
class CellTimeoutError extends Error {
  override name = "CellTimeoutError";
}
class DeadKernelError extends Error {
  override name = "DeadKernelError";
}
class RunInterruptedError extends Error {
  override name = "RunInterruptedError";
}

const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
const HEARTBEAT_MS = 5000;
const SHUTDOWN_REPLY_MS = 2000;
const SHUTDOWN_EXIT_MS = 3000;
const INTERRUPT_WAIT_MS = 10_000;

export async function runNotebook(notebook: nbformat.INotebookContent, options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const codeCells = notebook.cells.flatMap((cell, index) =>
    cell.cell_type === "code" ? [{ cell: cell as nbformat.ICodeCell, index, code: sourceText(cell) }] : [],
  );
  // The written notebook shows this run only: no outputs left over from an earlier one under unrun cells.
  for (const { cell } of codeCells) Object.assign(cell, { outputs: [], execution_count: null });
  const toRun = codeCells.filter(({ code }) => code.trim()); // blank cells are skipped, as nbclient does

  const kernel = await KernelProcess.start(options.kernel, options.cwd);
  const client = new KernelClient(kernel.connection);
  void kernel.exited.then((exit) => client.fail(new DeadKernelError(describeExit(exit, kernel.output()))));
  const stop = () => client.fail(new RunInterruptedError("interrupted"));
  options.signal?.addEventListener("abort", stop);
  let interruptTimer: NodeJS.Timeout | undefined;
  const interrupt = () => {
    if (options.kernel.spec.interrupt_mode === "message") client.request("control", "interrupt_request", {});
    else kernel.interrupt();
    const late = () => new RunInterruptedError(`interrupted; the cell did not stop within ${INTERRUPT_WAIT_MS / 1000} s`);
    interruptTimer = setTimeout(() => client.fail(late()), INTERRUPT_WAIT_MS);
  };
  options.interrupt?.addEventListener("abort", interrupt);
  try {
    const info = await startUp(client, options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS, options.kernel.name);
    notebook.metadata.language_info = info.language_info;
    const startupMs = performance.now() - started;

    const collector = new CellOutputs();
    let cellsRun = 0;
    let failure: CellFailure | undefined;
    const cellMs: number[] = [];
    for (const { cell, index, code } of toRun) {
      if (options.interrupt?.aborted) break;
      cellsRun++;
      const cellStarted = performance.now();
      const error = await executeCell(client, cell, code, collector, options.cellTimeoutMs ?? 0);
      cellMs.push(performance.now() - cellStarted);
      if (error) {
        failure = { cellIndex: index, cellId: String(cell.id), firstLine: firstLine(code), ...error };
        break;
      }
    }
    const elapsedMs = performance.now() - started;
    const interrupted = options.interrupt?.aborted ?? false;
    return { cellsRun, codeCells: toRun.length, startupMs, elapsedMs, cellMs, failure, stats: await sessionStats(client), interrupted };
  } finally {
    clearTimeout(interruptTimer);
    options.signal?.removeEventListener("abort", stop);
    options.interrupt?.removeEventListener("abort", interrupt);
    await shutDown(client, kernel);
  }
}

/** Asks our kernel's `hypernodes` comm for the session's node executions and cache hits; undefined from other kernels. */
async function sessionStats(client: KernelClient): Promise<RunResult["stats"]> {
  const commId = randomUUID();
  let answer: RunResult["stats"];
  const onIopub = (message: { header: { msg_type: string }; content: unknown }) => {
    const data = (message.content as { data?: Partial<SessionInfo> }).data;
    if (message.header.msg_type === "comm_msg" && data?.stats) answer = data.stats;
  };
  const request: CommMessage = { request: "stats" };
  // comm_open and comm_msg get no shell reply: their IOPub output ends with the kernel's idle status.
  client.request("shell", "comm_open", { comm_id: commId, target_name: HYPERNODES_COMM_TARGET, data: {} });
  const { idle } = client.request("shell", "comm_msg", { comm_id: commId, data: request }, onIopub);
  // Unreferenced: once answered, the wait must not keep the runner alive for the rest of it.
  await Promise.race([idle.catch(() => undefined), delay(2000, undefined, { ref: false })]);
  client.request("shell", "comm_close", { comm_id: commId, data: {} });
  return answer;
}

async function startUp(client: KernelClient, timeoutMs: number, name: string): Promise<KernelMessage.IInfoReply> {
  try {
    const timeout = () => new Error(`no reply within ${timeoutMs / 1000} s`);
    const info = await within(timeoutMs, client, timeout, () => client.waitReady());
    // tslab leaves `status` out of kernel_info_reply: only an explicit error or abort counts.
    if (info.status !== "ok" && info.status !== undefined) throw new Error(`kernel_info_request: ${info.status}`);
    if (!(await client.heartbeat(HEARTBEAT_MS))) throw new Error("no answer on the heartbeat channel");
    return info;
  } catch (error) {
    throw new KernelStartError(`kernel '${name}' did not start: ${(error as Error).message}`);
  }
}

type ErrorFields = Pick<CellFailure, "ename" | "evalue" | "traceback">;

/** Runs one cell; returns its error, if any. Waits for the kernel's idle status so no output of it is lost. */
async function executeCell(
  client: KernelClient,
  cell: nbformat.ICodeCell,
  code: string,
  collector: CellOutputs,
  timeoutMs: number,
): Promise<ErrorFields | undefined> {
  const content: KernelMessage.IExecuteRequestMsg["content"] = {
    code,
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
    stop_on_error: true,
  };
  type Reply = KernelMessage.IExecuteReplyMsg["content"];
  const request = client.request<Reply>("shell", "execute_request", content, collector.begin(cell.outputs));
  let reply: Reply;
  try {
    const timeout = () => new CellTimeoutError(`the cell did not finish within ${timeoutMs / 1000} s`);
    [reply] = await within(timeoutMs, client, timeout, () =>
      Promise.all([request.reply.then((message) => message.content), request.idle]),
    );
  } catch (error) {
    const { name, message } = error as Error;
    return { ename: name, evalue: message, traceback: [] };
  }
  cell.execution_count = reply.execution_count ?? null;
  return reply.status === "ok" ? undefined : errorOf(reply, cell.outputs);
}

/** The error as the kernel reported it: an `error` output, the reply's fields, or (tslab) what it wrote to stderr. */
function errorOf(reply: KernelMessage.IExecuteReplyMsg["content"], outputs: nbformat.IOutput[]): ErrorFields {
  const output = outputs.findLast((o): o is nbformat.IError => o.output_type === "error");
  if (output) return { ename: output.ename, evalue: output.evalue, traceback: output.traceback };
  if (reply.status === "error" && reply.ename) return { ename: reply.ename, evalue: reply.evalue, traceback: reply.traceback ?? [] };
  const stderr = outputs
    .filter((o): o is nbformat.IStream => o.output_type === "stream" && o.name === "stderr")
    .map((o) => o.text as string)
    .join("")
    .trim();
  const evalue = stderr || (reply.status === "error" ? "the kernel reported an error without details" : "the kernel aborted the cell");
  return { ename: "", evalue, traceback: [] };
}

/** A polite shutdown_request on control first, unless the kernel is stuck or gone; killed if it does not exit. */
async function shutDown(client: KernelClient, kernel: KernelProcess): Promise<void> {
  const healthy = !client.failed;
  if (healthy) {
    const { reply } = client.request("control", "shutdown_request", { restart: false });
    await within(SHUTDOWN_REPLY_MS, client, () => new Error("no shutdown_reply"), () => reply).catch(() => {});
  }
  client.close();
  await kernel.stop(healthy ? SHUTDOWN_EXIT_MS : 0);
}

/** Runs `work`; after `ms` (0: never) every pending request fails with `timeoutError()`. */
async function within<T>(ms: number, client: KernelClient, timeoutError: () => Error, work: () => Promise<T>): Promise<T> {
  const timer = ms > 0 ? setTimeout(() => client.fail(timeoutError()), ms) : undefined;
  try {
    return await work();
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(code: string): string {
  return code.split("\n").find((line) => line.trim())!.trim();
}

function describeExit({ code, signal }: KernelExit, output: string): string {
  const how = signal ? `was killed by ${signal}` : code === null ? "could not be started" : `exited with code ${code}`;
  return `the kernel ${how}${output ? `; it printed:\n${output}` : ""}`;
}

// The kernel's side of the Jupyter messaging protocol: it answers shell and control requests, running
// cells on tslab's executor, and closes tslab's protocol gaps (execute_input, execute_result with the
// value's MIME bundle, structured errors, status in kernel_info, comms, no requests dropped after an error).
import type { Router } from "zeromq";
import type { CellOutcome } from "./cell-outcome.js";
import { describeThrown, type ErrorContent } from "./cell-outcome.js";
import type { CommRegistry } from "./comms.js";
import type { IOPub } from "./iopub.js";
import { logError } from "./log.js";
import { mimeBundle } from "./mime-bundle.js";
import type { CellOutput } from "./output.js";
import { RequestQueue } from "./request-queue.js";
import { expandShorthandProperties } from "./shorthand-properties.js";
import type { KernelSockets } from "./sockets.js";
import { tslab, TSLAB_VERSION, type Executor } from "./tslab.js";
import { shown } from "./untrusted.js";
import { PROTOCOL_VERSION, type Message, type Session } from "./wire.js";

interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  stop_on_error?: boolean;
}

interface CodeRequest {
  code: string;
  cursor_pos: number;
}

export interface KernelParts {
  session: Session;
  sockets: KernelSockets;
  iopub: IOPub;
  output: CellOutput;
  executor: Executor;
  /** The console tslab's executor reports to. */
  outcome: CellOutcome;
  comms: CommRegistry;
  version: string;
  /** Aborts the pipeline calls in progress (their signal). */
  abortPipelineCalls(): void;
  /** Called once the shutdown reply is sent. */
  onShutdown(): void;
}

/** How long an interrupted cell has to end on its own (a pipeline call rejecting with its AbortError) before tslab stops it. */
const INTERRUPT_GRACE_MS = 250;

export class Kernel {
  private executionCount = 0;
  private readonly shellQueue = new RequestQueue();
  /** The execute_request being run, if any. */
  private running: Message<unknown> | undefined;

  constructor(private readonly parts: KernelParts) {}

  /**
   * Interrupt (SIGINT, or interrupt_request on control): aborts the pipeline calls in progress, so a
   * cell awaiting one ends with its AbortError (how far it got, what is cached); a cell still running
   * after INTERRUPT_GRACE_MS (a loop of its own, a promise that never settles) is stopped by tslab.
   */
  interrupt(): void {
    const cell = this.running;
    this.parts.abortPipelineCalls();
    if (cell) setTimeout(() => this.running === cell && this.parts.executor.interrupt(), INTERRUPT_GRACE_MS);
  }

  listen(): void {
    const { sockets } = this.parts;
    // Control requests (shutdown, interrupt) are answered even while a cell runs; shell requests wait their turn.
    void sockets.receive(sockets.shell, (frames) => this.receive(sockets.shell, frames, true));
    void sockets.receive(sockets.control, (frames) => this.receive(sockets.control, frames, false));
  }

  /** Runs code before any cell, with no output (e.g. to load hypernodes while the front end connects). */
  preload(code: string): void {
    this.shellQueue.add(async () => {
      this.parts.outcome.start();
      if (!(await this.parts.executor.execute(code))) logError(`preloading ${JSON.stringify(code)}`, this.parts.outcome.failure().evalue);
    });
  }

  private receive(socket: Router, frames: Buffer[], queued: boolean): void {
    let msg: Message;
    try {
      msg = this.parts.session.decode(frames);
    } catch (error) {
      // Malformed, wrongly signed or replayed: never acted upon, said in one line (a stack says nothing more).
      return logError("ignored a message", (error as Error).message);
    }
    const { iopub } = this.parts;
    const handle = async (afterFailure: boolean) => {
      iopub.publish("status", { execution_state: "busy" }, msg);
      try {
        await this.dispatch(socket, msg, afterFailure);
      } catch (error) {
        logError(msg.header.msg_type, error);
      } finally {
        iopub.publish("status", { execution_state: "idle" }, msg);
        // Handled beside a running cell: the kernel is still busy with it, as front ends showing one status should say.
        const cell = this.running;
        if (!queued && cell) iopub.publish("status", { execution_state: "busy" }, cell);
      }
      if (msg.header.msg_type === "shutdown_request") this.parts.onShutdown();
    };
    // A comm message that only reads (the side panel's stats during a long map) need not wait for the cell.
    if (queued && this.running && this.parts.comms.answersDuringCell(msg)) queued = false;
    if (queued) this.shellQueue.add(handle);
    else void handle(false);
  }

  private async dispatch(socket: Router, msg: Message, afterFailure: boolean): Promise<void> {
    const reply = (content: object) => this.reply(socket, msg, content);
    const { executor, comms } = this.parts;
    switch (msg.header.msg_type) {
      case "kernel_info_request":
        return reply(this.kernelInfo());
      case "execute_request":
        return this.execute(msg as Message<unknown> as Message<ExecuteRequest>, reply, afterFailure);
      case "complete_request": {
        const { code, cursor_pos } = msg.content as unknown as CodeRequest;
        const { start, end, candidates } = executor.complete(code, cursor_pos);
        return reply({ status: "ok", matches: candidates, cursor_start: start, cursor_end: end, metadata: {} });
      }
      case "inspect_request": {
        const { code, cursor_pos } = msg.content as unknown as CodeRequest;
        const info = executor.inspect(code, cursor_pos);
        const data = info ? { "text/plain": tslab.inspect.printQuickInfo(info) } : {};
        return reply({ status: "ok", found: Boolean(info), data, metadata: {} });
      }
      case "is_complete_request": {
        const { completed, indent } = tslab.converter.isCompleteCode((msg.content as { code: string }).code);
        return reply(completed ? { status: "complete" } : { status: "incomplete", indent: indent ?? "" });
      }
      case "comm_info_request":
        return reply({ status: "ok", comms: comms.info((msg.content as { target_name?: string }).target_name) });
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        return comms.handle(msg);
      case "history_request":
        return reply({ status: "ok", history: [] });
      case "shutdown_request":
        return reply({ status: "ok", restart: Boolean((msg.content as { restart?: boolean }).restart) });
      case "interrupt_request":
        this.interrupt();
        return reply({ status: "ok" });
      default:
        logError("unsupported request", shown(msg.header.msg_type));
    }
  }

  private async execute(msg: Message<ExecuteRequest>, reply: (content: object) => void, afterFailure: boolean): Promise<void> {
    const { code, silent = false, store_history = !silent, stop_on_error = true } = msg.content;
    if (afterFailure) return reply({ status: "aborted" });
    const { iopub, output, executor, outcome } = this.parts;
    if (!silent && store_history) this.executionCount++;
    const count = this.executionCount;
    if (!silent) iopub.publish("execute_input", { code, execution_count: count }, msg);
    output.parent = msg;
    outcome.start();
    let failure: ErrorContent | undefined;
    this.running = msg;
    try {
      const ran = await executor.execute(expandShorthandProperties(code)).finally(() => (this.running = undefined));
      if (!ran) failure = outcome.failure();
      await output.settle();
      if (!failure && outcome.hasValue && !silent) {
        const data = await mimeBundle(outcome.value);
        iopub.publish("execute_result", { execution_count: count, data, metadata: {} }, msg);
      }
    } catch (error) {
      // tslab failing internally, or the value's MIME bundle method throwing: the cell's error either way.
      failure = describeThrown(error);
    }
    // A `//%module` cell registers its module despite type errors: show them without failing the cell.
    if (!failure && outcome.diagnostics.length) iopub.stream("stderr", outcome.diagnostics.join("\n") + "\n", msg);
    if (failure) {
      iopub.publish("error", failure, msg);
      if (stop_on_error) await this.shellQueue.abortQueued();
      return reply({ status: "error", execution_count: count, ...failure });
    }
    reply({ status: "ok", execution_count: count, payload: [], user_expressions: {} });
  }

  private kernelInfo(): object {
    return {
      status: "ok",
      protocol_version: PROTOCOL_VERSION,
      implementation: "hypernodes",
      implementation_version: this.parts.version,
      language_info: {
        name: "typescript",
        version: tslab.typescript.version,
        mimetype: "text/typescript",
        file_extension: ".ts",
        // What tslab sends: JupyterLab reads `mode`, the classic notebook `name` and `typescript`.
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
      },
      banner: `HyperNodes ${this.parts.version} (TypeScript ${tslab.typescript.version} on tslab ${TSLAB_VERSION}, Node.js ${process.version})`,
      debugger: false,
    };
  }

  private reply(socket: Router, request: Message, content: object): void {
    const { session, sockets, iopub } = this.parts;
    // Outputs first: a client may stop listening to IOPub for a request once it has the reply and idle.
    iopub.flush();
    const type = request.header.msg_type.replace(/_request$/, "_reply");
    void sockets.send(socket, session.encode(session.message(type, content, request)));
  }
}

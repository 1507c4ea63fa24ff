// What the cell being run produced, as tslab's executor reports it to the console it is given:
// `log(value)` for the cell's last value, `error(…)` for type-check diagnostics and thrown errors.
// Capturing them (instead of printing) is what lets the kernel send execute_result and structured errors.
import { join } from "node:path";
import { format, inspect } from "node:util";
import { packageRoot } from "./package.js";
import type { ExecutorConsole } from "./tslab.js";

/** The format string tslab's executor prints each diagnostic with: file, line, column, message. */
const DIAGNOSTIC_FORMAT = "%s%d:%d - %s";

/**
 * Stack frames of the machinery that runs a cell (Node's vm, tslab, this kernel, the hypernodes
 * engine that called the node), not of the user's code.
 */
const MACHINERY_FRAME = new RegExp(
  String.raw`^\s+at .*(node:vm|node:internal|[\\/]tslab[\\/]dist[\\/]|` +
    `${escapeRegExp(join(packageRoot, "dist"))}|${escapeRegExp(join(packageRoot, "kernel"))})`,
);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * What Node's vm puts before the stack of an error thrown by a cell's code: `evalmachine.<anonymous>:N`,
 * the line and a caret. Noise here: N counts lines of tslab's compiled output, not of the cell.
 */
const VM_DECORATION = /^evalmachine\.<anonymous>:\d+\n[^]*?\n\n/;

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

export class CellOutcome implements ExecutorConsole {
  hasValue = false;
  value: unknown;
  /** Type-check diagnostics, as `line:column - message`. */
  diagnostics: string[] = [];
  thrown: unknown[] = [];

  /** Forgets the previous cell's outcome. */
  start(): void {
    this.hasValue = false;
    this.value = undefined;
    this.diagnostics = [];
    this.thrown = [];
  }

  log(value: unknown): void {
    this.hasValue = true;
    this.value = value;
  }

  error(message: unknown, ...params: unknown[]): void {
    if (message === DIAGNOSTIC_FORMAT) this.diagnostics.push(format(message, ...params));
    else this.thrown.push(message);
  }

  /** The failure of a cell the executor reported as failed. */
  failure(): ErrorContent {
    if (this.thrown.length) return describeThrown(this.thrown[0]);
    return {
      ename: "CompileError",
      evalue: this.diagnostics.join("\n") || "the cell failed",
      traceback: this.diagnostics.length ? [...this.diagnostics] : ["CompileError: the cell failed"],
    };
  }
}

export function describeThrown(thrown: unknown): ErrorContent {
  if (!(thrown instanceof Error)) {
    const text = inspect(thrown);
    return { ename: "Uncaught", evalue: text, traceback: [`Uncaught ${text}`] };
  }
  // The cause chain matters: a failing pipeline node's error wraps the error thrown in the user's function.
  const traceback = userStack(thrown);
  let cause = thrown.cause;
  for (let depth = 0; cause !== undefined && depth < 10; depth++) {
    const lines = cause instanceof Error ? userStack(cause) : [inspect(cause)];
    traceback.push(`Caused by: ${lines[0]}`, ...lines.slice(1));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return { ename: thrown.name, evalue: thrown.message, traceback };
}

function userStack(error: Error): string[] {
  const stack = (error.stack ?? `${error.name}: ${error.message}`).replace(VM_DECORATION, "");
  return stack.split("\n").filter((line) => !MACHINERY_FRAME.test(line));
}

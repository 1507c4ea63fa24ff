import { redact } from "../security/redaction.js";

/**
 * Emits a Node.js warning now. `process.emitWarning` prints on a later tick, so a warning raised in a
 * notebook cell that never yields could be lost or land in another cell; this one goes through Node's
 * own handler at once (same format, `[code]` included; `--no-warnings`, `NODE_NO_WARNINGS=1`,
 * `--disable-warning=code` and `--redirect-warnings` apply), and `process.on("warning")` listeners see it.
 */
export function warn(message: string, code: string): void {
  // A warning may quote what a store or a node said: no secret in it.
  const warning = new Error(redact(message)) as Error & { code: string };
  warning.name = "Warning";
  warning.code = code;
  Error.captureStackTrace(warning, warn);
  process.emit("warning", warning);
}

const warnedOnce = new Set<string>();

/** `warn`, the first time this process meets `key` (default: the code): a re-run cell does not repeat it. */
export function warnOnce(message: string, code: string, key: string = code): void {
  if (warnedOnce.has(key)) return;
  warnedOnce.add(key);
  warn(message, code);
}

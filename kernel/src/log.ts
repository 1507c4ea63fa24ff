// The kernel's own log: the real stderr (the Jupyter server's console), which cell output never reaches
// even after cells' stdout and stderr are redirected to the notebook.
const write = process.stderr.write.bind(process.stderr);

export function logError(context: string, error: unknown): void {
  write(`[hypernodes kernel] ${context}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}

export function logWarning(message: string): void {
  write(`[hypernodes kernel] warning: ${message}\n`);
}

// Passwords in URLs (redis://user:password@host) hidden wherever text leaves a process: warnings,
// a worker's log lines, the errors and progress a worker sends its caller through a shared store.

/** `scheme://user:password@` with the password (and what could be one) replaced by "***". */
const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/]+@/gi;

export function redactUrls(text: string): string {
  return text.includes("://") ? text.replace(CREDENTIALS, "$1:***@") : text;
}

/** The error with passwords in URLs hidden from its message and stack, in place (it is about to be sent). */
export function redactError<T>(error: T): T {
  if (error instanceof Error) {
    error.message = redactUrls(error.message);
    if (error.stack) error.stack = redactUrls(error.stack);
  }
  return error;
}

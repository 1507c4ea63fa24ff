/** Warnings emitted while `work` runs, as "CODE: message". */
export async function warningsDuring<T>(work: () => Promise<T> | T): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const listener = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
  process.on("warning", listener);
  try {
    return { result: await work(), warnings };
  } finally {
    process.off("warning", listener);
  }
}

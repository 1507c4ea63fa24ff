// Large values as files beside the SQLite index (`values/<key in hex>`): SQLite copies a blob through
// its page cache and WAL, then again at checkpoint (≈ 60 MB/s here); a file is written once at disk
// speed and read back with one read. Each is written to a temporary name and renamed, so a reader
// never sees half a file; the index row holding its length and checksum is committed after it.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Values at least this large are kept in files. */
export const FILE_THRESHOLD = 1024 * 1024;

export class ValueFiles {
  constructor(readonly dir: string) {}

  write(name: string, bytes: Uint8Array): void {
    mkdirSync(this.dir, { recursive: true });
    const temporary = join(this.dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    try {
      writeFileSync(temporary, bytes);
      renameSync(temporary, join(this.dir, name));
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }

  /** The file's bytes, or undefined when it is gone. */
  read(name: string): Buffer | undefined {
    try {
      return readFileSync(join(this.dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  remove(names: Iterable<string>): void {
    for (const name of names) {
      try {
        unlinkSync(join(this.dir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }

  /** Removes every value file (and temporary files left by a killed process). */
  clear(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    this.remove(names);
  }
}

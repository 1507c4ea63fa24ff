// Large values as files beside the SQLite index (`values/<key in hex>`): SQLite copies a blob through
// its page cache and WAL, then again at checkpoint (≈ 60 MB/s here); a file is written once at disk
// speed and read back with one read. Each is written to a temporary name and renamed, so a reader
// never sees half a file; the index row holding its length and checksum is committed after it.
// A typed array's file is its RawArray's header then its elements, each written from where it is and
// the elements read straight into the value's own memory: no 100 MB copy either way.
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { isRaw, RAW_HEADER_LENGTH, rawArrayOf, type RawArray } from "./raw-arrays.js";

/** Values at least this large are kept in files. */
export const FILE_THRESHOLD = 1024 * 1024;

export class ValueFiles {
  constructor(readonly dir: string) {}

  /** Writes the file as these parts, one after the other. */
  write(name: string, parts: readonly Uint8Array[]): void {
    mkdirSync(this.dir, { recursive: true });
    const temporary = join(this.dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    try {
      const fd = openSync(temporary, "w");
      try {
        for (const part of parts) for (let done = 0; done < part.byteLength; ) done += writeSync(fd, part, done);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, join(this.dir, name));
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }

  /** The file's bytes, as a RawArray when it holds one; undefined when it is gone (or cut short while read). */
  read(name: string): Buffer | RawArray | undefined {
    let fd: number;
    try {
      fd = openSync(join(this.dir, name), "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.allocUnsafe(Math.min(size, RAW_HEADER_LENGTH));
      if (!readFully(fd, head, 0)) return undefined;
      if (isRaw(head)) {
        const elements = new ArrayBuffer(size - RAW_HEADER_LENGTH);
        return readFully(fd, new Uint8Array(elements), RAW_HEADER_LENGTH) ? rawArrayOf(head, elements) : undefined;
      }
      const bytes = Buffer.allocUnsafe(size);
      bytes.set(head);
      return readFully(fd, bytes.subarray(head.length), head.length) ? bytes : undefined;
    } finally {
      closeSync(fd);
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

  /** Renames the folder to its name plus `suffix`; returns the new path, or undefined when there is no folder. */
  moveAside(suffix: string): string | undefined {
    try {
      renameSync(this.dir, this.dir + suffix);
      return this.dir + suffix;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
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

/** Fills `into` from the file at `position`; false when the file ends first (it shrank since its size was read). */
function readFully(fd: number, into: Uint8Array, position: number): boolean {
  for (let done = 0; done < into.byteLength; ) {
    const read = readSync(fd, into, done, into.byteLength - done, position + done);
    if (read === 0) return false;
    done += read;
  }
  return true;
}

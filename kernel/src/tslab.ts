// The parts of tslab's internals the kernel is built on (typed here, since they are not tslab's public
// API). They can change in any release, which is why tslab is pinned exactly and checked at load.
import { createRequire } from "node:module";

const PINNED_VERSION = "1.0.22";

export interface Converter {
  /** Adds an in-memory module `<cwd>/<name>.ts`; a root file of the program, so its globals are visible to cells. */
  addModule(name: string, content: string): { messageText: string }[];
  close(): void;
}

export interface ConverterSet {
  readonly node: Converter;
  readonly browser: Converter;
  close(): void;
}

/** What tslab's executor reports through the console it is given: a cell's last value, its errors. */
export interface ExecutorConsole {
  log(value: unknown): void;
  error(message: unknown, ...params: unknown[]): void;
}

export interface Executor {
  /** Compiles and runs a cell; false when it failed to type-check or threw. */
  execute(src: string): Promise<boolean>;
  /** TypeScript quick info at a position (undefined when nothing is there). */
  inspect(src: string, position: number): unknown;
  complete(src: string, position: number): { start: number; end: number; candidates: string[] };
  interrupt(): void;
  close(): void;
  /** The names cells have declared (tslab's `exports` of the cells), by name. */
  locals: Record<string, unknown>;
}

/** A display message's content, as tslab's `display` API builds it. */
export interface DisplayContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

interface TslabModules {
  converter: {
    createConverter(options: { isJS: boolean; isBrowser: boolean }): Converter;
    isCompleteCode(code: string): { completed: boolean; indent?: string };
  };
  executor: { createExecutor(rootDir: string, converters: ConverterSet, console: ExecutorConsole): Executor };
  /** Module state read by tslab's public `display` API: where display messages go. */
  jupyter: { lastWriteDisplayData: ((content: DisplayContent, update: boolean) => void) | null };
  inspect: { printQuickInfo(info: unknown): string };
  /** tslab's TypeScript fork, the instance its converter uses (its `sys` is what module lookup reads). */
  typescript: { version: string; sys: Record<string, unknown> };
}

function load(): TslabModules {
  const require = createRequire(import.meta.url);
  const { version } = require("tslab/package.json") as { version: string };
  if (version !== PINNED_VERSION) {
    throw new Error(`the HyperNodes kernel is built on tslab ${PINNED_VERSION} internals, found tslab ${version}`);
  }
  const fromTslab = createRequire(require.resolve("tslab/dist/converter.js"));
  return {
    converter: require("tslab/dist/converter.js"),
    executor: require("tslab/dist/executor.js"),
    jupyter: require("tslab/dist/jupyter.js"),
    inspect: require("tslab/dist/inspect.js"),
    typescript: fromTslab("@tslab/typescript-for-tslab"),
  };
}

export const tslab = load();
export const TSLAB_VERSION = PINNED_VERSION;

import type { Cache } from "../cache/cache.js";
import type { PipelineCallback } from "../observe/callbacks.js";
import type { Engine } from "./contracts.js";
import { SequentialEngine } from "../engines/sequential-engine.js";
import { checkOptions, TAKES } from "./option-checks.js";

const DEFAULT_OPTIONS = {
  cache: TAKES.either(TAKES.cache, TAKES.function),
  callbacks: TAKES.list("callbacks"),
  engine: TAKES.engine,
  signal: TAKES.function,
};

/** What a pipeline uses when its options leave it out. */
export interface PipelineDefaults {
  /**
   * Used by pipelines created without `cache` (the notebook kernel sets a DiskCache next to the
   * notebook). A function is called when the first such pipeline is created, so nothing is opened
   * for a session that never builds one.
   */
  cache?: Cache | (() => Cache);
  /**
   * Added before a pipeline's own callbacks (the notebook kernel adds its live display); a pipeline's
   * own ProgressCallback replaces a default one.
   */
  callbacks?: readonly PipelineCallback[];
  /** Used by pipelines created without `engine` (SequentialEngine otherwise). */
  engine?: Engine;
  /**
   * Called at every `run`/`map` without a `signal` of its own, for the signal to give it (the notebook
   * kernel's: aborted by Interrupt).
   */
  signal?: () => AbortSignal | undefined;
}

let defaults: PipelineDefaults = {};

/** Sets process-wide defaults for pipelines created from now on (merged into the current ones). */
export function setPipelineDefaults(next: PipelineDefaults): void {
  checkOptions(next, DEFAULT_OPTIONS, "setPipelineDefaults");
  defaults = { ...defaults, ...next };
}

export function pipelineDefaults(): Readonly<PipelineDefaults> {
  return defaults;
}

/** The engine of pipelines created without one: the default set, else a SequentialEngine. */
export function defaultEngine(): Engine {
  return defaults.engine ?? (sequential ??= new SequentialEngine());
}

let sequential: SequentialEngine | undefined;

/** The default cache, creating it on first call when it was given as a function. */
export function defaultCache(): Cache | undefined {
  const { cache } = defaults;
  if (typeof cache !== "function") return cache;
  const created = cache();
  defaults = { ...defaults, cache: created };
  return created;
}

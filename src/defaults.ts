import type { Cache } from "./cache.js";
import type { PipelineCallback } from "./callbacks.js";

/** What a pipeline uses when its options leave it out. */
export interface PipelineDefaults {
  /** Used by pipelines created without `cache` (the notebook kernel sets a DiskCache next to the notebook). */
  cache?: Cache;
  /** Added before a pipeline's own callbacks (the notebook kernel adds its live display). */
  callbacks?: readonly PipelineCallback[];
}

let defaults: PipelineDefaults = {};

/** Sets process-wide defaults for pipelines created from now on (merged into the current ones). */
export function setPipelineDefaults(next: PipelineDefaults): void {
  defaults = { ...defaults, ...next };
}

export function pipelineDefaults(): Readonly<PipelineDefaults> {
  return defaults;
}

import type { Engine, EngineMapOptions, EngineOptions, EngineRunOptions } from "./engine.js";
import { executeMap, executeRun, runStepsInOrder } from "./execution.js";
import type { Pipeline } from "./pipeline.js";

/** Runs nodes one after another in execution order, and map items (or batch calls) one after another. The default engine. */
export class SequentialEngine implements Engine {
  readonly batch: boolean;

  constructor(options: EngineOptions = {}) {
    this.batch = options.batch ?? true;
  }

  run(pipeline: Pipeline<any>, inputs: Record<string, unknown>, options: EngineRunOptions): Promise<Record<string, unknown>> {
    return executeRun(pipeline, inputs, options, runStepsInOrder);
  }

  map(pipeline: Pipeline<any>, inputs: Record<string, unknown>, options: EngineMapOptions): Promise<Record<string, unknown>[]> {
    return executeMap(pipeline, inputs, options, { concurrency: 1, batch: this.batch }) as Promise<
      Record<string, unknown>[]
    >;
  }
}

import type { Engine, EngineMapOptions, EngineOptions, EngineRunOptions, ExecutionTarget } from "../core/contracts.js";
import { executeMap, executeRun, runStepsInOrder } from "../execution/execution.js";
import { checkOptions, ENGINE_OPTIONS } from "../core/option-checks.js";

/** Runs nodes one after another in execution order, and map items (or batch calls) one after another. The default engine. */
export class SequentialEngine implements Engine {
  readonly batch: boolean;

  constructor(options: EngineOptions = {}) {
    checkOptions(options, ENGINE_OPTIONS, "new SequentialEngine");
    this.batch = options.batch ?? true;
  }

  run(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineRunOptions): Promise<Record<string, unknown>> {
    return executeRun(target, inputs, options, runStepsInOrder);
  }

  map(target: ExecutionTarget, inputs: Record<string, unknown>, options: EngineMapOptions): Promise<Record<string, unknown>[]> {
    return executeMap(target, inputs, options, { concurrency: 1, batch: this.batch }) as Promise<
      Record<string, unknown>[]
    >;
  }
}

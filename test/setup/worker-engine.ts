// Runs the shared behaviour suites with WorkerEngine as every pipeline's default engine. The suites'
// nodes count their calls in closures, which cannot reach a worker: those run in the main thread
// ("main-thread"), while self-contained ones (most `(x) => x * 2` nodes) run in the workers.
import { setPipelineDefaults, WorkerEngine } from "hypernodes";

setPipelineDefaults({ engine: new WorkerEngine({ workers: 2, unshippable: "main-thread" }) });

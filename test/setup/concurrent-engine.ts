// Runs the shared behaviour suites with ConcurrentEngine as every pipeline's default engine.
import { ConcurrentEngine, setPipelineDefaults } from "hypernodes";

setPipelineDefaults({ engine: new ConcurrentEngine({ maxConcurrency: 4 }) });

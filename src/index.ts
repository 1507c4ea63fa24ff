export { node, Node, type NodeOptions, type BatchFunction, type NodeOutputs, type NodeInputs, type AnyFunction, type OutputNames } from "./node.js";
export type { HyperNode, OutputsOf, InputsOf } from "./contracts.js";
export {
  Pipeline,
  type PipelineOptions,
  type RunOptions,
  type MapOptions,
  type PipelineOutputs,
  type PipelineInputs,
} from "./pipeline.js";
export { PipelineNode, type AsNodeOptions, type PipelineNodeOutputs } from "./pipeline-node.js";
export type { MapMode } from "./map-plan.js";
export { Graph } from "./graph.js";
export { PipelineCallback, CallbackContext, type CallbackMethods, type CallbackEvent } from "./callbacks.js";
export { ProgressCallback, type ProgressOptions } from "./progress.js";
export { TelemetryCallback, TELEMETRY_ATTRIBUTES, type TelemetryOptions, type SummaryMimeBundle } from "./telemetry.js";
export { SequentialEngine } from "./sequential-engine.js";
export { stateful, Stateful } from "./stateful.js";
export { ConcurrentEngine, type ConcurrentEngineOptions } from "./concurrent-engine.js";
export { WorkerEngine, type WorkerEngineOptions } from "./worker-engine.js";
export { BullMQEngine, type BullMQEngineOptions } from "./bullmq-engine.js";
export { startPipelineWorker, type PipelineWorkerOptions } from "./bullmq-worker.js";
export { ExecutionScope } from "./execution-scope.js";
export type { Engine, EngineOptions, EngineRunOptions, EngineMapOptions, ExecutionTarget, Scope, NestedPipeline } from "./contracts.js";
export type { Cache, CacheStats } from "./cache.js";
export { MemoryCache } from "./memory-cache.js";
export { KeyvCache, type KeyvCacheOptions, type KeyvCacheStore, type StoredSize } from "./keyv-cache.js";
export { DiskCache, type DiskCacheOptions } from "./disk-cache.js";
export { SqliteStore } from "./sqlite-store.js";
export { registerModuleObject, unregisterModuleObject } from "./module-objects.js";
export { setPipelineDefaults, pipelineDefaults, type PipelineDefaults } from "./defaults.js";
export type { NodeExplanation } from "./explain.js";
export {
  HyperNodesError,
  NodeDefinitionError,
  DuplicateOutputError,
  CycleError,
  MissingInputError,
  UnknownOutputError,
  MapInputError,
  MappingError,
  UnhashableValueError,
  UnserializableValueError,
  UnshippableFunctionError,
  CallbackError,
  CacheFileError,
  NodeExecutionError,
} from "./errors.js";
export { visualize, Visualization, renderSvg, DAG_MIME_TYPE, JUPYTER_MIMEBUNDLE, type MimeBundle } from "./viz.js";
export type { VizOptions, VizModel, VizNode, VizNodeKind, VizEdge, NodeState, NodeStatus, ItemCounts, RunStatus } from "./viz-model.js";
export { DagStatusCallback, type DagStatusOptions, type DagStatusListener } from "./dag-status.js";

export { node, Node, type NodeOptions, type BatchFunction, type NodeOutputs, type NodeInputs, type AnyFunction, type OutputNames } from "./core/node.js";
export type { HyperNode, OutputsOf, InputsOf } from "./core/contracts.js";
export {
  Pipeline,
  type PipelineOptions,
  type RunOptions,
  type MapOptions,
  type PipelineOutputs,
  type PipelineInputs,
  type PipelineMapInputs,
} from "./core/pipeline.js";
export { PipelineNode, type AsNodeOptions, type PipelineNodeOutputs } from "./core/pipeline-node.js";
export type { MapMode } from "./core/map-plan.js";
export { Graph } from "./core/graph.js";
export { PipelineCallback, CallbackContext, type CallbackMethods, type CallbackEvent } from "./observe/callbacks.js";
export { ProgressCallback, type ProgressOptions } from "./observe/progress.js";
export { TelemetryCallback, TELEMETRY_ATTRIBUTES, type TelemetryOptions, type SummaryMimeBundle } from "./observe/telemetry.js";
export { TELEMETRY_MIME_TYPE, type TimelineModel, type TimelineRow, type TimelineRowKind, type TimelineTotal, type DurationStats } from "./notebook/notebook-protocol.js";
export { SequentialEngine } from "./engines/sequential-engine.js";
export { stateful, Stateful } from "./core/stateful.js";
export { ConcurrentEngine, type ConcurrentEngineOptions } from "./engines/concurrent-engine.js";
export { WorkerEngine, type WorkerEngineOptions } from "./engines/worker/worker-engine.js";
export { BullMQEngine, type BullMQEngineOptions } from "./engines/bullmq/bullmq-engine.js";
export { startPipelineWorker, type PipelineWorkerOptions } from "./engines/bullmq/bullmq-worker.js";
export { ExecutionScope, type CallControl } from "./execution/execution-scope.js";
export type { Engine, EngineOptions, EngineRunOptions, EngineMapOptions, ExecutionTarget, Scope, NestedPipeline } from "./core/contracts.js";
export type { Cache, CacheStats, Pruned, PruneOptions } from "./cache/cache.js";
export { MemoryCache } from "./cache/memory-cache.js";
export { KeyvCache, type KeyvCacheOptions, type KeyvCacheStore, type StoredSize } from "./cache/keyv-cache.js";
export { DiskCache, type DiskCacheOptions } from "./cache/disk-cache.js";
export { SqliteStore } from "./cache/sqlite-store.js";
export { registerModuleObject, unregisterModuleObject } from "./identity/module-objects.js";
export { setPipelineDefaults, pipelineDefaults, type PipelineDefaults } from "./core/defaults.js";
export type { NodeExplanation } from "./core/explain.js";
export {
  HyperNodesError,
  NodeDefinitionError,
  DuplicateOutputError,
  CycleError,
  MissingInputError,
  UnknownOutputError,
  UnknownInputError,
  MapInputError,
  MappingError,
  UnhashableValueError,
  UnserializableValueError,
  UnshippableFunctionError,
  CallbackError,
  CacheFileError,
  NodeExecutionError,
  AbortError,
  TimeoutError,
} from "./core/errors.js";
export { currentSignal } from "./execution/cancellation.js";
export { table, Table, isRecords, withInputs, type TableOptions } from "./notebook/table.js";
export { TABLE_MIME_TYPE, type TableMimeData, type TableColumn, type TableCell } from "./notebook/notebook-protocol.js";
export { chart, heatmap, Chart, VEGALITE_MIME_TYPE, type ChartEncoding, type ChartChannel, type ChartFieldDef, type ChartMark, type ChartMimeBundle, type FieldShorthand, type AggregateOp, type HeatmapMatrix, type HeatmapOptions, type VegaLiteSpec } from "./notebook/chart.js";
export { visualize, Visualization, renderSvg, DAG_MIME_TYPE, JUPYTER_MIMEBUNDLE, type MimeBundle, type SaveOptions } from "./viz/viz.js";
export type { VizOptions, VizModel, VizNode, VizNodeKind, VizEdge, NodeState, NodeStatus, ItemCounts, RunStatus } from "./viz/viz-model.js";
export { DagStatusCallback, type DagStatusOptions, type DagStatusListener } from "./observe/dag-status.js";

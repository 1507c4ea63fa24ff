// Browser-safe part of hypernodes (`hypernodes/browser`), for notebook front ends: our MIME types
// and their data, and redrawing a DAG from the dag+json data (another view of the full model, its
// DOT) without Node's modules.
export { DAG_MIME_TYPE, PROGRESS_MIME_TYPE } from "./mime-types.js";
export { modelToDot, clusterId, liftClusterTitles } from "./viz-dot.js";
export { viewModel, expandedToDepth } from "./viz-view.js";
export type { DagMimeData } from "./viz.js";
export type { ProgressMimeData } from "./progress-notebook.js";
export type { ProgressRow } from "./progress.js";
export type { VizModel, VizNode, VizEdge, NodeState, NodeStatus, ItemCounts, RunStatus, ResolvedVizOptions } from "./viz-model.js";

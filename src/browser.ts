// Browser-safe part of hypernodes (`hypernodes/browser`), for notebook front ends and the kernel: the
// notebook protocol (our MIME types and their data, the kernel's symbols, the hypernodes comm's
// requests and answers), how a progress row, a telemetry timeline and a table's cells read, the run palette, and
// redrawing a DAG from the dag+json data (another view of the full model, its DOT) without Node's modules.
export * from "./notebook/notebook-protocol.js";
export {
  BAR_WIDTH,
  RATE_AFTER_MS,
  barSegments,
  formatDuration,
  rowParts,
  rowText,
  textBar,
  type BarSegments,
  type ProgressRow,
  type RowParts,
} from "./notebook/progress-format.js";
export { escapeHtml } from "./notebook/html.js";
export { alignsRight, columnDecimals, formatCell } from "./notebook/table-format.js";
export { figureTone, rowError, rowFigures, rowLabel, rowTooltip, timeAxis, timelineHeader, type TimeAxis } from "./notebook/timeline-format.js";
export { BAR_COLORS, STATE_COLORS, progressColors, type ProgressColors, type Swatch, type ThemeName } from "./notebook/palette.js";
export { modelToDot, clusterId, clusterTitleId, liftClusterTitles, legendEntries, type LegendEntry } from "./viz/viz-dot.js";
export { viewModel, expandedToDepth } from "./viz/viz-view.js";
export type { ResolvedVizOptions } from "./viz/viz-model.js";

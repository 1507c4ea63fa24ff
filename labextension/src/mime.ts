// The mime renderers (a JupyterLab mimeExtension): our DAG, progress, telemetry and table outputs win over the
// kernel's SVG/HTML/text fallbacks, which other front ends keep showing.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { DAG_MIME_TYPE, PROGRESS_MIME_TYPE, TABLE_MIME_TYPE, TELEMETRY_MIME_TYPE } from "hypernodes/browser";
import { DagRenderer } from "./dag-renderer";
import { ProgressRenderer } from "./progress-renderer";
import { TableRenderer } from "./table-renderer";
import { TimelineRenderer } from "./timeline-renderer";

// Ahead of the standard renderers (HTML 50, SVG 80): lower ranks are preferred.
const RANK = 10;

export const dagRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [DAG_MIME_TYPE],
  defaultRank: RANK,
  createRenderer: () => new DagRenderer(),
};

export const progressRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [PROGRESS_MIME_TYPE],
  defaultRank: RANK,
  createRenderer: () => new ProgressRenderer(),
};

export const timelineRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [TELEMETRY_MIME_TYPE],
  defaultRank: RANK,
  createRenderer: () => new TimelineRenderer(),
};

export const tableRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [TABLE_MIME_TYPE],
  defaultRank: RANK,
  createRenderer: () => new TableRenderer(),
};

const extensions: IRenderMime.IExtension[] = [
  { id: "hypernodes-jupyterlab:dag", rendererFactory: dagRendererFactory, rank: RANK, dataType: "json" },
  { id: "hypernodes-jupyterlab:progress", rendererFactory: progressRendererFactory, rank: RANK, dataType: "json" },
  { id: "hypernodes-jupyterlab:telemetry", rendererFactory: timelineRendererFactory, rank: RANK, dataType: "json" },
  { id: "hypernodes-jupyterlab:table", rendererFactory: tableRendererFactory, rank: RANK, dataType: "json" },
];

export default extensions;

// The colours of a run, light and dark, wherever it is drawn: node states on the DAG (viz-dot.ts, so
// also the JupyterLab DAG renderer), progress bars (the notebook's HTML, the JupyterLab progress
// renderer) and telemetry's bars. Browser-safe: exported through `hypernodes/browser`.
import type { NodeState } from "./notebook-protocol.js";

export type ThemeName = "light" | "dark";

export interface Swatch {
  fill: string;
  line: string;
}

/** A node's fill and outline in each state it can be drawn in; a bar's part in that state takes the outline. */
export const STATE_COLORS: Record<ThemeName, Record<Exclude<NodeState, "pending">, Swatch>> = {
  light: {
    running: { fill: "#fef3c7", line: "#d97706" },
    done: { fill: "#dcfce7", line: "#16a34a" },
    cached: { fill: "#ccfbf1", line: "#0d9488" },
    failed: { fill: "#fee2e2", line: "#dc2626" },
  },
  dark: {
    running: { fill: "#4a3410", line: "#f59e0b" },
    done: { fill: "#163823", line: "#22c55e" },
    cached: { fill: "#123834", line: "#2dd4bf" },
    failed: { fill: "#4c1d1d", line: "#f87171" },
  },
};

/** A bar where no state applies (work in progress, telemetry's time per node), and its empty track. */
export const BAR_COLORS: Record<ThemeName, { fill: string; track: string }> = {
  light: { fill: "#6366f1", track: "#e5e7eb" },
  dark: { fill: "#818cf8", track: "#374151" },
};

/** A progress bar's parts: items that ran (done once the bar is complete), cached, failed; the track. */
export interface ProgressColors {
  ran: string;
  done: string;
  cached: string;
  failed: string;
  track: string;
}

export function progressColors(theme: ThemeName): ProgressColors {
  const state = STATE_COLORS[theme];
  const bar = BAR_COLORS[theme];
  return { ran: bar.fill, done: state.done.line, cached: state.cached.line, failed: state.failed.line, track: bar.track };
}

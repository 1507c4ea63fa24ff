// The controls above a DAG: fit and zoom, expand or collapse every nested pipeline, download, and
// a legend of what the colours and shapes mean.
import { legendEntries, type LegendEntry, type ThemeName, type VizModel } from "hypernodes/browser";

export interface DagActions {
  fit(): void;
  zoomBy(factor: number): void;
  expandAll(expand: boolean): void;
  download(format: "svg" | "png"): void;
}

const ZOOM_STEP = 1.25;

export class DagToolbar {
  readonly element = document.createElement("div");
  readonly legend = document.createElement("div");
  readonly #nested: HTMLElement[];
  readonly #legendButton: HTMLElement;

  constructor(actions: DagActions) {
    this.element.className = "hn-dag-toolbar";
    this.legend.className = "hn-dag-legend";
    this.legend.hidden = true;
    const button = (label: string, title: string, onClick: () => void) => {
      const b = Object.assign(document.createElement("button"), { type: "button", textContent: label, title, className: "hn-dag-button" });
      b.setAttribute("aria-label", title);
      b.onclick = (e) => (e.stopPropagation(), onClick());
      return b;
    };
    this.#nested = [
      button("Expand all", "Expand every nested pipeline", () => actions.expandAll(true)),
      button("Collapse all", "Collapse every nested pipeline", () => actions.expandAll(false)),
    ];
    const legendButton = button("Legend", "Show what the colours and shapes mean", () => this.showLegend(this.legend.hidden));
    legendButton.setAttribute("aria-pressed", "false");
    this.#legendButton = legendButton;
    this.element.append(
      button("Fit", "Fit the whole DAG (undo pan and zoom)", actions.fit),
      button("+", "Zoom in (or Ctrl/⌘ + wheel)", () => actions.zoomBy(ZOOM_STEP)),
      button("−", "Zoom out (or Ctrl/⌘ + wheel)", () => actions.zoomBy(1 / ZOOM_STEP)),
      ...this.#nested,
      legendButton,
      button("SVG", "Download as SVG", () => actions.download("svg")),
      button("PNG", "Download as PNG", () => actions.download("png")),
    );
  }

  /**
   * Expand and collapse all are offered only for a pipeline with nested pipelines. The legend lists
   * what the view drawn shows (everything for an output that carries no model).
   */
  update(hasNested: boolean, theme: ThemeName, view?: VizModel): void {
    for (const b of this.#nested) b.hidden = !hasNested;
    this.legend.replaceChildren(...legendEntries(theme, view).map(legendItem));
  }

  /** Shows or hides the legend, as its button does. */
  showLegend(visible: boolean): void {
    this.legend.hidden = !visible;
    this.#legendButton.setAttribute("aria-pressed", String(visible));
  }
}

function legendItem(entry: LegendEntry): HTMLElement {
  const item = document.createElement("span");
  item.className = "hn-dag-legend-item";
  const swatch = document.createElement("span");
  swatch.className = `hn-dag-swatch hn-dag-swatch-${entry.shape}`;
  swatch.style.background = entry.fill;
  // A nested pipeline's double outline: CSS draws a double border from 3px.
  swatch.style.border = entry.double ? `3px double ${entry.line}` : `1.5px ${entry.dashed ? "dashed" : "solid"} ${entry.line}`;
  item.append(swatch, entry.label);
  return item;
}

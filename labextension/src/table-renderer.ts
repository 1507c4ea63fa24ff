// Renders our table+json output (a map's results, `table(rows)`) as a notebook data table: columns
// sorted by a click on their header (ascending, descending, back to the original order), numbers
// right-aligned and rounded as the kernel's HTML and text fallbacks round them (table-format.ts in
// hypernodes/browser; the full value on hover), a map's inputs set apart from its outputs, rows served
// from the cache marked ✓, long tables paged with only the current page's rows in the page, a sticky
// header, the title as caption, and a note when the output holds fewer rows than there were records.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { alignsRight, columnDecimals, formatCell, STATE_COLORS, TABLE_MIME_TYPE, type TableColumn, type TableMimeData } from "hypernodes/browser";
import { element } from "./dom";
import { sortedOrder, type SortDirection } from "./table-order";
import { labTheme, watchTheme } from "./theme";

/** Page sizes a reader can choose from (with the output's own). */
const PAGE_SIZES = [10, 20, 50, 100, 500];

const CACHED_TIP = "served from the cache";

const count = (n: number) => n.toLocaleString("en");

interface Sort {
  column: string;
  direction: SortDirection;
}

export class TableRenderer extends Widget implements IRenderMime.IRenderer {
  readonly #unwatchTheme: () => void;
  #data: TableMimeData = { columns: [], rows: [], total: 0, pageSize: 20, digits: 4 };
  #decimals: number[] = [];
  #cached = new Set<number>();
  /** The reader's sort and page size, kept across updates of the output. */
  #sort: Sort | undefined;
  #pageSize: number | undefined;
  #page = 0;
  /** Sorted row orders, by column index and direction, for this data. */
  #orders = new Map<string, number[]>();
  #headers: HTMLElement[] = [];
  readonly #body = element("tbody", "");
  readonly #range = element("span", "hn-datatable-range");
  readonly #pager = element("span", "hn-datatable-pager");
  readonly #pageLabel = element("span", "hn-datatable-page");
  readonly #buttons: Record<"first" | "prev" | "next" | "last", HTMLButtonElement>;
  readonly #pageSizes = document.createElement("select");

  constructor() {
    super();
    this.addClass("hn-datatable");
    this.#buttons = {
      first: pagerButton("«", "First page", () => this.#goTo(0)),
      prev: pagerButton("‹ prev", "Previous page", () => this.#goTo(this.#page - 1)),
      next: pagerButton("next ›", "Next page", () => this.#goTo(this.#page + 1)),
      last: pagerButton("»", "Last page", () => this.#goTo(Infinity)),
    };
    this.#pageSizes.className = "hn-datatable-page-size";
    this.#pageSizes.setAttribute("aria-label", "Rows per page");
    this.#pageSizes.addEventListener("change", () => {
      // The first row shown stays on the page shown.
      const first = this.#page * this.#size();
      this.#pageSize = Number(this.#pageSizes.value);
      this.#goTo(Math.floor(first / this.#pageSize));
    });
    const sizes = element("label", "hn-datatable-sizes", "rows per page ");
    sizes.append(this.#pageSizes);
    const { first, prev, next, last } = this.#buttons;
    this.#pager.append(first, prev, this.#pageLabel, next, last, sizes);
    this.#applyColors();
    this.#unwatchTheme = watchTheme(() => this.#applyColors());
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[TABLE_MIME_TYPE] as unknown as TableMimeData;
    this.#data = data;
    const { columns, rows, digits } = data;
    // Over every row, not a page's: a column keeps its decimals across pages and sorts.
    this.#decimals = columns.map((column, c) => columnDecimals(column, rows.map((row) => row[c] ?? null), digits));
    this.#cached = new Set(data.cached);
    this.#orders.clear();
    if (this.#sort && !columns.some((c) => c.name === this.#sort!.column)) this.#sort = undefined;

    const table = element("table", "hn-datatable-table");
    table.classList.toggle("hn-datatable-has-cached", this.#cached.size > 0);
    if (data.title) table.append(element("caption", "hn-datatable-caption", data.title));
    const head = element("tr", "");
    const corner = element("th", "hn-datatable-index");
    corner.setAttribute("scope", "col");
    corner.setAttribute("aria-label", "row");
    head.append(corner);
    const classes = columnClasses(columns);
    this.#headers = columns.map((column, c) => {
      const th = element("th", classes[c]!);
      th.setAttribute("scope", "col");
      const button = element("button", "hn-datatable-sort") as HTMLButtonElement;
      button.type = "button";
      button.append(element("span", "hn-datatable-name", column.name), element("span", "hn-datatable-arrow"));
      button.addEventListener("click", () => this.#sortBy(column.name));
      th.append(button);
      head.append(th);
      return th;
    });
    const thead = element("thead", "");
    thead.append(head);
    table.append(thead, this.#body);
    const scroll = element("div", "hn-datatable-scroll");
    scroll.append(table);

    const footer = element("div", "hn-datatable-footer");
    footer.append(this.#range);
    if (this.#cached.size) {
      const cached = element("span", "hn-datatable-cached-count");
      cached.append(element("span", "hn-datatable-mark", "✓"), ` ${count(this.#cached.size)} from the cache`);
      cached.title = `rows ${CACHED_TIP}: no node ran for them`;
      footer.append(cached);
    }
    if (rows.length < data.total) {
      footer.append(
        element("span", "hn-datatable-cut", `This output holds the first ${count(rows.length)} of ${count(data.total)} rows: sorting and paging apply to those.`),
      );
    }
    footer.append(this.#pager);
    this.node.replaceChildren(scroll, footer);
    this.#fillPageSizes();
    this.#updateHeaders();
    this.#goTo(this.#page);
    return Promise.resolve();
  }

  /** A click on a column's header: ascending, then descending, then the original order. */
  #sortBy(column: string): void {
    const sort = this.#sort;
    if (sort?.column !== column) this.#sort = { column, direction: "ascending" };
    else if (sort.direction === "ascending") this.#sort = { column, direction: "descending" };
    else this.#sort = undefined;
    this.#updateHeaders();
    this.#goTo(0);
  }

  #updateHeaders(): void {
    this.#data.columns.forEach((column, c) => {
      const th = this.#headers[c]!;
      const direction = this.#sort?.column === column.name ? this.#sort.direction : undefined;
      th.setAttribute("aria-sort", direction ?? "none");
      th.querySelector(".hn-datatable-arrow")!.textContent = direction === "ascending" ? "▲" : direction === "descending" ? "▼" : "";
      const next = direction === undefined ? "sort ascending" : direction === "ascending" ? "sort descending" : "back to the original order";
      const what = column.input ? `${column.name} (a value the map's items were given)` : column.name;
      th.querySelector("button")!.title = `${what}: click to ${next}`;
    });
  }

  /** The row indices in the order shown. */
  #order(): number[] | undefined {
    if (!this.#sort) return undefined;
    const c = this.#data.columns.findIndex((column) => column.name === this.#sort!.column);
    const key = `${c} ${this.#sort.direction}`;
    let order = this.#orders.get(key);
    if (!order) this.#orders.set(key, (order = sortedOrder(this.#data.rows, c, this.#data.columns[c]!.kind, this.#sort.direction)));
    return order;
  }

  #size(): number {
    return this.#pageSize ?? this.#data.pageSize;
  }

  /** Shows page `page` (clamped): its rows only, whatever the table's length. */
  #goTo(page: number): void {
    const { columns, rows, digits } = this.#data;
    const size = this.#size();
    const pages = Math.max(1, Math.ceil(rows.length / size));
    this.#page = Math.min(Math.max(0, page), pages - 1);
    const start = this.#page * size;
    const end = Math.min(rows.length, start + size);
    const order = this.#order();
    const classes = columnClasses(columns);
    const fragment = document.createDocumentFragment();
    for (let k = start; k < end; k++) {
      const i = order ? order[k]! : k;
      const tr = element("tr", "");
      const index = element("th", "hn-datatable-index", String(i));
      index.setAttribute("scope", "row");
      if (this.#cached.has(i)) {
        tr.className = "hn-datatable-cached";
        index.title = CACHED_TIP;
        const mark = element("span", "hn-datatable-mark", "✓");
        mark.setAttribute("role", "img");
        mark.setAttribute("aria-label", CACHED_TIP);
        index.append(mark);
      }
      tr.append(index);
      const row = rows[i]!;
      for (let c = 0; c < columns.length; c++) {
        const cell = row[c] ?? null;
        const td = element("td", classes[c]!, formatCell(cell, this.#decimals[c]!, digits));
        if (typeof cell === "number") td.title = String(cell);
        else if (typeof cell === "string" && cell.length > 40) td.title = cell;
        tr.append(td);
      }
      fragment.append(tr);
    }
    this.#body.replaceChildren(fragment);

    // Paged, or the reader chose a page size that shows it whole.
    const paged = rows.length > Math.min(size, this.#data.pageSize);
    this.#range.textContent =
      rows.length === 0 ? "no rows" : pages > 1 ? `rows ${count(start + 1)}–${count(end)} of ${count(rows.length)}` : `${count(rows.length)} row${rows.length === 1 ? "" : "s"}`;
    this.#pager.hidden = !paged;
    this.#pageLabel.textContent = `page ${count(this.#page + 1)} of ${count(pages)}`;
    const { first, prev, next, last } = this.#buttons;
    first.disabled = prev.disabled = this.#page === 0;
    next.disabled = last.disabled = this.#page === pages - 1;
  }

  #fillPageSizes(): void {
    const size = this.#size();
    const sizes = [...new Set([...PAGE_SIZES, this.#data.pageSize, size])].sort((a, b) => a - b);
    this.#pageSizes.replaceChildren(...sizes.map((n) => new Option(count(n), String(n), false, n === size)));
  }

  /** The cache's colour of the run palette (the DAG's cached nodes, the progress bars' cached part), for the lab's theme. */
  #applyColors(): void {
    const cached = STATE_COLORS[labTheme()].cached;
    this.node.style.setProperty("--hn-datatable-cached", cached.line);
    this.node.style.setProperty("--hn-datatable-cached-fill", cached.fill);
  }

  override dispose(): void {
    this.#unwatchTheme();
    super.dispose();
  }
}

/**
 * Each column's cells' classes: numbers right-aligned; a map's inputs (the values its items were
 * given) set apart from the outputs after them by a rule.
 */
function columnClasses(columns: readonly TableColumn[]): string[] {
  const lastInput = columns.reduce((last, column, c) => (column.input ? c : last), -1);
  return columns.map((column, c) =>
    [alignsRight(column) && "hn-datatable-number", column.input && "hn-datatable-input", c === lastInput && c < columns.length - 1 && "hn-datatable-last-input"]
      .filter(Boolean)
      .join(" "),
  );
}

function pagerButton(text: string, label: string, onClick: () => void): HTMLButtonElement {
  const button = element("button", "hn-datatable-pager-button", text) as HTMLButtonElement;
  button.type = "button";
  button.title = label;
  button.setAttribute("aria-label", label);
  button.addEventListener("click", onClick);
  return button;
}

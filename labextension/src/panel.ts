// The HyperNodes side panel: for the current notebook's kernel, the session's pipelines, the cache
// (entries, size, node executions and cache hits this session) and actions — show a pipeline's DAG,
// explain what its next run would recompute and why, clear the cache. Other kernels get a clear
// "not a HyperNodes kernel" message. A refresh (every second while a cell runs) updates it in place:
// rows and buttons stay the same elements, so a click, the hover and the focus survive it.
import { Dialog, showDialog, type ISessionContext } from "@jupyterlab/apputils";
import type { KernelMessage } from "@jupyterlab/services";
import { Widget } from "@lumino/widgets";
import { DAG_MIME_TYPE, type PipelineInfo, type SharedEntries, type SharedNodes } from "hypernodes/browser";
import { DagRenderer } from "./dag-renderer";
import { HypernodesClient, NotHypernodesKernel } from "./kernel-client";
import { element } from "./dom";

/** How often a shown panel re-reads the numbers of a running cell (the kernel answers them during the cell). */
const LIVE_MS = 1000;

/** How many node names a confirmation lists for one pipeline before "and N more". */
const NAMES_SHOWN = 4;

export class HypernodesPanel extends Widget {
  readonly #status = element("div", "hn-panel-status");
  readonly #cache = element("div", "hn-panel-cache");
  /** The figures of the cache and the session, each a value element updated in place. */
  readonly #figures = { entries: figure("entries"), size: figure("size"), executed: figure("executed"), cached: figure("cached") };
  readonly #pipelinesHeading = element("h3", "", "Pipelines");
  readonly #pipelines = element("ul", "hn-panel-pipelines");
  /** Each listed pipeline's row, by name: kept across refreshes. */
  readonly #rows = new Map<string, { item: HTMLElement; summary: HTMLElement }>();
  readonly #noPipelines = element("li", "hn-panel-muted", "No pipeline in this notebook's variables yet.");
  readonly #detail = element("div", "hn-panel-detail");
  #context: ISessionContext | null = null;
  #client: Promise<HypernodesClient> | undefined;
  #dag: DagRenderer | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** While a cell runs and the panel is shown: its live numbers, re-read every LIVE_MS. */
  #liveTimer: ReturnType<typeof setInterval> | undefined;
  /** The pipelines listed last, for the commands' pickers. */
  pipelines: PipelineInfo[] = [];

  constructor() {
    super();
    this.id = "hypernodes-panel";
    this.addClass("hn-panel");
    this.title.caption = "HyperNodes";
    const heading = element("h2", "hn-panel-heading", "HyperNodes");
    const cacheHead = element("div", "hn-panel-section-head");
    cacheHead.append(element("h3", "", "Cache"), button("Clear all", () => void this.clearCache()));
    const f = this.#figures;
    this.#cache.append(
      cacheHead,
      figures(["Entries", f.entries], ["Size", f.size]),
      element("h3", "", "This session"),
      figures(["Nodes executed", f.executed], ["Nodes from cache", f.cached]),
    );
    this.#cache.hidden = this.#pipelinesHeading.hidden = true;
    this.node.append(heading, this.#status, this.#cache, this.#pipelinesHeading, this.#pipelines, this.#detail);
  }

  /** Follows a notebook's kernel (null: no notebook open). */
  setContext(context: ISessionContext | null): void {
    if (context === this.#context) return;
    this.#context?.iopubMessage.disconnect(this.#onIopub, this);
    this.#context?.kernelChanged.disconnect(this.#onKernelChanged, this);
    this.#context = context;
    this.#stopLive();
    context?.iopubMessage.connect(this.#onIopub, this);
    context?.kernelChanged.connect(this.#onKernelChanged, this);
    this.#onKernelChanged();
  }

  protected override onAfterShow(): void {
    this.#scheduleRefresh();
  }

  protected override onAfterHide(): void {
    this.#stopLive();
  }

  /** Re-reads pipelines and cache from the kernel. */
  async refresh(): Promise<void> {
    const client = await this.#connected();
    if (!client) return;
    const [session, pipelines] = await Promise.all([client.session(), client.pipelines()]);
    this.pipelines = pipelines;
    this.#cache.hidden = this.#pipelinesHeading.hidden = false;
    const { cache, stats } = session;
    const f = this.#figures;
    setText(f.entries, cache ? count(cache.entries) : "none");
    setText(f.size, cache ? formatBytes(cache.bytes) : "none");
    setText(f.executed, count(stats.executed));
    setText(f.cached, count(stats.cached));
    this.#listPipelines(pipelines);
  }

  /** Updates the list to these pipelines: their rows kept, added or removed, in this order. */
  #listPipelines(pipelines: PipelineInfo[]): void {
    const names = new Set(pipelines.map((p) => p.name));
    for (const name of this.#rows.keys()) if (!names.has(name)) this.#rows.delete(name);
    const items = pipelines.length ? pipelines.map((p) => this.#row(p)) : [this.#noPipelines];
    // Only what is out of place moves (a moved element loses focus); what is left over goes.
    items.forEach((item, i) => {
      if (this.#pipelines.children[i] !== item) this.#pipelines.insertBefore(item, this.#pipelines.children[i] ?? null);
    });
    while (this.#pipelines.children.length > items.length) this.#pipelines.lastElementChild!.remove();
  }

  /** A pipeline's row, made on first sight, its summary brought up to date. */
  #row(p: PipelineInfo): HTMLElement {
    let row = this.#rows.get(p.name);
    if (!row) {
      const item = element("li", "hn-panel-pipeline");
      item.dataset.pipeline = p.name;
      const actions = element("div", "hn-panel-actions");
      actions.append(
        button("DAG", () => void this.showDag(p.name)),
        button("Explain", () => void this.explain(p.name)),
        button("Clear", () => void this.clearCache(p.name)),
      );
      row = { item, summary: element("span", "hn-panel-muted hn-panel-pipeline-summary") };
      item.append(element("span", "hn-panel-pipeline-name", p.name), row.summary, actions);
      this.#rows.set(p.name, row);
    }
    setText(row.summary, `${p.nodes} node${p.nodes === 1 ? "" : "s"} · ${p.inputs.join(", ") || "no inputs"}`);
    return row.item;
  }

  async showDag(name: string): Promise<void> {
    const client = await this.#connected();
    if (!client) return;
    const dag = await client.dag(name);
    this.#dag?.dispose();
    this.#dag = new DagRenderer();
    this.#detail.replaceChildren(element("h3", "", `DAG of ${name}`), this.#dag.node);
    await this.#dag.renderModel({ data: { [DAG_MIME_TYPE]: dag as any }, metadata: {}, trusted: true, setData: () => {} });
  }

  async explain(name: string): Promise<void> {
    const client = await this.#connected();
    if (!client) return;
    const heading = element("h3", "", `Next run of ${name}`);
    try {
      const rows = await client.explain(name);
      const table = element("table", "hn-panel-explain");
      for (const r of rows) {
        const tr = element("tr", `hn-explain-${r.status}`);
        tr.append(element("td", "", r.node), element("td", "", r.status === "hit" ? "cached" : r.status === "miss" ? "recompute" : "always runs"), element("td", "hn-panel-muted", r.reason ?? ""));
        table.append(tr);
      }
      this.#detail.replaceChildren(heading, table);
    } catch (error) {
      this.#detail.replaceChildren(heading, element("p", "hn-panel-muted", (error as Error).message));
    }
  }

  /**
   * Clears one pipeline's cache entries, or without a name the whole cache. Other pipelines running
   * some of its nodes lose those entries too: the reader confirms that first, and the result says it.
   */
  async clearCache(name?: string): Promise<void> {
    const client = await this.#connected();
    if (!client) return;
    if (name !== undefined) {
      const shared = await client.shared(name);
      if (shared.length && !(await confirmClear(name, shared))) return;
    }
    const { cleared, shared = [] } = await client.clear(name);
    this.#detail.replaceChildren(clearedLine(cleared, name, shared));
    await this.refresh();
  }

  /** The client of the current kernel, or undefined after showing why there is none. */
  async #connected(): Promise<HypernodesClient | undefined> {
    const kernel = this.#context?.session?.kernel;
    if (!kernel) {
      this.#show("Open a notebook on the HyperNodes (TypeScript) kernel.");
      return undefined;
    }
    this.#client ??= HypernodesClient.connect(kernel);
    try {
      const client = await this.#client;
      setText(this.#status, `Kernel: ${this.#context!.kernelDisplayName}`);
      this.#status.classList.remove("hn-panel-warning");
      return client;
    } catch (error) {
      this.#client = undefined;
      const message =
        error instanceof NotHypernodesKernel
          ? `Not a HyperNodes kernel: ${this.#context!.kernelDisplayName} does not answer HyperNodes requests. Switch the notebook to "HyperNodes (TypeScript)".`
          : `The kernel did not answer: ${(error as Error).message}`;
      this.#show(message);
      return undefined;
    }
  }

  #show(message: string): void {
    this.#status.textContent = message;
    this.#status.classList.add("hn-panel-warning");
    this.#cache.hidden = this.#pipelinesHeading.hidden = true;
    this.#rows.clear();
    this.#pipelines.replaceChildren();
    this.#detail.replaceChildren();
    this.pipelines = [];
  }

  #onKernelChanged(): void {
    void this.#client?.then((c) => c.dispose(), () => undefined);
    this.#client = undefined;
    this.#scheduleRefresh();
  }

  /**
   * Cells are what change the session: while one runs the panel (if shown) re-reads its live numbers,
   * and once it ends, its pipelines. The kernel's status for anything else (the panel's own requests
   * among them) changes nothing, so reading it never starts another read.
   */
  #onIopub(_: ISessionContext, msg: KernelMessage.IMessage): void {
    if (msg.header.msg_type !== "status" || msg.parent_header.msg_type !== "execute_request") return;
    const state = (msg as KernelMessage.IStatusMsg).content.execution_state;
    if (state === "busy" && this.isVisible && this.#liveTimer === undefined) {
      this.#liveTimer = setInterval(() => this.#scheduleRefresh(), LIVE_MS);
    } else if (state === "idle") {
      this.#stopLive();
      this.#scheduleRefresh();
    }
  }

  #stopLive(): void {
    clearInterval(this.#liveTimer);
    this.#liveTimer = undefined;
  }

  #scheduleRefresh(): void {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => void this.refresh().catch((e: Error) => this.#show(e.message)), 300);
  }
}

/** Sets an element's text only when it changed: a refresh that changes nothing touches nothing. */
function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** The element showing one figure (`data-stat` names it for tests and user styles). */
function figure(stat: string): HTMLElement {
  const el = element("dd", "hn-panel-figure");
  el.dataset.stat = stat;
  return el;
}

/** Label/value pairs, a grid: labels left, numbers right-aligned. */
function figures(...pairs: [string, HTMLElement][]): HTMLElement {
  const list = element("dl", "hn-panel-figures");
  for (const [label, value] of pairs) list.append(element("dt", "hn-panel-muted", label), value);
  return list;
}

function count(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString() : "unknown";
}

function entries(n: number): string {
  return `${count(n)} cache ${n === 1 ? "entry" : "entries"}`;
}

function code(name: string): HTMLElement {
  return element("code", "hn-panel-code", name);
}

/** Asks before clearing entries other pipelines use; resolves to the reader's yes. */
async function confirmClear(name: string, shared: SharedNodes[]): Promise<boolean> {
  const body = element("div", "hn-panel-confirm");
  const list = element("ul", "");
  for (const { pipeline, nodes } of shared) {
    const more = nodes.length - NAMES_SHOWN;
    const item = element("li", "");
    item.append(code(pipeline), `: ${nodes.slice(0, more > 1 ? NAMES_SHOWN : undefined).join(", ")}${more > 1 ? ` and ${more} more` : ""}`);
    list.append(item);
  }
  const intro = element("p", "");
  intro.append("These pipelines run some of the nodes of ", code(name), " with the same code on the same cache. Clearing deletes those nodes' results for them too:");
  body.append(intro, list);
  const result = await showDialog({
    title: `Clear the cache of ${name}?`,
    body: new Widget({ node: body }),
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: "Clear" })],
    defaultButton: 0, // Enter keeps the entries
  });
  return result.button.accept;
}

/** "Cleared 12 cache entries of `scoring` (4 of them were also used by `eval`, all 12 by `nested`)." */
function clearedLine(cleared: number, name: string | undefined, shared: SharedEntries[]): HTMLElement {
  const line = element("p", "hn-panel-result", `Cleared ${entries(cleared)}`);
  if (name !== undefined) line.append(" of ", code(name));
  const users = shared.filter((s) => s.entries > 0);
  if (users.length) {
    line.append(cleared === 1 ? " (it was also used by " : " (");
    users.forEach((s, i) => {
      const n = s.entries === cleared ? `all ${count(cleared)}` : count(s.entries);
      if (cleared > 1) line.append(i ? `, ${n} by ` : `${n} of them were also used by `);
      else if (i) line.append(", ");
      line.append(code(s.pipeline));
    });
    line.append(")");
  }
  line.append(".");
  return line;
}

function button(label: string, onClick: () => void): HTMLElement {
  const el = element("button", "jp-Button jp-mod-styled hn-panel-button", label);
  el.onclick = onClick;
  return el;
}

function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "size unknown";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) (bytes /= 1024), i++;
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
}

// A DAG node's hover card: placed beside the pointer and flipped to stay inside the output, and
// hidden once its node is gone (a collapse or redraw removed it) or the pointer left the DAG.
import { nodeDetails } from "./dag-details";
import type { DagMimeData, VizNode } from "hypernodes/browser";

const GAP = 14;

export class DagTooltip {
  readonly element = document.createElement("div");
  /** The drawn node it describes: the card goes when that element leaves the page. */
  #target: Element | undefined;

  constructor(private readonly bounds: HTMLElement) {
    this.element.className = "hn-dag-tooltip";
    this.element.hidden = true;
  }

  show(target: Element, node: VizNode, data: DagMimeData, event: MouseEvent): void {
    const { title, lines } = nodeDetails(node, data);
    const heading = document.createElement("b");
    heading.textContent = title;
    this.element.replaceChildren(heading, ...lines.map((line) => Object.assign(document.createElement("div"), { textContent: line })));
    this.#target = target;
    this.element.hidden = false;
    this.move(event);
  }

  /** Beside the pointer, on whichever side keeps the card inside the output. */
  move(event: MouseEvent): void {
    const box = this.bounds.getBoundingClientRect();
    const { offsetWidth: width, offsetHeight: height } = this.element;
    const place = (pointer: number, size: number, room: number) => {
      const after = pointer + GAP;
      const at = after + size <= room ? after : pointer - GAP - size;
      return Math.max(0, Math.min(at, room - size));
    };
    this.element.style.left = `${place(event.clientX - box.left, width, box.width)}px`;
    this.element.style.top = `${place(event.clientY - box.top, height, box.height)}px`;
  }

  hide(): void {
    this.element.hidden = true;
    this.#target = undefined;
  }

  /** After a redraw: the card stays only while its node is still drawn. */
  check(): void {
    if (this.#target && !this.#target.isConnected) this.hide();
  }
}

// A hover card (a DAG node's, a telemetry row's): placed beside the pointer and flipped to stay
// inside its output (the output area clips what goes past it), and hidden once what it describes is
// gone (a redraw removed it) or the pointer left.

const GAP = 14;

export class Tooltip {
  readonly element = document.createElement("div");
  /** The element it describes: the card goes when that element leaves the page. */
  #target: Element | undefined;

  constructor(
    private readonly bounds: HTMLElement,
    className: string,
  ) {
    this.element.className = className;
    this.element.hidden = true;
  }

  /** Shows `title` and `lines` for `target` (filled once per target), beside the pointer. */
  show(target: Element, title: string, lines: readonly string[], event: MouseEvent): void {
    if (this.element.hidden || this.#target !== target) {
      const heading = document.createElement("b");
      heading.textContent = title;
      this.element.replaceChildren(heading, ...lines.map((line) => Object.assign(document.createElement("div"), { textContent: line })));
      this.#target = target;
      this.element.hidden = false;
    }
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

  /** After a redraw: the card stays only while what it describes is still drawn. */
  check(): void {
    if (this.#target && !this.#target.isConnected) this.hide();
  }
}

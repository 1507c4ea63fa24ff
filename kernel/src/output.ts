// Where cell output goes: to the most recent execute request, as Jupyter kernels do, so output from work
// a cell left running (timers, un-awaited promises) still lands in a cell.
import type { IOPub } from "./iopub.js";
import type { DisplayContent } from "./tslab.js";
import type { Message } from "./wire.js";

type WriteArgs = [chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown];

export class CellOutput {
  /** The execute request output belongs to; undefined until the first cell runs. */
  parent: Message<unknown> | undefined;
  /** The last display still being prepared, if any. */
  private displaying: Promise<void> | undefined;
  private readonly decoder = new TextDecoder();

  constructor(private readonly iopub: IOPub) {}

  /** Sends `process.stdout` and `process.stderr` writes to the current cell once one has run. */
  captureStdio(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      const original = stream.write.bind(stream) as (...args: WriteArgs) => boolean;
      stream.write = ((...args: WriteArgs) => {
        if (!this.parent) return original(...args);
        const [chunk, encodingOrCallback, callback] = args;
        this.iopub.stream(name, typeof chunk === "string" ? chunk : this.decoder.decode(chunk), this.parent);
        const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
        if (typeof done === "function") process.nextTick(done as () => void);
        return true;
      }) as typeof stream.write;
    }
  }

  /**
   * Publishes displays in call order even when a value's bundle takes time (an SVG to render): one
   * being prepared holds back later ones. With none pending, a ready display goes out at once, in order
   * with the cell's prints.
   */
  display(content: DisplayContent | Promise<DisplayContent>, update = false): Promise<void> {
    const parent = this.parent;
    const publish = (ready: DisplayContent) => this.iopub.publish(update ? "update_display_data" : "display_data", ready, parent);
    if (!this.displaying && !(content instanceof Promise)) {
      publish(content);
      return Promise.resolve();
    }
    const shown = (this.displaying ?? Promise.resolve()).then(() => content).then(publish);
    const settled = shown.catch(() => {});
    this.displaying = settled;
    void settled.then(() => {
      if (this.displaying === settled) this.displaying = undefined;
    });
    return shown;
  }

  /** Waits for displays still being prepared: a cell's reply waits for them even when the cell did not. */
  async settle(): Promise<void> {
    while (this.displaying) await this.displaying;
  }
}

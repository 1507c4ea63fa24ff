// Turns IOPub messages into nbformat outputs the way nbclient (nbconvert --execute) does, so a saved
// notebook keeps the final state of every display.
import type { KernelMessage } from "@jupyterlab/services";
import type * as nbformat from "@jupyterlab/nbformat";
import type { Message } from "./wire.js";

type DisplayOutput = nbformat.IDisplayData | nbformat.IExecuteResult;

export class CellOutputs {
  /** Every output shown under a display_id, in any cell: an update replaces them all. */
  private readonly displays = new Map<string, DisplayOutput[]>();
  private clearOnNextOutput = false;

  /** Starts collecting a new cell's outputs into `outputs`. */
  begin(outputs: nbformat.IOutput[]): (message: Message) => void {
    this.clearOnNextOutput = false;
    return (message) => this.add(outputs, message);
  }

  private add(outputs: nbformat.IOutput[], message: Message): void {
    const type = message.header.msg_type;
    if (type === "clear_output") {
      if ((message.content as KernelMessage.IClearOutputMsg["content"]).wait) this.clearOnNextOutput = true;
      else outputs.length = 0;
      return;
    }
    if (type === "update_display_data") {
      this.update(message.content as KernelMessage.IUpdateDisplayDataMsg["content"]);
      return;
    }
    const output = toOutput(message);
    if (!output) return;
    if (this.clearOnNextOutput) {
      outputs.length = 0;
      this.clearOnNextOutput = false;
    }
    const last = outputs.at(-1);
    if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
      // Consecutive writes to one stream are one output, as every frontend shows them.
      last.text = `${last.text as string}${output.text as string}`;
      return;
    }
    const displayId = (message.content as KernelMessage.IDisplayDataMsg["content"]).transient?.display_id;
    if (displayId) {
      this.update(message.content as KernelMessage.IDisplayDataMsg["content"]); // a new display with a known id updates the old ones too
      this.displays.set(displayId, [...(this.displays.get(displayId) ?? []), output as DisplayOutput]);
    }
    outputs.push(output);
  }

  private update(content: KernelMessage.IDisplayDataMsg["content"]): void {
    for (const output of this.displays.get(content.transient?.display_id ?? "") ?? []) {
      output.data = content.data;
      output.metadata = content.metadata;
    }
  }
}

function toOutput(message: Message): nbformat.IOutput | undefined {
  switch (message.header.msg_type) {
    case "stream": {
      const { name, text } = message.content as KernelMessage.IStreamMsg["content"];
      return { output_type: "stream", name, text };
    }
    case "display_data": {
      const { data, metadata } = message.content as KernelMessage.IDisplayDataMsg["content"];
      return { output_type: "display_data", data, metadata };
    }
    case "execute_result": {
      const { data, metadata, execution_count } = message.content as KernelMessage.IExecuteResultMsg["content"];
      return { output_type: "execute_result", data, metadata, execution_count };
    }
    case "error": {
      const { ename, evalue, traceback } = message.content as KernelMessage.IErrorMsg["content"];
      return { output_type: "error", ename, evalue, traceback };
    }
    default:
      return undefined; // execute_input, comm messages: not outputs
  }
}

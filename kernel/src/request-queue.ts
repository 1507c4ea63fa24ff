// Shell requests are handled one at a time, in arrival order, as ipykernel does (so the busy/idle
// status front ends show is the kernel's). After a cell fails with `stop_on_error`, the execute
// requests already queued are aborted ("Run All" stops at the failing cell); a request arriving after
// the failure runs normally. (tslab dropped every request arriving within 200 ms of an error, so a
// client sending the next cell as soon as it got the error reply lost it.)
import { logError } from "./log.js";

export class RequestQueue {
  private tail: Promise<void> = Promise.resolve();
  private epoch = 0;

  /** Queues `handle`; it is told whether a failure happened while it waited. */
  add(handle: (afterFailure: boolean) => Promise<void>): void {
    const epoch = this.epoch;
    this.tail = this.tail.then(() => handle(epoch !== this.epoch)).catch((error) => logError("request", error));
  }

  /** Aborts what is queued, after one event-loop turn so requests that reached the socket are read and queued too. */
  async abortQueued(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.epoch++;
  }
}

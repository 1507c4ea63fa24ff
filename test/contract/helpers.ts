import { PipelineCallback, type CallbackContext } from "hypernodes";

/** Runs fn and returns what it threw or rejected with; fails if it did not fail. */
export async function captureError(fn: () => unknown): Promise<Error & { cause?: unknown; itemIndex?: number }> {
  let result: unknown;
  try {
    result = await fn();
  } catch (e) {
    return e as Error & { cause?: unknown; itemIndex?: number };
  }
  throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Walks the `cause` chain, returning every error in it (the first is the error itself). */
export function causeChain(e: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = e;
  while (cur !== undefined && cur !== null && out.length < 20) {
    out.push(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return out;
}

export interface Ev {
  event: string;
  args: unknown[];
  depth: number;
  path: unknown;
}

/** Records every lifecycle event with its arguments (ctx stripped) and the ctx depth/path. */
export class Rec extends PipelineCallback {
  readonly events: Ev[] = [];
  private push(event: string, args: unknown[], ctx: CallbackContext) {
    const path = (ctx as unknown as { hierarchyPath: unknown }).hierarchyPath;
    this.events.push({
      event,
      args,
      depth: ctx.depth,
      path: Array.isArray(path) ? [...path] : path,
    });
  }
  names(): string[] {
    return this.events.map((e) => e.event);
  }
  of(event: string): Ev[] {
    return this.events.filter((e) => e.event === event);
  }
  /** "event:firstArg" strings, handy for order assertions. */
  compact(filter?: (e: Ev) => boolean): string[] {
    return this.events
      .filter((e) => (filter ? filter(e) : true))
      .map((e) => (e.event.startsWith("onPipeline") || e.event === "onMapEnd" ? e.event : `${e.event}:${String(e.args[0])}`));
  }
  onPipelineStart(id: string, inputs: Record<string, unknown>, ctx: CallbackContext) {
    this.push("onPipelineStart", [id, inputs], ctx);
  }
  onPipelineEnd(id: string, outputs: unknown, ms: number, ctx: CallbackContext) {
    this.push("onPipelineEnd", [id, outputs, ms], ctx);
  }
  onNodeStart(id: string, inputs: Record<string, unknown>, ctx: CallbackContext) {
    this.push("onNodeStart", [id, inputs], ctx);
  }
  onNodeEnd(id: string, outputs: Record<string, unknown>, ms: number, ctx: CallbackContext) {
    this.push("onNodeEnd", [id, outputs, ms], ctx);
  }
  onNodeCached(id: string, sig: string, ctx: CallbackContext) {
    this.push("onNodeCached", [id, sig], ctx);
  }
  onError(id: string, error: unknown, ctx: CallbackContext) {
    this.push("onError", [id, error], ctx);
  }
  onNestedPipelineStart(parent: string, child: string, ctx: CallbackContext) {
    this.push("onNestedPipelineStart", [parent, child], ctx);
  }
  onNestedPipelineEnd(parent: string, child: string, ms: number, ctx: CallbackContext) {
    this.push("onNestedPipelineEnd", [parent, child, ms], ctx);
  }
  onMapStart(total: number, ctx: CallbackContext) {
    this.push("onMapStart", [total], ctx);
  }
  onMapItemStart(i: number, ctx: CallbackContext) {
    this.push("onMapItemStart", [i], ctx);
  }
  onMapItemEnd(i: number, ms: number, ctx: CallbackContext) {
    this.push("onMapItemEnd", [i, ms], ctx);
  }
  onMapItemCached(i: number, sig: string, ctx: CallbackContext) {
    this.push("onMapItemCached", [i, sig], ctx);
  }
  onMapEnd(ms: number, ctx: CallbackContext) {
    this.push("onMapEnd", [ms], ctx);
  }
}

import { PipelineCallback, type CallbackContext } from "hypernodes";

/** Records every lifecycle event as a compact string, with the context depth. */
export class Recorder extends PipelineCallback {
  readonly events: string[] = [];
  readonly contexts = new Set<CallbackContext>();

  private log(ctx: CallbackContext, text: string) {
    this.contexts.add(ctx);
    this.events.push(`${"  ".repeat(ctx.depth)}${text}`);
  }
  onPipelineStart(id: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
    this.log(ctx, `pipelineStart ${id}`);
  }
  onPipelineEnd(id: string, _outputs: unknown, _ms: number, ctx: CallbackContext) {
    this.log(ctx, `pipelineEnd ${id}`);
  }
  onNodeStart(id: string, _inputs: Record<string, unknown>, ctx: CallbackContext) {
    this.log(ctx, `nodeStart ${id}`);
  }
  onNodeEnd(id: string, _outputs: Record<string, unknown>, _ms: number, ctx: CallbackContext) {
    this.log(ctx, `nodeEnd ${id}`);
  }
  onNodeCached(id: string, _sig: string, ctx: CallbackContext) {
    this.log(ctx, `nodeCached ${id}`);
  }
  onError(id: string, error: unknown, ctx: CallbackContext) {
    this.log(ctx, `error ${id}: ${(error as Error).message}`);
  }
  onNestedPipelineStart(parent: string, child: string, ctx: CallbackContext) {
    this.log(ctx, `nestedStart ${parent}>${child}`);
  }
  onNestedPipelineEnd(parent: string, child: string, _ms: number, ctx: CallbackContext) {
    this.log(ctx, `nestedEnd ${parent}>${child}`);
  }
  onMapStart(total: number, ctx: CallbackContext) {
    this.log(ctx, `mapStart ${total}`);
  }
  onMapItemStart(i: number, ctx: CallbackContext) {
    this.log(ctx, `itemStart ${i}`);
  }
  onMapItemEnd(i: number, _ms: number, ctx: CallbackContext) {
    this.log(ctx, `itemEnd ${i}`);
  }
  onMapItemCached(i: number, _sig: string, ctx: CallbackContext) {
    this.log(ctx, `itemCached ${i}`);
  }
  onMapEnd(_ms: number, ctx: CallbackContext) {
    this.log(ctx, `mapEnd`);
  }
}

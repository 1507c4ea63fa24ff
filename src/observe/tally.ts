// What a run or map did, counted per nesting level and node by the engine itself: a few integer
// increments where per-node and per-item events would cost calls, clock reads and allocations
// (more than the nodes of a small map). A callback that only needs counts (ProgressCallback) declares
// READS_TALLY and reads them when it redraws, so live progress costs a map almost nothing.

/** A callback with this key set reads the call's Tally instead of per-node and per-item events. */
export const READS_TALLY: unique symbol = Symbol.for("hypernodes.readsTally");

/** Key of the call's Tally in its CallbackContext (shared by every level of the call). */
const TALLY_KEY = "hypernodes.tally";

export interface NodeCounts {
  done: number;
  cached: number;
  failed: number;
  /** First line of the last failure's message. */
  error?: string;
}

/** The counts of one nesting level (a path in the hierarchy), summed over every call that reaches it. */
export class LevelTally {
  /** Map items that finished (cached ones included), were fully cached, or failed. */
  itemsDone = 0;
  itemsCached = 0;
  itemsFailed = 0;
  /** By node name, in the order they were first counted. */
  readonly nodes = new Map<string, NodeCounts>();
  /** The same counts by step index of the level's plan: no lookup by name on the hot path. */
  readonly #byStep: NodeCounts[] = [];

  node(name: string): NodeCounts {
    let counts = this.nodes.get(name);
    if (!counts) this.nodes.set(name, (counts = { done: 0, cached: 0, failed: 0 }));
    return counts;
  }

  step(index: number, name: string): NodeCounts {
    return (this.#byStep[index] ??= this.node(name));
  }
}

/** One call's counts, every level of it. */
export class Tally {
  readonly levels = new Map<string, LevelTally>();

  level(hierarchyPath: readonly string[]): LevelTally {
    const key = levelKey(hierarchyPath);
    let level = this.levels.get(key);
    if (!level) this.levels.set(key, (level = new LevelTally()));
    return level;
  }

  /** The call's Tally, created by its first level (kept in the call's CallbackContext). */
  static of(ctx: { get<T>(key: string): T | undefined; set(key: string, value: unknown): void }): Tally {
    let tally = ctx.get<Tally>(TALLY_KEY);
    if (!tally) ctx.set(TALLY_KEY, (tally = new Tally()));
    return tally;
  }
}

export function levelKey(hierarchyPath: readonly string[]): string {
  return hierarchyPath.join("\u0000");
}

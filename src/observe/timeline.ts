// The waterfall of one call (TimelineModel), recorded by TelemetryCallback from its events: a lane
// per pipeline, map, nested pipeline and node of the call's structure, not per execution, so a
// 10,000-item map adds counters to a few lanes, never rows. Per event: a clock read and a Map lookup.
import type { DurationStats, TimelineModel, TimelineRow, TimelineRowKind, TimelineTotal } from "../notebook/notebook-protocol.js";

/** Durations a lane keeps for its median: every one up to this many, then a uniform sample of this many. */
export const DURATION_SAMPLES = 4096;

/** Min, max and total of every duration added; the median of all of them, or of a reservoir sample (Algorithm R) past DURATION_SAMPLES. */
export class Durations {
  #sample = new Float64Array(16);
  count = 0;
  min = Infinity;
  max = -Infinity;
  total = 0;

  add(ms: number): void {
    const seen = this.count++;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    this.total += ms;
    if (seen < DURATION_SAMPLES) {
      if (seen === this.#sample.length) {
        const grown = new Float64Array(Math.min(seen * 2, DURATION_SAMPLES));
        grown.set(this.#sample);
        this.#sample = grown;
      }
      this.#sample[seen] = ms;
    } else {
      const slot = Math.floor(Math.random() * (seen + 1));
      if (slot < DURATION_SAMPLES) this.#sample[slot] = ms;
    }
  }

  stats(): DurationStats | null {
    if (this.count === 0) return null;
    const sorted = this.#sample.slice(0, Math.min(this.count, DURATION_SAMPLES)).sort();
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return { min: this.min, median, max: this.max, total: this.total };
  }
}

/** One row of the waterfall as it is recorded: times are performance.now() readings. */
export class Lane {
  /** Its OpenTelemetry span name, kept so that no name is built per event. */
  readonly spanName: string;
  first = Infinity;
  last = -Infinity;
  /** Executions started and not yet stopped. */
  open = 0;
  hits = 0;
  failed = 0;
  error: string | undefined;
  readonly durations = new Durations();
  #map: Lane | undefined;
  readonly #children = new Map<string, Lane>();

  constructor(
    readonly kind: TimelineRowKind,
    readonly name: string,
  ) {
    this.spanName = `${kind} ${name}`;
  }

  /** The lane of the map this pipeline runs, one for all its maps. */
  map(): Lane {
    return (this.#map ??= new Lane("map", this.name));
  }

  /** The lane of a node or nested pipeline of this pipeline (or map); node names are unique within one. */
  child(kind: "node" | "nested", name: string): Lane {
    let lane = this.#children.get(name);
    if (!lane) this.#children.set(name, (lane = new Lane(kind, name)));
    return lane;
  }

  find(name: string): Lane | undefined {
    return this.#children.get(name);
  }

  start(now: number): void {
    if (now < this.first) this.first = now;
    this.open++;
  }

  stop(now: number): void {
    if (now > this.last) this.last = now;
    this.open--;
  }

  /** One execution (or map item) took `ms`. */
  ran(ms: number): void {
    this.durations.add(ms);
  }

  /** A cache hit: an instant, no execution. */
  hit(now: number): void {
    if (now < this.first) this.first = now;
    if (now > this.last) this.last = now;
    this.hits++;
  }

  /** `count` executions (a map: items) failed, and the lane's open execution stopped now. */
  fail(now: number, error: unknown, count = 1): void {
    this.failed += count;
    this.error ??= error instanceof Error ? error.message : String(error);
    this.stop(now);
  }

  /** This lane's rows and those under it, in tree order: its map, then its nodes in the order they first started. */
  *lanes(depth = 0): Generator<[Lane, number]> {
    yield [this, depth];
    if (this.#map) yield* this.#map.lanes(depth + 1);
    for (const child of this.#children.values()) yield* child.lanes(depth + 1);
  }
}

/** One call: its lanes under the top-level pipeline's, and how the call went. */
export class Timeline {
  readonly root: Lane;
  /** `run 'calc'`, or `map 'calc' (3 items)` once the call maps. */
  title: string;
  wallMs: number | undefined;
  failed = false;

  constructor(
    pipelineId: string,
    readonly origin: number,
  ) {
    this.root = new Lane("pipeline", pipelineId);
    this.title = `run '${pipelineId}'`;
  }

  /** The call as drawn, at `now` (lanes still open end there). */
  model(now = performance.now()): TimelineModel {
    const at = (time: number) => round(time - this.origin);
    const rows: TimelineRow[] = [];
    for (const [lane, depth] of this.root.lanes()) {
      const running = lane.open > 0;
      const stats = lane.durations.stats();
      rows.push({
        kind: lane.kind,
        name: lane.name,
        depth,
        start: at(lane.first),
        end: at(running || lane.last < lane.first ? now : lane.last),
        runs: lane.durations.count,
        hits: lane.hits,
        failed: lane.failed,
        ...(lane.error === undefined ? {} : { error: lane.error }),
        running,
        durations: stats && { min: round(stats.min), median: round(stats.median), max: round(stats.max), total: round(stats.total) },
      });
    }
    const state = this.failed ? "failed" : this.wallMs === undefined ? "running" : "done";
    return { title: this.title, state, wallMs: round(this.wallMs ?? now - this.origin), rows, totals: this.totals() };
  }

  /** Per node name, all levels together, longest total first. */
  totals(): TimelineTotal[] {
    const byName = new Map<string, TimelineTotal>();
    for (const [lane] of this.root.lanes()) {
      if (lane.kind !== "node") continue;
      const total = byName.get(lane.name) ?? { name: lane.name, runs: 0, hits: 0, totalMs: 0 };
      total.runs += lane.durations.count;
      total.hits += lane.hits;
      total.totalMs += lane.durations.total;
      byName.set(lane.name, total);
    }
    for (const total of byName.values()) total.totalMs = round(total.totalMs);
    return [...byName.values()].sort((a, b) => b.totalMs - a.totalMs);
  }
}

/** To the µs: plenty for a waterfall, and short in a saved notebook. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Every error HyperNodes throws is a `HyperNodesError`; each kind has its own subclass so callers can
 * `instanceof`-check. Messages name the culprit (node, input, output, map item).
 */
export class HyperNodesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A node definition that cannot work (unnamed function without outputName, unreadable source, …). */
export class NodeDefinitionError extends HyperNodesError {}

/** Two nodes of one pipeline produce the same output name. */
export class DuplicateOutputError extends HyperNodesError {
  constructor(
    readonly outputName: string,
    readonly nodeNames: [string, string],
  ) {
    super(`Output '${outputName}' is produced by two nodes: '${nodeNames[0]}' and '${nodeNames[1]}'`);
  }
}

/** The nodes' inputs and outputs form a cycle. */
export class CycleError extends HyperNodesError {
  constructor(readonly cycle: string[]) {
    super(`The pipeline has a cycle: ${cycle.join(" -> ")}`);
  }
}

/** Inputs the requested outputs need were neither given nor bound. */
export class MissingInputError extends HyperNodesError {
  constructor(readonly missing: string[]) {
    super(`Missing input${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")}`);
  }
}

/** An `outputName` that no node of the pipeline produces. */
export class UnknownOutputError extends HyperNodesError {
  constructor(
    readonly unknown: string[],
    readonly available: string[],
  ) {
    super(
      `Unknown output${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `'${u}'`).join(", ")}; ` +
        `available outputs: ${available.map((a) => `'${a}'`).join(", ") || "(none)"}`,
    );
  }
}

/** An input given to `run`, `map` or `bind` that no node of the pipeline reads (a typo, usually). */
export class UnknownInputError extends HyperNodesError {}

/** A `map` call whose inputs cannot be mapped (not an array, zip lengths differ, unknown mapOver name). */
export class MapInputError extends HyperNodesError {}

/** An `asNode` input or output mapping that names something the inner pipeline does not have. */
export class MappingError extends HyperNodesError {}

/**
 * A `run` or `map` stopped by its `signal` (or a notebook's Interrupt): no node started after the
 * abort, and what finished stays cached. `cause` is the signal's reason; the message says how far it got.
 */
export class AbortError extends HyperNodesError {}

/** A node that did not finish within its `timeout`: the `cause` of the node's NodeExecutionError. */
export class TimeoutError extends HyperNodesError {
  constructor(readonly timeoutMs: number) {
    super(`it did not finish within its timeout of ${timeoutMs} ms`);
  }
}

/** A value that cannot be hashed for a cache signature (circular structure, symbol, …). */
export class UnhashableValueError extends HyperNodesError {}

/**
 * A value the cache cannot store faithfully (functions, symbols, …) or at all (larger than its
 * `maxValueBytes`): it is returned but not cached.
 */
export class UnserializableValueError extends HyperNodesError {}

/** A cache file that is not a SQLite database, or a database that is not a HyperNodes cache. */
export class CacheFileError extends HyperNodesError {}

/**
 * WorkerEngine cannot send a node's function to its worker threads: it reads variables from outside
 * its code that cannot be sent (or its source cannot be read). Thrown before any node runs.
 */
export class UnshippableFunctionError extends HyperNodesError {
  /**
   * `variables`: the names it reads that cannot be sent (a reason may follow each in parentheses);
   * empty when its source cannot be read.
   */
  constructor(
    readonly nodeName: string,
    readonly functionName: string,
    readonly variables: string[],
  ) {
    const why = variables.length
      ? `it reads variables from outside its code that cannot be sent: ${variables.join(", ")}`
      : "its source cannot be read (a bound, native or class function)";
    super(
      `WorkerEngine cannot send node '${nodeName}' (${functionName}) to its worker threads: ${why}. Make the function ` +
        `self-contained (pass such values as inputs), export it from a module given as WorkerEngine's \`module\` option, ` +
        `or pass \`unshippable: "main-thread"\` to run such nodes in the main thread`,
    );
  }
}

/** A callback method threw; the run is aborted (after any cache write of the node it reported). */
export class CallbackError extends HyperNodesError {
  constructor(
    readonly callbackName: string,
    readonly event: string,
    cause: unknown,
  ) {
    super(`Callback ${callbackName}.${event} threw: ${messageOf(cause)}`, { cause });
  }
}

/**
 * A node threw. `cause` is the original error; `nodeName` the node that threw; `path` the nested
 * pipeline nodes from the outermost pipeline down to it; `itemIndex` the map item (of the outermost
 * map that contains the failure) and `itemPath` the item index at every map level on the way down.
 */
export class NodeExecutionError extends HyperNodesError {
  readonly nodeName: string;
  path: string[];
  itemPath: number[] = [];

  constructor(nodeName: string, cause: unknown) {
    super("", { cause });
    this.nodeName = nodeName;
    this.path = [nodeName];
    this.updateMessage();
  }

  get itemIndex(): number | undefined {
    return this.itemPath[0];
  }

  /** Records the enclosing nested pipeline node as the error travels outwards. */
  withinNode(name: string): this {
    this.path.unshift(name);
    this.updateMessage();
    return this;
  }

  /** Records the map item the error happened in, as the error travels outwards. */
  withinItem(index: number): this {
    this.itemPath.unshift(index);
    this.updateMessage();
    return this;
  }

  private updateMessage(): void {
    const where = this.path.length > 1 ? ` (in ${this.path.join(" > ")})` : "";
    const item = this.itemPath.length ? ` at map item ${this.itemPath.join(" > ")}` : "";
    this.message = `Node '${this.nodeName}'${where} failed${item}: ${messageOf(this.cause)}`;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

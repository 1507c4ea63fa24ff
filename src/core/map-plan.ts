import { MapInputError } from "./errors.js";
import { describeValue } from "./option-checks.js";

export type MapMode = "zip" | "product";

/**
 * How a `map` call turns its inputs into items: which inputs are mapped, how many items there are,
 * and the mapped values of item i, computed on demand so a product of large lists is never
 * materialised. Inputs not in `mapOver` are passed whole to every item.
 */
export class MapPlan {
  readonly names: readonly string[];
  readonly lists: readonly (readonly unknown[])[];
  readonly mode: MapMode;
  readonly length: number;

  constructor(inputs: Record<string, unknown>, mapOver: string | readonly string[], mode: MapMode = "zip") {
    if (mode !== "zip" && mode !== "product") {
      throw new MapInputError(`mapMode must be "zip" or "product", got ${JSON.stringify(mode)}`);
    }
    const names = [...new Set(typeof mapOver === "string" ? [mapOver] : mapOver ?? [])];
    if (names.length === 0) throw new MapInputError("map needs mapOver: the name(s) of the list input(s) to map over");
    const lists = names.map((name) => {
      if (!Object.hasOwn(inputs, name)) {
        throw new MapInputError(`mapOver names '${name}', but no input '${name}' was given (or bound)`);
      }
      const list = inputs[name];
      if (!Array.isArray(list)) {
        throw new MapInputError(`mapOver input '${name}' must be an array, got ${describeValue(list)}`);
      }
      return list;
    });
    if (mode === "zip") {
      const lengths = new Set(lists.map((l) => l.length));
      if (lengths.size > 1) {
        throw new MapInputError(
          `zip mapping needs lists of equal length, got ${names.map((n, i) => `'${n}' (${lists[i]!.length})`).join(", ")}`,
        );
      }
    }
    this.names = names;
    this.lists = lists;
    this.mode = mode;
    this.length = mode === "zip" ? lists[0]!.length : lists.reduce((n, l) => n * l.length, 1);
  }

  /** The same items over copies of the lists: the caller may change theirs after the call. */
  snapshot(): MapPlan {
    return new MapPlan(Object.fromEntries(this.names.map((name, k) => [name, this.lists[k]!.slice()])), this.names, this.mode);
  }

  /** Writes item `index`'s mapped values into `out[k]` for the k-th mapped name. */
  itemValues(index: number, out: unknown[]): void {
    if (this.mode === "zip") {
      for (let k = 0; k < this.lists.length; k++) out[k] = this.lists[k]![index];
      return;
    }
    // Product: the last list varies fastest, like nested loops in mapOver order.
    let rest = index;
    for (let k = this.lists.length - 1; k >= 0; k--) {
      const list = this.lists[k]!;
      out[k] = list[rest % list.length];
      rest = Math.floor(rest / list.length);
    }
  }
}

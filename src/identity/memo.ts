/**
 * Results of a pure function kept for reuse, up to `limit` entries; when full it starts over (O(1)
 * per entry, no order to keep). Only for results that depend on nothing but the key: a memo never
 * changes what is computed, only how often. When a whole filling served few hits (a map over more
 * new items than it holds), it stands aside for the next `limit` lookups, which then cost nothing.
 */
export class Memo<K, V> {
  readonly #entries = new Map<K, V>();
  #hits = 0;
  #skipping = 0;

  constructor(readonly limit: number) {}

  get(key: K): V | undefined {
    if (this.#skipping > 0) {
      this.#skipping--;
      return undefined;
    }
    const value = this.#entries.get(key);
    if (value !== undefined) this.#hits++;
    return value;
  }

  set(key: K, value: V): void {
    if (this.#skipping > 0) return;
    if (this.#entries.size >= this.limit) {
      const useful = this.#hits >= this.limit / 8;
      this.#entries.clear();
      this.#hits = 0;
      if (!useful) {
        this.#skipping = this.limit;
        return;
      }
    }
    this.#entries.set(key, value);
  }
}

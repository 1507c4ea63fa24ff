/**
 * Results of a pure function kept for reuse, up to `limit` entries; when full it starts over (O(1)
 * per entry, no order to keep). Only for results that depend on nothing but the key: a memo never
 * changes what is computed, only how often.
 */
export class Memo<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly limit: number) {}

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    if (this.#entries.size >= this.limit) this.#entries.clear();
    this.#entries.set(key, value);
  }
}

/**
 * A map keyed by a pair of strings (an identifier's type and value, a source and a messageId), as a map of
 * maps. Why not one map keyed by the joined string: each lookup built a new string, which V8 flattens and
 * hashes again every time; here the value string that arrives with an event is hashed once, and V8 keeps
 * the hash in the string for its later lookups. Measured: 0.36 µs per lookup in a 300,000-entry cache
 * against 0.8–1.1 µs with joined keys, and the writer thread does several per event.
 */
export class PairMap<V> {
  private readonly outer = new Map<string, Map<string, V>>();
  private count = 0;

  get(first: string, second: string): V | undefined {
    return this.outer.get(first)?.get(second);
  }

  has(first: string, second: string): boolean {
    return this.outer.get(first)?.has(second) ?? false;
  }

  set(first: string, second: string, value: V): void {
    let inner = this.outer.get(first);
    if (!inner) {
      inner = new Map();
      this.outer.set(first, inner);
    }
    const before = inner.size;
    inner.set(second, value);
    this.count += inner.size - before;
  }

  delete(first: string, second: string): boolean {
    const inner = this.outer.get(first);
    if (!inner?.delete(second)) return false;
    this.count--;
    if (inner.size === 0) this.outer.delete(first);
    return true;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.outer.clear();
    this.count = 0;
  }

  *values(): IterableIterator<V> {
    for (const inner of this.outer.values()) yield* inner.values();
  }
}

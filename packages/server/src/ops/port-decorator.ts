/**
 * The one decorator idiom for ports (availability, metrics): a plain wrapper object built here. Why not a
 * Proxy or a prototype chain: the wrapper's members are fixed when it is built and visible to a reader, a
 * call costs one extra call, and the wrapper holds nothing but `inner` and what the caller gives it.
 */

/** How `decorate` wraps a port. */
export interface Decoration<T> {
  /** Wraps every forwarded method call (not the overrides): gets the call to make, returns its result. */
  around?: (call: () => unknown) => unknown;
  /** Members that replace `inner`'s by name (they call `inner` themselves when they forward). */
  overrides?: Partial<T>;
}

/**
 * A new object with every member of `inner` (own and inherited, `Object.prototype`'s excepted): methods
 * forward to `inner` (through `around` when given), other values are copied as they are now, and
 * `overrides` replace members by name.
 */
export function decorate<T extends object>(inner: T, decoration: Decoration<T>): T {
  const around = decoration.around;
  const outer: Record<PropertyKey, unknown> = {};
  for (let level: object | null = inner; level && level !== Object.prototype; level = Object.getPrototypeOf(level) as object | null) {
    for (const key of Reflect.ownKeys(level)) {
      if (key === 'constructor' || Object.hasOwn(outer, key)) continue;
      const value: unknown = Reflect.get(inner, key);
      if (typeof value !== 'function') {
        outer[key] = value;
        continue;
      }
      const method = value as (...args: unknown[]) => unknown;
      outer[key] = around
        ? (...args: unknown[]) => around(() => method.apply(inner, args))
        : (...args: unknown[]) => method.apply(inner, args);
    }
  }
  return Object.assign(outer, decoration.overrides) as T;
}

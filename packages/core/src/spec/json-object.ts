import type { JsonObject } from './event-types.ts';

/** True for a plain object (`{}` literal or `Object.create(null)`), not an array, Date, Map or class instance. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deep-merges plain objects; `over` wins on conflicts, arrays and other values are replaced, not merged. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    const merged = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
    // Why defineProperty: plain assignment of a wire key named `__proto__` would replace the prototype.
    Object.defineProperty(result, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

import type { JsonObject } from './event-types.ts';
import { DEFAULT_MAX_JSON_DEPTH } from './json-scan.ts';

/** True for a plain object (`{}` literal or `Object.create(null)`), not an array, Date, Map or class instance. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Deep-merges plain objects; `over` wins on conflicts, arrays and other values are replaced, not merged.
 * Why `maxDepth`: the inputs are untrusted (a 40,000-level batch `context` overflowed the stack and lost
 * the whole batch); below `maxDepth` levels `over` simply wins, and the validator then rejects the item
 * whose merged value is deeper than it allows.
 */
export function deepMerge(base: JsonObject, over: JsonObject, maxDepth = DEFAULT_MAX_JSON_DEPTH): JsonObject {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    const merged = maxDepth > 1 && isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value, maxDepth - 1) : value;
    // Why defineProperty: plain assignment of a wire key named `__proto__` would replace the prototype.
    Object.defineProperty(result, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

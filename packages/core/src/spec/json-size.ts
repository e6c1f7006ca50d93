/**
 * An upper bound of the UTF-8 size of a value's JSON, without serialising it. Why: every event's size is
 * checked against the limit, and `JSON.stringify` of each item was a tenth of validation; for the usual
 * small event the bound is far below the limit and settles the check.
 * Per UTF-16 code unit a JSON string takes at most 6 bytes (`\u001f`); a number at most 24 characters.
 * `undefined` when the bound is not cheap or not sure: past `budget`, deeper than 32 levels (a cycle, say),
 * a BigInt, or an object that is not plain or has its own `toJSON` (which could write anything).
 */
export function jsonSizeBound(value: unknown, budget: number): number | undefined {
  const size = bound(value, budget, 0);
  return size <= budget ? size : undefined;
}

const TOO_MUCH = Number.POSITIVE_INFINITY;

function bound(value: unknown, budget: number, depth: number): number {
  switch (typeof value) {
    case 'string':
      return 2 + 6 * value.length;
    case 'number':
      return 24;
    case 'boolean':
    case 'undefined':
    case 'function':
    case 'symbol':
      return 9;
    case 'bigint':
      return TOO_MUCH;
    default:
      break;
  }
  if (value === null) return 4;
  if (depth >= 32) return TOO_MUCH;
  let total = 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      total += 1 + bound(item, budget, depth + 1);
      if (total > budget) return TOO_MUCH;
    }
    return total;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return TOO_MUCH;
  for (const key in value as Record<string, unknown>) {
    if (!Object.hasOwn(value as object, key)) continue;
    if (key === 'toJSON') return TOO_MUCH;
    total += 4 + 6 * key.length + bound((value as Record<string, unknown>)[key], budget, depth + 1);
    if (total > budget) return TOO_MUCH;
  }
  return total;
}

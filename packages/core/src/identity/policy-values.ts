/**
 * The small readers every part of an identity policy file uses (numbers, string lists, regions, unknown
 * keys), each reporting a bad value with its path through `Fail`; and `deepFreeze` for the defaults.
 */
import { formatFieldPath } from '../spec/field-path.ts';

/** Reports one problem of a policy file at its path. */
export type Fail = (path: string, message: string) => void;

/** An ISO 3166 alpha-2 region, upper-cased; `undefined` when absent or bad (reported). */
export function readRegion(raw: unknown, path: string, fail: Fail): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && /^[A-Za-z]{2}$/.test(raw)) return raw.toUpperCase();
  fail(path, 'must be an ISO 3166 alpha-2 country code such as "US"');
  return undefined;
}

export function readInt(raw: unknown, fallback: number, path: string, fail: Fail): number {
  if (raw === undefined) return fallback;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 1) return raw;
  fail(path, 'must be an integer ≥ 1');
  return fallback;
}

export function readStrings(raw: unknown, path: string, fail: Fail): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    fail(path, 'must be an array of strings');
    return [];
  }
  const strings: string[] = [];
  raw.forEach((value: unknown, i) => {
    if (typeof value === 'string') strings.push(value);
    else fail(formatFieldPath([i], path), 'must be a string');
  });
  return strings;
}

export function checkKeys(raw: Record<string, unknown>, allowed: string[], path: string, fail: Fail): void {
  for (const key of Object.keys(raw)) if (!allowed.includes(key)) fail(`${path}.${key}`, 'unknown key');
}

/** Why: a policy key named `__proto__` must become a key, not replace the prototype. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

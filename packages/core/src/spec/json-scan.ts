/**
 * One walk over an untrusted item that answers everything the edge must know before keeping it: an upper
 * bound of its JSON size, and the first value no store can keep — a string or key holding U+0000 (NUL;
 * PostgreSQL text and jsonb refuse it) or a lone UTF-16 surrogate (not encodable as UTF-8), or nesting
 * deeper than `maxDepth`. Why one walk: validation runs per event on the ingest path, and the size bound
 * already visited every string and key.
 *
 * Per UTF-16 code unit a JSON string takes at most 6 bytes (`\u001f`); a number at most 24 characters.
 * The bound is `undefined` when only serialising can tell: a BigInt, or an object that is not plain or has
 * its own `toJSON` (which could write anything).
 */

/** Default deepest nesting of objects and arrays in one event (the event itself is level 1). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** What makes a value unstorable, and where (the path segments from the walked value). */
export interface JsonProblem {
  kind: 'nul' | 'lone_surrogate' | 'too_deep';
  path: Array<string | number>;
}

/** The result of `scanJson`. */
export interface JsonScan {
  /** Upper bound of the UTF-8 size of the JSON text; `undefined` when not cheap or not sure. */
  bound: number | undefined;
  problem?: JsonProblem;
}

/** Options of `scanJson`. */
export interface JsonScanOptions {
  maxDepth?: number;
  /** Top-level keys whose values are not checked for text problems (fields the caller drops). */
  unchecked?: (key: string) => boolean;
}

// Why `indexOf` and `isWellFormed`: both are native scans (a one-byte string, the usual case, cannot hold
// a surrogate and `isWellFormed` answers it at once); a hand loop or a regular expression over every
// string cost about three times as much per event. The regular expression is the fallback for runtimes
// without `isWellFormed` (before ES2024).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
type WellFormed = (this: string) => boolean;
const isWellFormed = (String.prototype as { isWellFormed?: WellFormed }).isWellFormed;

/** The problem of one string, if any. */
export function textProblem(text: string): 'nul' | 'lone_surrogate' | undefined {
  if (text.indexOf('\0') !== -1) return 'nul';
  const wellFormed = isWellFormed ? isWellFormed.call(text) : !LONE_SURROGATE.test(text);
  return wellFormed ? undefined : 'lone_surrogate';
}

/** Walks a value once (see the file comment); never deeper than `maxDepth` levels. */
export function scanJson(value: unknown, options: JsonScanOptions = {}): JsonScan {
  const walk = new Walk(options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH, options.unchecked);
  const size = walk.visit(value, 1, true);
  const bound = Number.isFinite(size) ? size : undefined;
  return walk.problem ? { bound, problem: walk.problem } : { bound };
}

const UNKNOWN = Number.POSITIVE_INFINITY;

class Walk {
  problem: JsonProblem | undefined;

  constructor(
    private readonly maxDepth: number,
    private readonly unchecked: ((key: string) => boolean) | undefined,
  ) {}

  /** The size bound of `value` (at nesting level `depth` if it is an object); stops at the first problem. */
  visit(value: unknown, depth: number, check: boolean): number {
    switch (typeof value) {
      case 'string':
        if (check) this.checkText(value, []);
        return 2 + 6 * value.length;
      case 'number':
        return 24;
      case 'boolean':
      case 'undefined':
      case 'function':
      case 'symbol':
        return 9;
      case 'bigint':
        return UNKNOWN;
      default:
        break;
    }
    if (value === null) return 4;
    if (depth > this.maxDepth) {
      this.problem = { kind: 'too_deep', path: [] };
      return UNKNOWN;
    }
    let total = 2;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        total += 1 + this.visit(value[i], depth + 1, check);
        if (this.problem) return this.within(i);
      }
      return total;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) total = UNKNOWN;
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const checkHere = check && !(depth === 1 && this.unchecked?.(key) === true);
      if (checkHere && this.checkText(key, [key])) return UNKNOWN;
      if (key === 'toJSON') total = UNKNOWN;
      total += 4 + 6 * key.length + this.visit(record[key], depth + 1, checkHere);
      if (this.problem) return this.within(key);
    }
    return total;
  }

  private checkText(text: string, path: Array<string | number>): boolean {
    const kind = textProblem(text);
    if (kind) this.problem = { kind, path };
    return kind !== undefined;
  }

  /** Prefixes the problem's path with the segment it was found under. */
  private within(segment: string | number): number {
    this.problem?.path.unshift(segment);
    return UNKNOWN;
  }
}

/**
 * Which trait value wins, written once as data. Why a table and not a function: the rule runs in three
 * places that cannot share code — this module's comparator (core, the reference graph and PostgreSQL's
 * write buffer), SQLite's `ON CONFLICT … WHERE` and PostgreSQL's (statements and the merge function in
 * PL/pgSQL). Each is generated from `TRAIT_ORDER` (the SQL in `server/src/storage/trait-order-sql.ts`), and
 * one property test runs all three on random entries against real databases.
 *
 * The order: the more trusted source (the policy's traitSources rank), then the later event time, then the
 * greater source id, then the greater value. Texts compare by Unicode code point, which is the byte order of
 * their UTF-8 (SQLite's BINARY, PostgreSQL's `COLLATE "C"`), not JavaScript's UTF-16 `<`. A value compares
 * by its PostgreSQL `jsonb` text (`jsonOrderText`): object keys sorted by length then bytes, `", "` and `": "`
 * between items, numbers without exponent; a tombstone counts as `null`. Why jsonb's form: PostgreSQL's
 * merge function (a migration) already compares that text, and it is canonical — two objects with the same
 * members but keys in another order are one value, so no store can pick another winner on such a tie.
 */
import { utf8Length } from '../spec/utf8-length.ts';

/** How one ordering key compares. */
export type TraitOrderKind = 'integer' | 'time' | 'text' | 'json';

/** One key of the order: the `TraitEntry` field, the column both stores keep it in, and how it compares. */
export interface TraitOrderKey {
  field: 'trust' | 'timestamp' | 'sourceId' | 'value';
  column: 'trust' | 'ts' | 'source_id' | 'value';
  kind: TraitOrderKind;
}

/** The trait-wins order: compared in sequence, the first key that differs decides, and the greater wins. */
export const TRAIT_ORDER: readonly TraitOrderKey[] = Object.freeze([
  { field: 'trust', column: 'trust', kind: 'integer' },
  // ISO time in UTC with milliseconds, as the validator produces: text order is time order.
  { field: 'timestamp', column: 'ts', kind: 'time' },
  { field: 'sourceId', column: 'source_id', kind: 'text' },
  { field: 'value', column: 'value', kind: 'json' },
] as const);

/** The fields the order reads (`TraitEntry` has them; a missing `trust` is 0, a `null` value a tombstone). */
export interface TraitOrderFields {
  value: unknown;
  timestamp: string;
  sourceId: string;
  trust?: number;
}

/** Positive when `a` wins over `b` under `TRAIT_ORDER`, negative when `b` does, 0 when they are the same. */
export function compareTraitOrder(a: TraitOrderFields, b: TraitOrderFields): number {
  for (const key of TRAIT_ORDER) {
    const order = compareKey(key, a, b);
    if (order !== 0) return order;
  }
  return 0;
}

function compareKey(key: TraitOrderKey, a: TraitOrderFields, b: TraitOrderFields): number {
  switch (key.kind) {
    case 'integer':
      return Math.sign((a.trust ?? 0) - (b.trust ?? 0));
    case 'time':
      return compareCodePoints(a.timestamp, b.timestamp);
    case 'text':
      return compareCodePoints(a.sourceId, b.sourceId);
    case 'json':
      return a.value === b.value ? 0 : compareCodePoints(jsonOrderText(a.value), jsonOrderText(b.value));
  }
}

/**
 * Compares two strings by Unicode code point (= the byte order of their UTF-8). JavaScript's `<` compares
 * UTF-16 code units, which puts U+10000 and above before U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Surrogates (D800–DFFF) after E000–FFFF: then code-unit order is code-point order. */
function codePointRank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit;
}

/**
 * The text PostgreSQL prints for `value` as `jsonb` (`value::text`), from the JSON that `JSON.stringify`
 * gives (what both stores are sent): the canonical form values compare by. `null` and `undefined` are `null`.
 */
export function jsonOrderText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return plainNumber(JSON.stringify(value));
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map((item: unknown) => jsonOrderText(item)).join(', ')}]`;
      return objectText(value as Record<string, unknown>);
    default:
      return 'null';
  }
}

function objectText(value: Record<string, unknown>): string {
  // As JSON.stringify: members whose value it cannot write are left out.
  const keys = Object.keys(value).filter((key) => {
    const member = value[key];
    return member !== undefined && typeof member !== 'function' && typeof member !== 'symbol';
  });
  if (keys.length === 0) return '{}';
  keys.sort(compareJsonbKeys);
  return `{${keys.map((key) => `${JSON.stringify(key)}: ${jsonOrderText(value[key])}`).join(', ')}}`;
}

/** jsonb's key order: shorter UTF-8 first, then byte order. */
function compareJsonbKeys(a: string, b: string): number {
  return utf8Length(a) - utf8Length(b) || compareCodePoints(a, b);
}

/** `numeric`'s output of a JSON number: JavaScript's exponent form (`1e+21`, `1.5e-7`) written out in full. */
function plainNumber(text: string): string {
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const point = mantissa.indexOf('.');
  const digits = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  const at = (point < 0 ? mantissa.length : point) + exponent;
  const body =
    at <= 0
      ? `0.${'0'.repeat(-at)}${digits}`
      : at >= digits.length
        ? digits + '0'.repeat(at - digits.length)
        : `${digits.slice(0, at)}.${digits.slice(at)}`;
  return negative ? `-${body}` : body;
}

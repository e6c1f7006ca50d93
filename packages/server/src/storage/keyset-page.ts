/**
 * Keyset pagination, written once for every store and list: a read takes the key after which to start from
 * the request's cursor (`cursorKey`) and asks for `limit + 1` rows; `pageOf` keeps `limit` of them and, when
 * the extra row came back, makes the next cursor from the key of the last row kept.
 *
 * A cursor names its list and holds a key of the list's shape (`KEYSET_LISTS`). Why: a garbled cursor, or one
 * of another list, used to read as "from the start", so a client with a broken cursor silently looped over
 * the first page. The routes check the cursor first (`readCursor`, through `parseCursor` in
 * http/query-params.ts) and answer 400 `invalid_query` naming `cursor`; the stores then trust it.
 */
import type { Page } from '@kin/core/api/index.ts';

/** How one part of a key is kept: a text (time, id) or a non-negative integer (a sequence number). */
type KeyPart = 'text' | 'integer';

/** Every keyset list and the shape of its key, in the order the key compares. */
export const KEYSET_LISTS = Object.freeze({
  /** A profile's timeline: (event time, seq), newest first. */
  events: ['text', 'integer'],
  warnings: ['integer'],
  audit: ['integer'],
  /** Tracked links: (created at, id). */
  links: ['text', 'text'],
  review: ['integer'],
  privacy: ['integer'],
  /** An audience's members: the profile id. */
  members: ['text'],
  deliveries: ['integer'],
} satisfies Record<string, readonly KeyPart[]>);

/** The name of a keyset list. */
export type KeysetList = keyof typeof KEYSET_LISTS;

/** A key: the values of the list's key parts. */
export type CursorKey = Array<string | number>;

/** Opaque cursor for a key of `list`, such as (time, seq) or (seq). */
export function encodeCursor(list: KeysetList, key: CursorKey): string {
  return Buffer.from(JSON.stringify([list, ...key])).toString('base64url');
}

/** The key a cursor of `list` holds; `undefined` when it is not one `encodeCursor` made for that list. */
export function readCursor(list: KeysetList, cursor: string): CursorKey | undefined {
  // base64url only: Buffer.from would skip other characters and decode what is left.
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const shape: readonly KeyPart[] = KEYSET_LISTS[list];
  if (!Array.isArray(parts) || parts[0] !== list || parts.length !== shape.length + 1) return undefined;
  const key = parts.slice(1) as unknown[];
  const fits = key.every((part, i) =>
    shape[i] === 'text' ? typeof part === 'string' : typeof part === 'number' && Number.isSafeInteger(part) && part >= 0,
  );
  return fits ? (key as CursorKey) : undefined;
}

/** The key a request's cursor names (checked at the edge); `undefined` without a cursor. */
export function cursorKey(list: KeysetList, cursor: string | undefined): CursorKey | undefined {
  return cursor ? readCursor(list, cursor) : undefined;
}

/** A page of `limit` items from up to `limit + 1` rows read in page order; `keyOf` gives a row's cursor key. */
export function pageOf<R, T>(
  list: KeysetList,
  rows: readonly R[],
  limit: number,
  toItem: (row: R) => T,
  keyOf: (row: R) => CursorKey,
): Page<T> {
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map(toItem), cursor: { next: hasMore && last !== undefined ? encodeCursor(list, keyOf(last)) : null, hasMore } };
}

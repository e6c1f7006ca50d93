/**
 * Keyset pagination, written once for every store and list: a read takes the key after which to start from
 * the request's cursor (`cursorKey`) and asks for `limit + 1` rows; `pageOf` keeps `limit` of them and, when
 * the extra row came back, makes the next cursor from the key of the last row kept.
 */
import type { Page } from '@kin/core/api/index.ts';

/** Opaque cursor for a keyset key such as (time, seq) or (seq). */
export function encodeCursor(parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** Reads a cursor made by `encodeCursor`; `undefined` when it is not one. */
export function decodeCursor(cursor: string): Array<string | number> | undefined {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'string' || typeof p === 'number')) {
      return parts as Array<string | number>;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** The key a request's cursor names; `undefined` without a cursor or with one `encodeCursor` did not make. */
export function cursorKey(cursor: string | undefined): Array<string | number> | undefined {
  return cursor ? decodeCursor(cursor) : undefined;
}

/** A page of `limit` items from up to `limit + 1` rows read in page order; `keyOf` gives a row's cursor key. */
export function pageOf<R, T>(rows: readonly R[], limit: number, toItem: (row: R) => T, keyOf: (row: R) => Array<string | number>): Page<T> {
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map(toItem), cursor: { next: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null, hasMore } };
}

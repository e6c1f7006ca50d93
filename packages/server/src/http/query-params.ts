import type { Context } from 'hono';
import { ApiError } from './error-catalog.ts';
import type { KeysetList } from '../storage/keyset-page.ts';
import { readCursor } from '../storage/keyset-page.ts';

/** Parses `?limit=`: an integer from 1 to `max`, `fallback` when absent; `invalid_query` otherwise. */
export function parseLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError('invalid_query', `limit must be an integer from 1 to ${max}`, 'limit');
  return n;
}

/** A 200 answer whose body is JSON text made already (by a read on the read thread, see admin-reads.ts). */
export function jsonText(c: Context, text: string): Response {
  return c.body(text, 200, { 'content-type': 'application/json' });
}

/** Parses a yes/no query parameter: `1`/`true` or `0`/`false` (absent or empty: false); `invalid_query` otherwise. */
export function parseFlag(raw: string | undefined, field: string): boolean {
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ApiError('invalid_query', `${field} must be 1, 0, true or false`, field);
}

/** Parses `?offset=`: an integer from 0 to 100,000, 0 when absent; `invalid_query` otherwise. */
export function parseOffset(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 100_000)
    throw new ApiError('invalid_query', 'offset must be an integer from 0 to 100000', 'offset');
  return n;
}

/**
 * Parses `?cursor=` of a keyset list: absent or empty is the first page; a cursor this list did not give
 * (garbled, or of another list) is 400 `invalid_query` naming `cursor`, never read as "from the start".
 */
export function parseCursor(raw: string | undefined, list: KeysetList): { cursor?: string } {
  if (raw === undefined || raw === '') return {};
  if (!readCursor(list, raw)) throw new ApiError('invalid_query', 'cursor is not one this list answered with', 'cursor');
  return { cursor: raw };
}

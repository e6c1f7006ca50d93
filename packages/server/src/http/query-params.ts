import { ApiError } from './error-catalog.ts';

/** Parses `?limit=`: an integer from 1 to `max`, `fallback` when absent; `invalid_query` otherwise. */
export function parseLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError('invalid_query', `limit must be an integer from 1 to ${max}`, 'limit');
  return n;
}

/** Parses `?offset=`: an integer from 0 to 100,000, 0 when absent; `invalid_query` otherwise. */
export function parseOffset(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 100_000) throw new ApiError('invalid_query', 'offset must be an integer from 0 to 100000', 'offset');
  return n;
}

import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/error-catalog.ts';
import type { Store } from '../storage/storage.ts';
import { guardStore, isUnavailable } from './service-unavailable.ts';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('service unavailable', () => {
  it('recognises unreachable PostgreSQL and NATS, not bugs or bad input', () => {
    expect(isUnavailable(refused())).toBe(true);
    expect(isUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' }))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
    expect(isUnavailable(new TypeError('x is undefined'))).toBe(false);
  });

  it('a guarded store answers 503 with Retry-After while the database is unreachable, and passes other errors through', async () => {
    const store = {
      matching: { kind: 'a plain property' },
      findSourceByKeyHash: () => Promise.reject(refused()),
      stats: () => Promise.reject(new RangeError('bug')),
      listSources: () => Promise.resolve([]),
    } as unknown as Store;
    const guarded = guardStore(store);
    const error = await guarded.findSourceByKeyHash('h').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('service_unavailable');
    expect((error as ApiError).headers).toEqual({ 'Retry-After': '5' });
    await expect(guarded.stats()).rejects.toBeInstanceOf(RangeError);
    expect(await guarded.listSources()).toEqual([]);
    expect(guarded.matching).toEqual({ kind: 'a plain property' });
  });
});

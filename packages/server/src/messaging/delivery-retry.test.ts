import { describe, expect, it } from 'vitest';
import { attemptOutcome, retryAfterMs } from './delivery-retry.ts';

const NOW = new Date('2026-12-01T00:00:00Z');
const after = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('delivery attempt rules', () => {
  it('D1 2xx: delivered', () => {
    expect(attemptOutcome(1, { status: 204 }, NOW)).toEqual({ status: 'delivered' });
  });
  it('D2 408/425/429/5xx/network errors retry on the schedule, honouring a later Retry-After, then fail', () => {
    for (const status of [408, 425, 429, 500, 503, undefined])
      expect(attemptOutcome(1, status === undefined ? {} : { status }, NOW)).toMatchObject({
        status: 'pending',
        nextAttemptAt: after(5_000),
      });
    expect(attemptOutcome(2, { status: 500 }, NOW).nextAttemptAt).toBe(after(300_000));
    expect(attemptOutcome(7, { status: 500 }, NOW).nextAttemptAt).toBe(after(36_000_000));
    expect(attemptOutcome(1, { status: 429, retryAfterMs: 60_000 }, NOW).nextAttemptAt).toBe(after(60_000));
    expect(attemptOutcome(1, { status: 429, retryAfterMs: 1_000 }, NOW).nextAttemptAt).toBe(after(5_000));
    expect(attemptOutcome(8, { status: 500 }, NOW)).toMatchObject({ status: 'failed' });
  });
  it('D3 410 fails and disables the destination', () => {
    expect(attemptOutcome(1, { status: 410 }, NOW)).toMatchObject({ status: 'failed', disableDestination: true });
  });
  it('D4 other statuses fail without retry', () => {
    for (const status of [400, 401, 404, 422, 301]) expect(attemptOutcome(1, { status }, NOW).status).toBe('failed');
  });
  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('120', NOW)).toBe(120_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 00:01:00 GMT', NOW)).toBe(60_000);
    expect(retryAfterMs('soon', NOW)).toBeUndefined();
  });
});

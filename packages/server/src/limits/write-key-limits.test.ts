import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import { parseConfig } from '../config.ts';
import { fixedClock } from '../ports/clock.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';
import { TRACKING_PATHS } from '../http/tracking-routes.ts';
import { createWriteKeyLimits } from './write-key-limits.ts';

interface Answer {
  accepted: number;
  rejected: Array<{ index: number; code: string; field: string }>;
}

let kin: TestApp | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await kin?.close();
  kin = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const batchOf = (from: number, n: number) => ({
  batch: Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Viewed',
    anonymousId: `a-${from + i}`,
    messageId: `m-${from + i}`,
  })),
});

const policyFile = (policy: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'kin-limits-'));
  dirs.push(dir);
  const file = join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify(policy));
  return file;
};

describe('write-key rate limits', () => {
  it('1,000 events in one second against 100/s with a 5 s burst: about 600 accepted, the rest rate_limited per item, then 429', async () => {
    const clock = fixedClock('2026-03-01T10:00:00Z');
    kin = await createTestApp({ clock, env: { KIN_RATE_LIMIT_EVENTS_PER_SECOND: '100', KIN_RATE_LIMIT_BURST_SECONDS: '5' } });
    let accepted = 0;
    let limited = 0;
    for (let i = 0; i < 10; i++) {
      const res = await kin.track('/v1/batch', batchOf(i * 100, 100));
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('"events";q=500;w=5');
      expect(res.headers.get('ratelimit')).toMatch(/^"events";r=\d+;t=\d+$/);
      const answer = (await res.json()) as Answer;
      accepted += answer.accepted;
      limited += answer.rejected.filter((r) => r.code === 'rate_limited').length;
      // Items are refused in batch order, each named by its index (never dropped silently).
      for (const r of answer.rejected) expect(r.field).toBe(`batch[${r.index}]`);
      expect(answer.accepted + answer.rejected.length).toBe(100);
      clock.advance(100);
    }
    // The 500-event burst plus 100/s over the 0.9 s between the first and the last request.
    expect(accepted).toBe(590);
    expect(limited).toBe(410);
    expect((await (await kin.admin('/v1/stats')).json()) as { events: number }).toMatchObject({ events: 590 });

    clock.advance(-100);
    const over = await kin.track('/v1/batch', batchOf(5000, 50));
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('1');
    expect(over.headers.get('ratelimit')).toMatch(/^"events";r=0;t=\d+$/);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    const single = await kin.track('/v1/track', { event: 'Viewed', anonymousId: 'a-single' });
    expect(single.status).toBe(429);
    expect(single.headers.get('retry-after')).toBe('1');

    clock.advance(1000);
    const later = await kin.track('/v1/track', { event: 'Viewed', anonymousId: 'a-single' });
    expect(later.status).toBe(200);
    expect(later.headers.get('ratelimit')).toMatch(/^"events";r=\d+;t=\d+$/);
  });

  it.each(TRACKING_PATHS)('%s answers 429 rate_limited with Retry-After once the bucket is empty', async (path) => {
    kin = await createTestApp({
      clock: fixedClock('2026-03-01T10:00:00Z'),
      env: { KIN_RATE_LIMIT_EVENTS_PER_SECOND: '1', KIN_RATE_LIMIT_BURST_SECONDS: '1' },
    });
    const type = path.slice('/v1/'.length);
    const item = { event: 'Viewed', name: 'Home', groupId: 'g1', previousId: 'a-0', userId: 'u-1', anonymousId: 'a-1' };
    const body = type === 'batch' || type === 'import' ? { batch: [{ type: 'track', ...item }] } : item;
    expect((await kin.track(path, body)).status).toBe(200);
    const over = await kin.track(path, body);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('1');
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('is off by default: no limit, no RateLimit headers', async () => {
    kin = await createTestApp({ clock: fixedClock('2026-03-01T10:00:00Z') });
    const res = await kin.track('/v1/batch', batchOf(0, 2000));
    expect(((await res.json()) as Answer).accepted).toBe(2000);
    expect(res.headers.get('ratelimit')).toBeNull();
  });

  it('the policy sets a limit per source, and "off" exempts a source from the configured one', async () => {
    const limited = policyFile({ sources: { web: { rateLimit: { eventsPerSecond: 2, burstSeconds: 1 } } } });
    kin = await createTestApp({ clock: fixedClock('2026-03-01T10:00:00Z'), env: { KIN_POLICY: limited } });
    const answer = (await (await kin.track('/v1/batch', batchOf(0, 5))).json()) as Answer;
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map((r) => [r.index, r.code])).toEqual([
      [2, 'rate_limited'],
      [3, 'rate_limited'],
      [4, 'rate_limited'],
    ]);
    await kin.close();

    const exempt = policyFile({ sources: { web: { rateLimit: 'off' } } });
    kin = await createTestApp({
      clock: fixedClock('2026-03-01T10:00:00Z'),
      env: { KIN_POLICY: exempt, KIN_RATE_LIMIT_EVENTS_PER_SECOND: '1' },
    });
    expect(((await (await kin.track('/v1/batch', batchOf(0, 50))).json()) as Answer).accepted).toBe(50);
  });

  it('invalid items are answered as before and take no tokens; rate_limited items sort among them by index', async () => {
    kin = await createTestApp({
      clock: fixedClock('2026-03-01T10:00:00Z'),
      env: { KIN_RATE_LIMIT_EVENTS_PER_SECOND: '1', KIN_RATE_LIMIT_BURST_SECONDS: '2' },
    });
    const body = { batch: [{ type: 'track', anonymousId: 'a1' }, ...batchOf(0, 3).batch, { type: 'track', event: 'Viewed' }] };
    const answer = (await (await kin.track('/v1/batch', body)).json()) as Answer;
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'invalid_event'],
      [3, 'rate_limited'],
      [4, 'missing_identity'],
    ]);
  });
});

describe('createWriteKeyLimits', () => {
  it('reports every refused event (for kin_rate_limited_total) and nothing for a source without a limit', () => {
    const refused: number[] = [];
    const config = parseConfig({ KIN_RATE_LIMIT_EVENTS_PER_SECOND: '3', KIN_RATE_LIMIT_BURST_SECONDS: '1' }).rateLimits;
    const policy = { ...DEFAULT_POLICY, sources: { free: { identityVerification: 'off' as const, rateLimit: 'off' as const } } };
    const limits = createWriteKeyLimits({
      config,
      policy,
      clock: fixedClock('2026-03-01T10:00:00Z'),
      onRefused: (_limit, n) => refused.push(n),
    });
    expect(limits.take({ id: 's1', name: 'web' }, 5)?.granted).toBe(3);
    expect(limits.take({ id: 's1', name: 'web' }, 2)?.granted).toBe(0);
    expect(limits.take({ id: 's2', name: 'free' }, 1000)).toBeUndefined();
    expect(refused).toEqual([2, 2]);
  });
});

describe('rate-limit configuration', () => {
  it('write keys off, admin tokens on by default; a bad value names its variable', () => {
    expect(parseConfig({}).rateLimits).toEqual({ eventsPerSecond: 0, burstSeconds: 5, adminPerMinute: 1200, adminHeavyPerMinute: 120 });
    expect(() => parseConfig({ KIN_RATE_LIMIT_BURST_SECONDS: '0' })).toThrow(/KIN_RATE_LIMIT_BURST_SECONDS/);
    expect(() => parseConfig({ KIN_RATE_LIMIT_EVENTS_PER_SECOND: '-1' })).toThrow(/KIN_RATE_LIMIT_EVENTS_PER_SECOND/);
  });
});

import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { ApiError, statusOf } from '../http/error-catalog.ts';
import { fixedClock } from '../ports/clock.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createTestApp } from '../testing/app-harness.ts';
import { HEAVY_ADMIN_PATHS, createAdminLimits } from './admin-limits.ts';

let kin: TestApp | undefined;
afterEach(async () => {
  await kin?.close();
  kin = undefined;
});

describe('admin-token rate limits (the app)', () => {
  it('counts requests per minute per token: 429 rate_limited with Retry-After and RateLimit headers, then refills', async () => {
    const clock = fixedClock('2026-03-01T10:00:00Z');
    kin = await createTestApp({ clock, env: { KIN_ADMIN_RATE_LIMIT_PER_MINUTE: '3' } });
    for (let i = 0; i < 3; i++) {
      const res = await kin.admin('/v1/stats');
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('"admin";q=3;w=60');
      expect(res.headers.get('ratelimit')).toBe(`"admin";r=${2 - i};t=${20 * (i + 1)}`);
    }
    const over = await kin.admin('/v1/sources');
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(over.headers.get('retry-after')).toBe('20');
    clock.advance(20_000);
    expect((await kin.admin('/v1/sources')).status).toBe(200);
  });

  it('never counts a request the guard refused, nor a tracking request', async () => {
    kin = await createTestApp({ clock: fixedClock('2026-03-01T10:00:00Z'), env: { KIN_ADMIN_RATE_LIMIT_PER_MINUTE: '1' } });
    for (let i = 0; i < 3; i++)
      expect((await kin.app.request('/v1/stats', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await kin.track('/v1/track', { event: 'Viewed', anonymousId: 'a1' })).status).toBe(200);
    expect((await kin.admin('/v1/stats')).status).toBe(200);
    expect((await kin.admin('/v1/stats')).status).toBe(429);
  });

  it('counts a path that matches two admin patterns once (/v1/sources and /v1/sources/*)', async () => {
    kin = await createTestApp({ clock: fixedClock('2026-03-01T10:00:00Z'), env: { KIN_ADMIN_RATE_LIMIT_PER_MINUTE: '2' } });
    expect((await kin.admin('/v1/sources/web')).headers.get('ratelimit')).toMatch(/^"admin";r=1;/);
  });
});

describe('admin-token rate limits: heavy routes counted apart', () => {
  const appWith = (perMinute: string, heavyPerMinute: string) => {
    const config = parseConfig({ KIN_ADMIN_RATE_LIMIT_PER_MINUTE: perMinute, KIN_ADMIN_HEAVY_RATE_LIMIT_PER_MINUTE: heavyPerMinute });
    const refused: string[] = [];
    const limits = createAdminLimits({
      config: config.rateLimits,
      clock: fixedClock('2026-03-01T10:00:00Z'),
      onRefused: (limit) => refused.push(limit),
    });
    const app = new Hono();
    for (const path of HEAVY_ADMIN_PATHS) app.use(path, limits.markHeavy);
    for (const path of ['/v1/stats', '/v1/analytics/*']) app.use(path, limits.count);
    app.get('/v1/stats', (c) => c.json({}));
    app.get('/v1/analytics/funnel', (c) => c.json({}));
    app.onError((error, c) => (error instanceof ApiError ? c.json(error.body(), statusOf(error.code), error.headers) : c.text('bug', 500)));
    const as = (token: string) => (path: string) => app.request(path, { headers: { authorization: `Bearer ${token}` } });
    return { ann: as('token-of-ann-0123456789'), bob: as('token-of-bob-0123456789'), refused };
  };

  it('a heavy route spends its own bucket, not the standard one', async () => {
    const { ann, refused } = appWith('100', '2');
    expect((await ann('/v1/analytics/funnel')).headers.get('ratelimit-policy')).toBe('"admin-heavy";q=2;w=60');
    expect((await ann('/v1/analytics/funnel')).status).toBe(200);
    const over = await ann('/v1/analytics/funnel');
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('30');
    const cheap = await ann('/v1/stats');
    expect(cheap.status).toBe(200);
    expect(cheap.headers.get('ratelimit')).toMatch(/^"admin";r=99;/);
    expect(refused).toEqual(['admin-heavy']);
  });

  it('each token has its own buckets, and 0 turns a class off', async () => {
    const { ann, bob } = appWith('1', '0');
    expect((await ann('/v1/stats')).status).toBe(200);
    expect((await ann('/v1/stats')).status).toBe(429);
    expect((await bob('/v1/stats')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await ann('/v1/analytics/funnel')).status).toBe(200);
  });
});

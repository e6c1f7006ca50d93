/**
 * Per-admin-token rate limits: requests per minute per token, with heavy routes (analytics queries, which
 * scan many events) counted in a bucket of their own, so a dashboard's cheap reads are not starved by a
 * report and a report loop cannot hide behind them. A request counts once, after the admin guard accepted
 * its token (an unauthenticated request never creates a bucket), keyed by the token's SHA-256.
 *
 * Declaring a route heavy: list its pattern (a Hono path pattern, e.g. `/v1/analytics/*`) in
 * `HEAVY_ADMIN_PATHS` (app.ts adds each route file's own `<SUBJECT>_HEAVY_PATHS`); app.ts mounts `markHeavy`
 * on each heavy pattern before `count` runs.
 */
import type { MiddlewareHandler } from 'hono';
import type { KinConfig } from '../config.ts';
import { ApiError } from '../http/error-catalog.ts';
import { hashSecret } from '../http/secret-compare.ts';
import type { Clock } from '../ports/clock.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import type { BucketRule } from './token-bucket.ts';
import { createTokenBuckets } from './token-bucket.ts';

/** The cost classes of admin routes. */
export type AdminCost = 'standard' | 'heavy';

/** Admin route patterns counted as heavy (analytics queries; the routes may come later). */
export const HEAVY_ADMIN_PATHS: readonly string[] = ['/v1/analytics', '/v1/analytics/*'];

/** The two middlewares app.ts mounts. */
export interface AdminLimits {
  /** Marks a request as heavy; mounted on each heavy pattern before `count`. */
  markHeavy: MiddlewareHandler;
  /** Counts the request against its token's bucket of its class; 429 `rate_limited` when empty. */
  count: MiddlewareHandler;
}

const perMinute = (n: number): BucketRule | undefined => (n > 0 ? { capacity: n, perSecond: n / 60 } : undefined);

/** Builds the admin limiter (a class whose limit is 0 is not limited). */
export function createAdminLimits(options: {
  config: KinConfig['rateLimits'];
  clock: Clock;
  onRefused?: (limit: 'admin' | 'admin-heavy', count: number) => void;
}): AdminLimits {
  const rules: Record<AdminCost, BucketRule | undefined> = {
    standard: perMinute(options.config.adminPerMinute),
    heavy: perMinute(options.config.adminHeavyPerMinute),
  };
  const buckets = createTokenBuckets();
  // Why per Request object: an admin path can match two patterns (`/v1/sources`, `/v1/sources/*`); it counts once.
  const heavy = new WeakSet<Request>();
  const counted = new WeakSet<Request>();
  return {
    markHeavy: async (c, next) => {
      heavy.add(c.req.raw);
      await next();
    },
    count: async (c, next) => {
      if (counted.has(c.req.raw)) return next();
      counted.add(c.req.raw);
      const cost: AdminCost = heavy.has(c.req.raw) ? 'heavy' : 'standard';
      const rule = rules[cost];
      if (!rule) return next();
      const header = c.req.header('authorization') ?? '';
      const token = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : header;
      const take = buckets.take(`${cost}:${hashSecret(token)}`, rule, 1, options.clock.now().getTime());
      const name = cost === 'heavy' ? ('admin-heavy' as const) : ('admin' as const);
      if (take.granted === 0) {
        options.onRefused?.(name, 1);
        throw new ApiError(
          'rate_limited',
          `this token made more than ${rule.capacity} ${cost === 'heavy' ? 'heavy (analytics) ' : ''}requests in a minute`,
          undefined,
          rateLimitHeaders(name, rule, take, true),
        );
      }
      for (const [key, value] of Object.entries(rateLimitHeaders(name, rule, take, false))) c.header(key, value);
      return next();
    },
  };
}

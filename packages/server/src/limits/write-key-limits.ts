/**
 * Per-write-key rate limits: events per second with a burst, counted per source. Off by default: a rate
 * limit on ingest drops data a shop cannot send again (a browser that got 429 retries, but a server job or a
 * webhook relay may not), so it is something an operator turns on for a source they know, not a surprise.
 * The configuration's limit (`KIN_RATE_LIMIT_EVENTS_PER_SECOND`) applies to every write key; the policy's
 * `sources.<name>.rateLimit` overrides it per source (`"off"` exempts one).
 *
 * Why counted in memory per process: the bucket is on the answer path of every tracking request and must
 * cost nothing there; in pipeline mode each collector counts apart, so N collectors behind a balancer let
 * through up to N times the limit (documented in docs/rate-limits.md).
 */
import type { IdentityPolicy } from '@kin/core';
import type { KinConfig } from '../config.ts';
import type { Clock } from '../ports/clock.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import type { BucketRule } from './token-bucket.ts';
import { createTokenBuckets } from './token-bucket.ts';

/** What a write key may send now: how many of the events asked for, and the headers to answer with. */
export interface WriteKeyGrant {
  granted: number;
  headers: Record<string, string>;
}

/** The write-key limiter the tracking routes ask. */
export interface WriteKeyLimits {
  /** Takes up to `events` tokens for a source; `undefined` when the source is not limited. */
  take(source: { id: string; name: string }, events: number): WriteKeyGrant | undefined;
}

/** Builds the limiter from the configuration's default and the policy's per-source rules. */
export function createWriteKeyLimits(options: {
  config: KinConfig['rateLimits'];
  policy: IdentityPolicy;
  clock: Clock;
  onRefused?: (limit: 'events', count: number) => void;
}): WriteKeyLimits {
  const { config, policy, clock } = options;
  const buckets = createTokenBuckets();
  const fallback: BucketRule | undefined =
    config.eventsPerSecond > 0 ? { perSecond: config.eventsPerSecond, capacity: config.eventsPerSecond * config.burstSeconds } : undefined;
  const ruleOf = (name: string): BucketRule | undefined => {
    const own = Object.hasOwn(policy.sources, name) ? policy.sources[name]?.rateLimit : undefined;
    if (own === 'off') return undefined;
    if (own) return { perSecond: own.eventsPerSecond, capacity: own.eventsPerSecond * own.burstSeconds };
    return fallback;
  };
  return {
    take(source, events) {
      const rule = ruleOf(source.name);
      if (!rule) return undefined;
      const take = buckets.take(source.id, rule, events, clock.now().getTime());
      if (take.granted < events) options.onRefused?.('events', events - take.granted);
      return { granted: take.granted, headers: rateLimitHeaders('events', rule, take, take.granted === 0 && events > 0) };
    },
  };
}

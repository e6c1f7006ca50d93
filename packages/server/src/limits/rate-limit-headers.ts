/**
 * The headers of a rate-limited answer, after the IETF draft "RateLimit header fields for HTTP"
 * (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy: "<name>";q=<quota>;w=<window seconds>` and
 * `RateLimit: "<name>";r=<remaining>;t=<seconds>`, plus `Retry-After` (RFC 9110) when the answer is 429.
 * A token bucket maps onto them as: quota = the bucket's capacity, window = the seconds it takes to refill
 * from empty, remaining = whole tokens left, t = seconds until the bucket is full again.
 */
import type { BucketRule, BucketTake } from './token-bucket.ts';

/** The `RateLimit-Policy` and `RateLimit` headers of one bucket after a take (and `Retry-After` when `refused`). */
export function rateLimitHeaders(name: string, rule: BucketRule, take: BucketTake, refused: boolean): Record<string, string> {
  const window = Math.max(1, Math.round(rule.capacity / rule.perSecond));
  return {
    'RateLimit-Policy': `"${name}";q=${Math.floor(rule.capacity)};w=${window}`,
    RateLimit: `"${name}";r=${take.remaining};t=${take.resetSeconds}`,
    // Why at least 1: `Retry-After: 0` invites an immediate retry that the bucket would refuse again.
    ...(refused ? { 'Retry-After': String(Math.max(1, take.retryAfterSeconds)) } : {}),
  };
}

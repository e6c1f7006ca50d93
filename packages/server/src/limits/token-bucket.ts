/**
 * Token buckets: the arithmetic of Kin's rate limits (write keys in events per second, admin tokens in
 * requests per minute). A bucket holds at most `capacity` tokens and refills at `perSecond`; a request takes
 * one token per unit (an event, a request). Why a bucket and not a fixed window: a window lets twice its quota
 * through around its edge, and a bucket's burst is the one number an SDK that flushes a queue after being
 * offline needs. Time is a number of milliseconds passed in (from the Clock port), so a fixed clock tests it.
 */

/** A bucket's rule: at most `capacity` tokens, refilled at `perSecond` tokens per second. */
export interface BucketRule {
  capacity: number;
  perSecond: number;
}

/** A bucket's state: its tokens (fractional) when last seen, at `atMs`. */
export interface BucketState {
  tokens: number;
  atMs: number;
}

/** What one take granted, and what a client is told (the numbers of the RateLimit and Retry-After headers). */
export interface BucketTake {
  /** Whole tokens granted: at most what was asked, at most what the bucket held. */
  granted: number;
  /** The bucket after the take. */
  state: BucketState;
  /** Whole tokens left. */
  remaining: number;
  /** Whole seconds until one token is back (0 when one is there): `Retry-After`. */
  retryAfterSeconds: number;
  /** Whole seconds until the bucket is full again: the `t` of the `RateLimit` header. */
  resetSeconds: number;
}

/** The bucket at `nowMs`: refilled for the time since it was last seen (a new bucket starts full). */
export function refill(rule: BucketRule, state: BucketState | undefined, nowMs: number): BucketState {
  if (!state) return { tokens: rule.capacity, atMs: nowMs };
  // A clock that stepped back refills nothing (and does not move `atMs` back either).
  const elapsed = Math.max(0, nowMs - state.atMs);
  return { tokens: Math.min(rule.capacity, state.tokens + (elapsed * rule.perSecond) / 1000), atMs: Math.max(nowMs, state.atMs) };
}

/** Takes up to `wanted` whole tokens at `nowMs`; never throws, never goes below zero. */
export function takeTokens(rule: BucketRule, state: BucketState | undefined, wanted: number, nowMs: number): BucketTake {
  const full = refill(rule, state, nowMs);
  // Why the epsilon: 0.1 s at 10/s must give back exactly one token, not 0.9999999.
  const whole = Math.floor(full.tokens + 1e-9);
  const granted = Math.max(0, Math.min(Math.floor(wanted), whole));
  const after: BucketState = { tokens: Math.max(0, full.tokens - granted), atMs: full.atMs };
  const missing = 1 - after.tokens;
  return {
    granted,
    state: after,
    remaining: Math.floor(after.tokens + 1e-9),
    retryAfterSeconds: missing <= 1e-9 ? 0 : Math.ceil(missing / rule.perSecond - 1e-9),
    resetSeconds: Math.ceil((rule.capacity - after.tokens) / rule.perSecond - 1e-9),
  };
}

/** Buckets by key (a source id, a token hash), each with the rule its key is given. */
export interface TokenBuckets {
  /** Takes up to `wanted` tokens from `key`'s bucket under `rule`. */
  take(key: string, rule: BucketRule, wanted: number, nowMs: number): BucketTake;
  /** How many buckets are held (for tests and bounds). */
  size(): number;
}

/**
 * Creates a keyed set of buckets. Why the bound: keys are sources and admin tokens (a few), but a bucket that
 * has refilled to full carries no information, so past `maxKeys` the full ones are forgotten first.
 */
export function createTokenBuckets(options: { maxKeys?: number } = {}): TokenBuckets {
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, { rule: BucketRule; state: BucketState }>();
  return {
    take(key, rule, wanted, nowMs) {
      const held = buckets.get(key);
      // A changed rule (a policy reload) starts from the old tokens, capped by the new capacity.
      const result = takeTokens(rule, held?.state, wanted, nowMs);
      if (!held && buckets.size >= maxKeys) {
        for (const [k, b] of buckets) if (refill(b.rule, b.state, nowMs).tokens >= b.rule.capacity) buckets.delete(k);
        // Still full of busy buckets: forget the oldest rather than grow without bound.
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string);
      }
      buckets.set(key, { rule, state: result.state });
      return result;
    },
    size: () => buckets.size,
  };
}

/**
 * When a failed batch is tried again, and which answers are worth trying again at all.
 */

/** Exponential backoff limits. */
export interface RetryPolicy {
  /** Delay ceiling of the first retry, in ms. */
  baseMs: number;
  /** Largest delay ceiling, in ms. */
  maxMs: number;
  /** Sends of one event before it is given up (with a warning). */
  maxAttempts: number;
}

/** Defaults: 1 s, 2 s, 4 s ... capped at 5 minutes; ten tries in all. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseMs: 1_000, maxMs: 300_000, maxAttempts: 10 };

/**
 * Delay before retry number `attempt` (1 for the first retry), given `random` in [0, 1).
 *
 * Why "equal jitter" (half fixed, half random): every browser that lost the same outage must not come
 * back in the same second, yet none should retry sooner than half the ceiling.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

/** What to do with a batch after the server answered. */
export type SendOutcome = 'delivered' | 'retry' | 'drop';

/**
 * Classifies an HTTP status: 2xx delivered; 429, 5xx and 0 (no answer) retried; any other 4xx is a
 * permanent refusal (bad key, invalid events) that retrying cannot fix, so the batch is dropped.
 */
export function classifyStatus(status: number): SendOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 0 || status === 429 || status >= 500) return 'retry';
  return 'drop';
}

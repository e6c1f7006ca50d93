/**
 * What one delivery attempt's answer means: done, try again later (and when), or give up. Pure, so each
 * rule is a table test (delivery-retry.test.ts).
 *
 * D1. 2xx: delivered.
 * D2. 408, 425, 429, 5xx and network errors (no status): retried on the schedule 0 s, 5 s, 5 min, 30 min,
 *     2 h, 5 h, 10 h, 10 h (the delay before attempt n is `RETRY_SCHEDULE_MS[n - 1]`); a `Retry-After` later
 *     than the schedule's time is honoured (at most 10 h). After the eighth attempt: failed.
 * D3. 410 Gone: failed, and the destination is disabled (no later delivery is tried).
 * D4. Any other status (4xx, 3xx): failed without retry.
 */

/** Delays before attempts 1…8. */
export const RETRY_SCHEDULE_MS = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;

/** What a transport reports for one attempt. */
export interface AttemptResult {
  /** The HTTP status (SMTP transports map their reply codes); absent for a network error. */
  status?: number;
  retryAfterMs?: number;
  error?: string;
}

/** The delivery's next state. */
export interface AttemptOutcome {
  status: 'delivered' | 'pending' | 'failed';
  nextAttemptAt?: string;
  disableDestination?: boolean;
  lastError?: string;
}

const RETRYABLE = new Set([408, 425, 429]);

/** Classifies attempt number `attempt` (1-based) made at `now`. */
export function attemptOutcome(attempt: number, result: AttemptResult, now: Date): AttemptOutcome {
  const { status } = result;
  if (status !== undefined && status >= 200 && status < 300) return { status: 'delivered' };
  const lastError = result.error ?? (status !== undefined ? `HTTP ${status}` : 'network error');
  if (status === 410) return { status: 'failed', disableDestination: true, lastError };
  const retryable = status === undefined || RETRYABLE.has(status) || status >= 500;
  if (!retryable) return { status: 'failed', lastError };
  const delay = RETRY_SCHEDULE_MS[attempt];
  if (delay === undefined) return { status: 'failed', lastError: `${lastError} (after ${attempt} attempts)` };
  const wait = Math.min(Math.max(delay, result.retryAfterMs ?? 0), 36_000_000);
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + wait).toISOString(), lastError };
}

/** Milliseconds of a `Retry-After` header (seconds or an HTTP date), or `undefined`. */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

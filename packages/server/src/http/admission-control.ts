/**
 * Ingest admission: a bound on the tracking requests in flight and on the request bytes they may hold.
 * Over either bound a request is answered at once with 503 `overloaded` and `Retry-After` (every Segment
 * SDK retries 5xx answers), before its body is read; the HTTP adapter then drains or drops the unread body.
 *
 * Why: without it, 1,000 concurrent 510 KB batches were all read, parsed and queued at once (6.2 GB RSS,
 * p50 170 s) and `/health` waited 12.6 s behind them on the event loop. Work admitted is bounded, so the
 * answers of what is admitted stay fast and memory stays near `maxInFlightBytes` times the parse overhead.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './error-catalog.ts';

/** The bounds (from `KinConfig.admission` and `limits.maxRequestBytes`). */
export interface AdmissionLimits {
  maxInFlightBytes: number;
  maxInFlightRequests: number;
  /** A request's reservation when it declares no length or is gzip (it may inflate to this). */
  maxRequestBytes: number;
}

/** What admission reports (metrics); all optional. */
export interface AdmissionEvents {
  refused?: () => void;
}

/** An admission gate: the middleware and its current load (for gauges and tests). */
export interface Admission {
  middleware: MiddlewareHandler;
  inFlight(): { requests: number; bytes: number };
}

/** Seconds a refused client is told to wait; short, because a refusal is about this instant's load. */
export const RETRY_AFTER_SECONDS = 1;

/** Creates an admission gate. */
export function createAdmission(limits: AdmissionLimits, events: AdmissionEvents = {}): Admission {
  let requests = 0;
  let bytes = 0;
  const middleware: MiddlewareHandler = async (c, next) => {
    const cost = reservationOf(c.req.raw.headers, limits.maxRequestBytes);
    // An idle gate admits one request whatever its size, so a bound below one request never refuses forever.
    if (requests >= limits.maxInFlightRequests || (requests > 0 && bytes + cost > limits.maxInFlightBytes)) {
      events.refused?.();
      throw new ApiError(
        'overloaded',
        `the server is at its ingest bound (${limits.maxInFlightRequests} requests or ${limits.maxInFlightBytes} bytes in flight); retry after ${RETRY_AFTER_SECONDS} s`,
        undefined,
        {
          'Retry-After': String(RETRY_AFTER_SECONDS),
        },
      );
    }
    requests += 1;
    bytes += cost;
    try {
      await next();
    } finally {
      requests -= 1;
      bytes -= cost;
    }
  };
  return { middleware, inFlight: () => ({ requests, bytes }) };
}

/**
 * The bytes a request may occupy once read: its declared length, or the request limit when it declares
 * none (chunked) or is gzip (the limit applies after inflation). Over the limit it is refused with 413
 * before reading, so the limit caps the reservation too.
 */
function reservationOf(headers: Headers, maxRequestBytes: number): number {
  const encoding = (headers.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') return maxRequestBytes;
  const declared = Number(headers.get('content-length') ?? NaN);
  return Number.isFinite(declared) && declared >= 0 ? Math.min(declared, maxRequestBytes) : maxRequestBytes;
}

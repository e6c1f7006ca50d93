/**
 * Backpressure: when PostgreSQL or NATS cannot be reached, clients get `503 service_unavailable` with
 * `Retry-After` (SDKs retry on 503), never a 500, and nothing they sent is half-taken: a request either
 * reached JetStream (or the store) completely or is answered 503 and retried.
 */
import { ApiError } from '../http/error-catalog.ts';
import type { Store } from '../storage/storage.ts';
import { decorate } from './port-decorator.ts';

/** Seconds a client should wait before retrying. */
export const RETRY_AFTER_SECONDS = 5;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// PostgreSQL: connection exceptions (08…), shutdown and "cannot connect now" (57P01–57P03), too many connections.
const PG_STATES = /^(08...|57P0[1-3]|53300)$/;
// nats.js error codes for a server that is gone or has no JetStream responder.
const NATS_CODES = new Set(['TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_DRAINING', 'DISCONNECT', 'CONNECTION_REFUSED', '503']);

/** True when an error means "the database or the message bus is unreachable", not a bug. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof ApiError) return error.code === 'service_unavailable';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_STATES.test(code) || NATS_CODES.has(code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection closed/i.test(
    error.message,
  );
}

/** The 503 answer for an unreachable dependency. */
export function unavailable(what: string): ApiError {
  return new ApiError('service_unavailable', `${what} is unavailable; retry later`, undefined, {
    'Retry-After': String(RETRY_AFTER_SECONDS),
  });
}

/** Re-throws unreachable-dependency errors as `unavailable(what)`; others unchanged. */
export function asUnavailable(error: unknown, what: string): never {
  throw isUnavailable(error) && !(error instanceof ApiError) ? unavailable(what) : error;
}

/** A store whose every call answers 503 (not 500) while the database cannot be reached. */
export function guardStore(store: Store): Store {
  return decorate(store, {
    around(call) {
      const result = call();
      return result instanceof Promise ? result.catch((error: unknown) => asUnavailable(error, 'the database')) : result;
    },
  });
}

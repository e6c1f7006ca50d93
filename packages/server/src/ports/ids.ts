import { randomUUID } from 'node:crypto';

/** Id port: profile, merge, message and request ids. */
export interface IdGenerator {
  /** A time-ordered id (UUIDv7 layout): new rows land at the end of the index instead of scattering it. */
  profileId(): string;
  /** A random UUID for message ids the client did not send. */
  messageId(): string;
  /** A random UUID naming one HTTP request (`X-Request-Id`, error bodies). */
  requestId(): string;
  /** A random UUID for a stored row that is not a profile (merges, sources, rules, ledger entries). */
  rowId(): string;
}

/** Ids from the system clock and crypto randomness. */
export function createIdGenerator(now: () => number = Date.now): IdGenerator {
  return {
    profileId: () => uuidV7(now()),
    messageId: () => randomUUID(),
    requestId: () => randomUUID(),
    rowId: () => randomUUID(),
  };
}

/** A deterministic twin for tests: p-000001, p-000002, …, m-000001, …, r-000001, … and x-000001, … */
export function sequentialIds(): IdGenerator {
  let p = 0;
  let m = 0;
  let r = 0;
  let x = 0;
  return {
    profileId: () => `p-${String(++p).padStart(6, '0')}`,
    messageId: () => `m-${String(++m).padStart(6, '0')}`,
    requestId: () => `r-${String(++r).padStart(6, '0')}`,
    rowId: () => `x-${String(++x).padStart(6, '0')}`,
  };
}

/**
 * RFC 9562 UUIDv7: 48-bit millisecond time, then randomness. Built on `randomUUID` (which draws from a
 * pooled buffer) because a `randomBytes(16)` call per id costs more than the rest of an insert.
 */
export function uuidV7(ms: number): string {
  if (ms !== v7.ms) {
    const time = ms.toString(16).padStart(12, '0').slice(-12);
    v7.ms = ms;
    v7.prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  }
  // From the random UUID's 16th character on: `xxx-yxxx-xxxxxxxxxxxx`, its variant and random bits.
  return v7.prefix + randomUUID().slice(15);
}

// The time part of the last millisecond's ids: ids come many per millisecond at load (link clicks).
const v7 = { ms: Number.NaN, prefix: '' };

import { randomBytes, randomUUID } from 'node:crypto';

/** Id port: profile, merge and message ids. */
export interface IdGenerator {
  /** A time-ordered id (UUIDv7 layout): new rows land at the end of the index instead of scattering it. */
  profileId(): string;
  /** A random UUID for message ids the client did not send. */
  messageId(): string;
}

/** Ids from the system clock and crypto randomness. */
export function createIdGenerator(now: () => number = Date.now): IdGenerator {
  return {
    profileId: () => uuidV7(now()),
    messageId: () => randomUUID(),
  };
}

/** A deterministic twin for tests: p-000001, p-000002, … and m-000001, … */
export function sequentialIds(): IdGenerator {
  let p = 0;
  let m = 0;
  return {
    profileId: () => `p-${String(++p).padStart(6, '0')}`,
    messageId: () => `m-${String(++m).padStart(6, '0')}`,
  };
}

/** RFC 9562 UUIDv7: 48-bit millisecond time, then randomness. */
export function uuidV7(ms: number): string {
  const bytes = randomBytes(16);
  const time = BigInt(ms);
  for (let i = 0; i < 6; i++) bytes[i] = Number((time >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

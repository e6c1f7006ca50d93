/**
 * Clock-skew correction, as Segment does it: the client's clock may be wrong, but the interval between
 * creating an event (`originalTimestamp`) and sending it (`sentAt`) was measured on that same clock, so
 * the true event time is `receivedAt − (sentAt − originalTimestamp)` on the server's clock.
 */
import { isoString } from './time-format.ts';

/** Events further than this in the future of `receivedAt` are clamped to `receivedAt`. */
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

/**
 * Earliest time Kin keeps: 1970-01-01T00:00:00.000Z. Why a range at all: a JS Date reaches ±275,760 years
 * and PostgreSQL's timestamptz only 4713 BC–294276 AD, and a sortable ISO text needs a four-digit year; so
 * wire times outside 1970–9999 are refused at the edge (`timestamp_out_of_range`) and a corrected time that
 * falls outside is clamped like a future one.
 */
export const MIN_EVENT_TIME_MS = 0;
/** Latest time Kin keeps: 9999-12-31T23:59:59.999Z, the last instant with a four-digit year. */
export const MAX_EVENT_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The parsed client times of one event plus the server's receive time. */
export interface TimestampInput {
  receivedAt: Date;
  timestamp?: Date;
  originalTimestamp?: Date;
  sentAt?: Date;
}

/** The four times kept on a `TrackingEvent`, as ISO strings in UTC with milliseconds. */
export interface CorrectedTimes {
  timestamp: string;
  originalTimestamp?: string;
  sentAt?: string;
  receivedAt: string;
}

/**
 * Computes the corrected event time. The client time is `originalTimestamp`, else `timestamp`. With
 * `sentAt` and a client time the skew is removed; without `sentAt` the client time is trusted as is (e.g.
 * historical imports); with no client time at all the event happened when it was received.
 */
export function correctTimestamp(input: TimestampInput): CorrectedTimes {
  const received = input.receivedAt.getTime();
  const client = input.originalTimestamp ?? input.timestamp;
  let corrected = received;
  if (client !== undefined) {
    corrected = input.sentAt === undefined ? client.getTime() : received - (input.sentAt.getTime() - client.getTime());
  }
  // Bounded both ways: too far in the future, or (after a huge sentAt − originalTimestamp skew) before 1970.
  if (corrected - received > MAX_FUTURE_MS || corrected < MIN_EVENT_TIME_MS) corrected = received;
  const times: CorrectedTimes = { timestamp: isoString(corrected), receivedAt: receivedIso(received) };
  if (client !== undefined) times.originalTimestamp = isoString(client.getTime());
  if (input.sentAt !== undefined) times.sentAt = isoString(input.sentAt.getTime());
  return times;
}

/** The events of one request share their receive time: it is formatted once. */
let lastReceived = { ms: Number.NaN, iso: '' };
function receivedIso(ms: number): string {
  if (ms !== lastReceived.ms) lastReceived = { ms, iso: isoString(ms) };
  return lastReceived.iso;
}

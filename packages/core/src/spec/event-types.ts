/**
 * Segment tracking-spec types shared by the whole system. Untrusted input is validated once, at the
 * edge, into `TrackingEvent`; nothing downstream re-checks or re-declares an event shape.
 */

/** The six Segment call types. */
export type EventType = 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';

/** The call types in a stable order (for validators, docs and tests). */
export const EVENT_TYPES: readonly EventType[] = ['identify', 'track', 'page', 'screen', 'group', 'alias'];

/** A JSON object as it arrived on the wire. */
export type JsonObject = Record<string, unknown>;

/**
 * One validated, normalised tracking event.
 *
 * Why four times: `timestamp` is the corrected event time Kin orders by (see `correctTimestamp`);
 * `originalTimestamp`, `sentAt` and `receivedAt` are kept as they were so a skew correction can always be
 * explained. All times are ISO-8601 strings in UTC with milliseconds.
 */
export interface TrackingEvent {
  type: EventType;
  messageId: string;
  anonymousId?: string;
  userId?: string;
  previousId?: string;
  groupId?: string;
  /** Event name for `track`. */
  event?: string;
  /** Page or screen name for `page` / `screen`. */
  name?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  context?: JsonObject;
  integrations?: JsonObject;
  timestamp: string;
  originalTimestamp?: string;
  sentAt?: string;
  receivedAt: string;
}

/**
 * What identity resolution and the stores' rows read of an event: ids and times, the event name, identify
 * traits and the stated consent (`context.consent`). Every `TrackingEvent` is one; the embedded writer thread
 * is handed only these, the whole event travelling beside them as its stored text.
 */
export type EventFacts = Pick<TrackingEvent, 'type' | 'messageId' | 'timestamp' | 'receivedAt' | 'event' | 'traits' | 'context'>;

/** Why one item of a request was rejected: a stable code and the offending field. */
export interface EventRejection {
  code: EventRejectionCode;
  field: string;
  message: string;
}

/** Stable codes for a rejected event. */
export type EventRejectionCode =
  | 'invalid_event'
  | 'missing_identity'
  | 'event_too_large'
  | 'invalid_text'
  | 'nesting_too_deep'
  | 'timestamp_out_of_range'
  | 'reserved_message_id'
  | 'unsafe_integer';

/** Result of validating one raw item: a value, never an exception. */
export type EventValidation = { ok: true; event: TrackingEvent } | ({ ok: false } & EventRejection);

/**
 * The edge validator: one untrusted item in, a `TrackingEvent` or a rejection naming the bad field out.
 * Why lenient on `null`: analytics.js sends `"userId": null` for anonymous visitors, so `null` (and an
 * empty or blank id) means "absent" everywhere, never "invalid".
 */
import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS, correctTimestamp } from './event-timestamp.ts';
import type { EventRejectionCode, EventType, EventValidation, JsonObject, TrackingEvent } from './event-types.ts';
import { EVENT_TYPES } from './event-types.ts';
import { isPlainObject } from './json-object.ts';
import type { JsonProblem } from './json-scan.ts';
import { DEFAULT_MAX_JSON_DEPTH, scanJson } from './json-scan.ts';
import { formatFieldPath } from './field-path.ts';
import { parseTime } from './time-parse.ts';
import { utf8Length } from './utf8-length.ts';

/** Default size limit of one event: 32 KiB of UTF-8 JSON, as Segment's tracking API. */
export const DEFAULT_MAX_EVENT_BYTES = 32 * 1024;

/** Options of `validateEvent`; the clock and id generator are injected so validation stays pure. */
export interface ValidateEventOptions {
  receivedAt: Date;
  newMessageId: () => string;
  /** Wins over the item's `type` (per-type endpoints such as `/v1/track`). */
  typeOverride?: EventType;
  maxEventBytes?: number;
  /** Deepest nesting of objects and arrays (the event is level 1); default 64. */
  maxDepth?: number;
  /**
   * `false` when the caller has proved that no string or key of the item holds NUL or a lone surrogate
   * (the server checks the whole request text at once); default `true`.
   */
  checkText?: boolean;
}

/** messageIds with this prefix are written by file imports (`import:<record key>`); tracking may not use it. */
export const RESERVED_MESSAGE_ID_PREFIX = 'import:';

const ID_FIELDS = ['messageId', 'anonymousId', 'userId', 'previousId', 'groupId'] as const;
const OBJECT_FIELDS = ['properties', 'traits', 'context', 'integrations'] as const;
const TIME_FIELDS = ['timestamp', 'originalTimestamp', 'sentAt'] as const;
/** The top-level fields an event keeps; text problems in any other field do not matter (it is dropped). */
const KEPT_FIELDS = new Set<string>(['type', 'event', 'name', ...ID_FIELDS, ...OBJECT_FIELDS, ...TIME_FIELDS]);
const isDropped = (key: string): boolean => !KEPT_FIELDS.has(key);
const uncheckedAll = (): boolean => true;

type IdField = (typeof ID_FIELDS)[number];
type TimeField = (typeof TIME_FIELDS)[number];

class Rejected {
  constructor(
    readonly code: EventRejectionCode,
    readonly field: string,
    readonly message: string,
  ) {}
}

/** Validates and normalises one raw tracking-spec item; never throws for bad input. */
export function validateEvent(raw: unknown, options: ValidateEventOptions): EventValidation {
  const result = validateOrReject(raw, options);
  if (result instanceof Rejected) return { ok: false, code: result.code, field: result.field, message: result.message };
  return { ok: true, event: result };
}

function validateOrReject(raw: unknown, options: ValidateEventOptions): TrackingEvent | Rejected {
  if (!isPlainObject(raw)) return new Rejected('invalid_event', '', 'event must be a JSON object');
  const maxBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const scan = scanJson(raw, { maxDepth, unchecked: options.checkText === false ? uncheckedAll : isDropped });
  if (scan.problem) return rejectProblem(scan.problem, maxDepth);
  const size = jsonBytes(raw, scan.bound, maxBytes);
  if (size === undefined) return new Rejected('invalid_event', '', 'event is not serialisable as JSON');
  if (size > maxBytes) return new Rejected('event_too_large', '', `event is ${size} bytes, the limit is ${maxBytes}`);

  const type = options.typeOverride ?? raw['type'];
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    return new Rejected('invalid_event', 'type', `type must be one of ${EVENT_TYPES.join(', ')}`);
  }
  const ids: Partial<Record<IdField, string>> = {};
  for (const field of ID_FIELDS) {
    const id = readId(raw, field);
    if (id instanceof Rejected) return id;
    if (id !== undefined) ids[field] = id;
  }
  const objects: Partial<Record<(typeof OBJECT_FIELDS)[number], JsonObject>> = {};
  for (const field of OBJECT_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (!isPlainObject(value)) return new Rejected('invalid_event', field, `${field} must be an object`);
    objects[field] = value;
  }
  const times: Partial<Record<TimeField, Date>> = {};
  for (const field of TIME_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    const time = parseTime(value);
    if (time === undefined) return new Rejected('invalid_event', field, `${field} must be an ISO 8601 date or epoch milliseconds`);
    const ms = time.getTime();
    if (ms < MIN_EVENT_TIME_MS || ms > MAX_EVENT_TIME_MS) {
      return new Rejected('timestamp_out_of_range', field, `${field} must be between 1970-01-01 and 9999-12-31 (UTC)`);
    }
    times[field] = time;
  }
  const named = readNames(raw, type as EventType);
  if (named instanceof Rejected) return named;
  const rule = checkTypeRules(type as EventType, ids);
  if (rule) return rule;
  if (ids.messageId?.startsWith(RESERVED_MESSAGE_ID_PREFIX)) {
    return new Rejected(
      'reserved_message_id',
      'messageId',
      `messageIds starting with "${RESERVED_MESSAGE_ID_PREFIX}" are reserved for file imports`,
    );
  }

  return {
    type: type as EventType,
    messageId: ids.messageId ?? options.newMessageId(),
    ...(ids.anonymousId === undefined ? {} : { anonymousId: ids.anonymousId }),
    ...(ids.userId === undefined ? {} : { userId: ids.userId }),
    ...(ids.previousId === undefined ? {} : { previousId: ids.previousId }),
    ...(ids.groupId === undefined ? {} : { groupId: ids.groupId }),
    ...named,
    ...objects,
    ...correctTimestamp({ receivedAt: options.receivedAt, ...times }),
  };
}

/** An id field: a string or finite number; `null`, missing and blank strings mean absent. */
function readId(raw: JsonObject, field: IdField): string | undefined | Rejected {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Why: above 2^53 JSON parsing has already rounded the number, so two people could share one id.
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      return new Rejected('unsafe_integer', field, `${field} is a number above 2^53 that JSON cannot carry exactly; send it as a string`);
    }
    return String(value);
  }
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  return new Rejected('invalid_event', field, `${field} must be a string or a number`);
}

/** `event` is kept for track, `name` for page and screen; other types drop them. */
function readNames(raw: JsonObject, type: EventType): { event?: string; name?: string } | Rejected {
  if (type === 'track') {
    const event = raw['event'];
    if (typeof event !== 'string' || event.trim() === '') {
      return new Rejected('invalid_event', 'event', 'track requires a non-empty string event');
    }
    return { event };
  }
  if (type === 'page' || type === 'screen') {
    const name = raw['name'];
    if (name === undefined || name === null) return {};
    if (typeof name !== 'string') return new Rejected('invalid_event', 'name', 'name must be a string');
    return { name };
  }
  return {};
}

function checkTypeRules(type: EventType, ids: Partial<Record<IdField, string>>): Rejected | undefined {
  if (type === 'alias') {
    if (ids.previousId === undefined) return new Rejected('invalid_event', 'previousId', 'alias requires previousId');
    if (ids.userId === undefined) return new Rejected('invalid_event', 'userId', 'alias requires userId');
    return undefined;
  }
  if (type === 'group' && ids.groupId === undefined) return new Rejected('invalid_event', 'groupId', 'group requires groupId');
  if (ids.userId === undefined && ids.anonymousId === undefined) {
    return new Rejected('missing_identity', 'userId', 'either userId or anonymousId is required');
  }
  return undefined;
}

const PROBLEM_TEXT = { nul: 'a NUL character (U+0000)', lone_surrogate: 'a lone UTF-16 surrogate or invalid UTF-8' } as const;

/** The rejection of what no store can keep, naming the path (e.g. `traits.email`, `context["a\u0000"]`). */
function rejectProblem(problem: JsonProblem, maxDepth: number): Rejected {
  if (problem.kind === 'too_deep') {
    const field = formatFieldPath(problem.path.slice(0, 1));
    return new Rejected('nesting_too_deep', field, `${field || 'event'} is nested deeper than ${maxDepth} levels`);
  }
  const field = formatFieldPath(problem.path);
  return new Rejected('invalid_text', field, `${field} holds ${PROBLEM_TEXT[problem.kind]}, which cannot be stored`);
}

/**
 * UTF-8 size of the item's JSON (or a bound of it within `limit`), or `undefined` when it cannot be
 * serialised (BigInt). Why the shortcuts: when the scan's bound is within `limit` the exact count cannot
 * change the answer; and a UTF-16 code unit is at most 3 UTF-8 bytes, so when the text length times 3 is
 * within `limit`, the length is returned as a lower bound instead.
 */
function jsonBytes(raw: JsonObject, bound: number | undefined, limit: number): number | undefined {
  // Within the limit by the bound: no need to serialise (see json-scan.ts).
  if (bound !== undefined && bound <= limit) return bound;
  try {
    const json = JSON.stringify(raw);
    if (typeof json !== 'string') return undefined;
    return json.length * 3 <= limit ? json.length : utf8Length(json);
  } catch {
    return undefined;
  }
}

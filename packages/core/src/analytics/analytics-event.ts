/**
 * The event shape analytics computes over, the conditions that select events, and durations. An event's
 * `name` is a track call's event name, or the call type for the others (`page`, `screen`, `identify`).
 */
import type { Duration, EventMatcher, WhereCondition } from '../api/analytics-api.ts';
import type { Channel } from '../spec/channel-classify.ts';

/** One event as the analytics functions see it; sequences of these are ordered by `at`, then `seq`. */
export interface AnalyticsEvent {
  messageId: string;
  /** Milliseconds since the epoch (the event's timestamp). */
  at: number;
  /** Store order among events of the same time. */
  seq: number;
  name: string;
  channel: Channel;
  properties?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/** All events of one unit (a profile, or an anonymousId), ordered. */
export interface UnitEvents {
  unit: string;
  events: AnalyticsEvent[];
}

/** Milliseconds of a duration. */
export function durationMs(duration: Duration): number {
  if ('minutes' in duration) return duration.minutes * 60_000;
  if ('hours' in duration) return duration.hours * 3_600_000;
  return duration.days * 86_400_000;
}

/** Orders two events by time, then store order. */
export function byTime(a: AnalyticsEvent, b: AnalyticsEvent): number {
  return a.at - b.at || a.seq - b.seq;
}

/** The value at a dotted path: `event`, `messageId`, `channel`, `properties.…` or `context.…`. */
export function readPath(event: AnalyticsEvent, path: string): unknown {
  if (path === 'event') return event.name;
  if (path === 'messageId') return event.messageId;
  if (path === 'channel') return event.channel;
  const parts = path.split('.');
  let value: unknown = parts[0] === 'properties' ? event.properties : parts[0] === 'context' ? event.context : undefined;
  for (const part of parts.slice(1)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Whether one condition holds (numbers compare as numbers, everything else as text). */
export function conditionHolds(event: AnalyticsEvent, condition: WhereCondition): boolean {
  const actual = readPath(event, condition.path);
  const expected = condition.value;
  switch (condition.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'eq':
      return same(actual, expected);
    case 'ne':
      return !same(actual, expected);
    case 'in':
      return Array.isArray(expected) && expected.some((x) => same(actual, x));
    case 'contains':
      if (Array.isArray(actual)) return actual.some((x) => same(x, expected));
      return typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected);
    default: {
      const a = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
      const b = typeof expected === 'number' ? expected : NaN;
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      if (condition.op === 'gt') return a > b;
      if (condition.op === 'gte') return a >= b;
      if (condition.op === 'lt') return a < b;
      return a <= b;
    }
  }
}

/** Whether an event has the matcher's name and meets all its conditions. */
export function matches(event: AnalyticsEvent, matcher: EventMatcher): boolean {
  return event.name === matcher.event && (matcher.where ?? []).every((c) => conditionHolds(event, c));
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'string') return String(a) === b;
  if (typeof a === 'string' && typeof b === 'number') return a === String(b);
  return false;
}

/** The median of a list of numbers (the mean of the middle two for an even count); null when empty. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Computed traits: a value per profile derived from its events (`POST /v1/computed-traits`). This module holds
 * the definition, its validation and the evaluation of one profile's events; the server stores definitions
 * and values and decides when to evaluate (docs/computed-traits.md).
 *
 * Why a value is always recomputed from the profile's whole (windowed) event list: merges, undos and splits
 * change which events a profile has, and a recount is the only value that can never drift from the truth.
 */
import type { TrackingEvent } from '../spec/event-types.ts';
import type { Duration } from '../api/analytics-api.ts';
import { durationMs } from './analytics-event.ts';
import type { DefinitionCheck, EventCondition } from './definition-check.ts';
import { DEFINITION_KEY, checkDuration, checkWhere, eventMatches, isRecord, refuse, stableJson, valueAtPath } from './definition-check.ts';

/** The kinds of computed trait. */
export type ComputedTraitType =
  'event_counter' | 'aggregation' | 'first' | 'last' | 'most_frequent' | 'unique_list' | 'unique_count' | 'exists' | 'time_since';

/** The kinds in a stable order. */
export const COMPUTED_TRAIT_TYPES: readonly ComputedTraitType[] = [
  'event_counter',
  'aggregation',
  'first',
  'last',
  'most_frequent',
  'unique_list',
  'unique_count',
  'exists',
  'time_since',
];

/** How `aggregation` folds the numeric values of `property`. */
export type Aggregation = 'sum' | 'avg' | 'min' | 'max';

const AGGREGATIONS: readonly Aggregation[] = ['sum', 'avg', 'min', 'max'];

/** Types that read `property` (required for them). */
const NEEDS_PROPERTY: ReadonlySet<ComputedTraitType> = new Set(['aggregation', 'most_frequent', 'unique_list', 'unique_count']);

/** Most values a `unique_list` keeps (the smallest by JSON text, so the list is deterministic). */
export const UNIQUE_LIST_MAX = 100;

/** A computed-trait definition. `event` `"*"` matches every event; `window` null counts the whole lifetime. */
export interface ComputedTraitDefinition {
  key: string;
  type: ComputedTraitType;
  event: string;
  /** Event path (`properties.total`) whose values are aggregated, listed or reported. */
  property?: string;
  agg?: Aggregation;
  where: EventCondition[];
  window: Duration | null;
}

/** The value of one trait for one profile, and when it would change with no new event (a window boundary). */
export interface ComputedValue {
  value: unknown;
  /** Epoch ms at which the oldest counted event leaves the window; absent when time alone changes nothing. */
  nextChangeAt?: number;
}

/** Validates a `POST /v1/computed-traits` body into a definition, naming the bad field. */
export function checkComputedTrait(raw: unknown): DefinitionCheck<ComputedTraitDefinition> {
  if (!isRecord(raw)) return refuse('body', 'must be a JSON object');
  const known = new Set(['key', 'type', 'event', 'property', 'agg', 'where', 'window']);
  const extra = Object.keys(raw).find((k) => !known.has(k));
  if (extra !== undefined) return refuse(extra, 'is not a field of a computed trait');
  const { key, type, event, property, agg } = raw;
  if (typeof key !== 'string' || !DEFINITION_KEY.test(key))
    return refuse('key', 'must start with a letter and hold only letters, digits, _ . - (at most 64)');
  if (typeof type !== 'string' || !(COMPUTED_TRAIT_TYPES as readonly string[]).includes(type))
    return refuse('type', `must be one of ${COMPUTED_TRAIT_TYPES.join(', ')}`);
  const kind = type as ComputedTraitType;
  if (typeof event !== 'string' || event.length === 0 || event.length > 200) return refuse('event', 'must be an event name (or "*")');
  if (property !== undefined && (typeof property !== 'string' || property.length === 0 || property.length > 200))
    return refuse('property', 'must be an event path');
  if (NEEDS_PROPERTY.has(kind) && property === undefined) return refuse('property', `"${kind}" needs a property`);
  if (kind === 'aggregation' && (typeof agg !== 'string' || !(AGGREGATIONS as readonly string[]).includes(agg)))
    return refuse('agg', `must be one of ${AGGREGATIONS.join(', ')}`);
  if (kind !== 'aggregation' && agg !== undefined) return refuse('agg', 'only "aggregation" takes agg');
  const where = checkWhere(raw.where, 'where');
  if (!where.ok) return where;
  let window: Duration | null = null;
  if (raw.window !== undefined && raw.window !== null) {
    const checked = checkDuration(raw.window, 'window');
    if (!checked.ok) return checked;
    window = checked.value;
  }
  return {
    ok: true,
    value: {
      key,
      type: kind,
      event,
      ...(typeof property === 'string' ? { property } : {}),
      ...(kind === 'aggregation' ? { agg: agg as Aggregation } : {}),
      where: where.value,
      window,
    },
  };
}

/** The value a profile without matching events has (stores keep no row for it). */
export function emptyComputedValue(type: ComputedTraitType): unknown {
  switch (type) {
    case 'event_counter':
    case 'unique_count':
      return 0;
    case 'exists':
      return false;
    case 'unique_list':
      return [];
    default:
      return null;
  }
}

/** Whether an event is one the definition counts (name and conditions; not the window). */
export function eventCounts(definition: Pick<ComputedTraitDefinition, 'event' | 'where'>, event: TrackingEvent): boolean {
  if (definition.event !== '*' && event.event !== definition.event) return false;
  return eventMatches(event, definition.where);
}

/** The order every evaluation reads (first, last, ties): by time, then messageId. */
export function compareEvents(a: TrackingEvent, b: TrackingEvent): number {
  return a.timestamp < b.timestamp
    ? -1
    : a.timestamp > b.timestamp
      ? 1
      : a.messageId < b.messageId
        ? -1
        : a.messageId > b.messageId
          ? 1
          : 0;
}

/** Events sorted with `compareEvents`. */
export function sortEvents(events: readonly TrackingEvent[]): TrackingEvent[] {
  return [...events].sort(compareEvents);
}

/**
 * The events in `compareEvents` order: `events` itself when already in it (one pass, no copy), else a sorted
 * copy. Why it gives what `sortEvents` gives: the sort is stable, so ordered input comes out as it went in.
 * Timelines mostly arrive ordered (the evaluator's cache keeps them so), and sorting each profile on every
 * evaluation was most of the evaluator's own time.
 */
export function inEventOrder(events: readonly TrackingEvent[]): readonly TrackingEvent[] {
  for (let i = 1; i < events.length; i++) if (compareEvents(events[i - 1]!, events[i]!) > 0) return sortEvents(events);
  return events;
}

/** Sorted events grouped by event name (order kept), so each definition reads only the events it names. */
export function eventsByName(sorted: readonly TrackingEvent[]): Map<string, TrackingEvent[]> {
  const out = new Map<string, TrackingEvent[]>();
  for (const event of sorted) {
    if (event.event === undefined) continue;
    const list = out.get(event.event);
    if (list) list.push(event);
    else out.set(event.event, [event]);
  }
  return out;
}

/** The events a definition can count: all for `"*"`, else those of its name (from `eventsByName`). */
export function eventsNamed(
  name: string,
  sorted: readonly TrackingEvent[],
  byName: ReadonlyMap<string, readonly TrackingEvent[]>,
): readonly TrackingEvent[] {
  return name === '*' ? sorted : (byName.get(name) ?? []);
}

/**
 * An event's time in epoch ms, parsed once per event object. Why: every windowed definition and every
 * `performed` condition reads the time of each event it looks at, and the evaluator keeps the same event
 * objects in memory across recomputes (a profile's events were parsed once per definition per recompute).
 */
export function eventTime(event: TrackingEvent): number {
  let at = parsedTimes.get(event);
  if (at === undefined) {
    at = Date.parse(event.timestamp);
    parsedTimes.set(event, at);
  }
  return at;
}

const parsedTimes = new WeakMap<TrackingEvent, number>();

/**
 * Evaluates one definition over one profile's events (sorted with `sortEvents`) at `now` (epoch ms). A
 * `time_since` value is the time of the last counted event; `presentComputedValue` turns it into seconds.
 */
export function evaluateComputedTrait(definition: ComputedTraitDefinition, sorted: readonly TrackingEvent[], now: number): ComputedValue {
  const windowMs = definition.window ? durationMs(definition.window) : undefined;
  const from = windowMs === undefined ? undefined : now - windowMs;
  const counted: TrackingEvent[] = [];
  let oldest: number | undefined;
  for (const event of sorted) {
    if (!eventCounts(definition, event)) continue;
    if (from !== undefined) {
      const at = eventTime(event);
      if (at <= from) continue;
      oldest ??= at;
    }
    counted.push(event);
  }
  const value = valueOf(definition, counted);
  return oldest !== undefined && windowMs !== undefined ? { value, nextChangeAt: oldest + windowMs } : { value };
}

/** Whether `value` is the one a profile without matching events has (`emptyComputedValue`), which stores keep no row for. */
export function isEmptyComputedValue(type: ComputedTraitType, value: unknown): boolean {
  switch (type) {
    case 'event_counter':
    case 'unique_count':
      return value === 0;
    case 'exists':
      return value === false;
    case 'unique_list':
      return Array.isArray(value) && value.length === 0;
    default:
      // As JSON: a value that serialises as `null` (a sum past the largest number) is stored as no value.
      return value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value));
  }
}

/** The values of `property` (the timestamp without one) of counted events, in event order, without missing ones. */
function presentValues(definition: ComputedTraitDefinition, events: readonly TrackingEvent[]): unknown[] {
  const out: unknown[] = [];
  const path = definition.property;
  for (const event of events) {
    const v = path === undefined ? event.timestamp : valueAtPath(event, path);
    if (v !== undefined && v !== null) out.push(v);
  }
  return out;
}

function valueOf(definition: ComputedTraitDefinition, events: TrackingEvent[]): unknown {
  switch (definition.type) {
    case 'event_counter':
      return events.length;
    case 'exists':
      return events.length > 0;
    case 'first':
      return events.length > 0 ? (presentValues(definition, events)[0] ?? null) : null;
    case 'last': {
      const values = presentValues(definition, events);
      return values.length > 0 ? values[values.length - 1] : null;
    }
    case 'time_since':
      return events.length > 0 ? (events[events.length - 1]?.timestamp ?? null) : null;
    case 'aggregation':
      return aggregate(definition.agg ?? 'sum', presentValues(definition, events).filter(isFiniteNumber));
    case 'most_frequent':
      return mostFrequent(presentValues(definition, events));
    case 'unique_list':
      return uniqueValues(presentValues(definition, events)).slice(0, UNIQUE_LIST_MAX);
    case 'unique_count':
      return uniqueValues(presentValues(definition, events)).length;
  }
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function aggregate(agg: Aggregation, values: number[]): number | null {
  if (agg === 'sum') return values.reduce((s, v) => s + v, 0);
  if (values.length === 0) return null;
  if (agg === 'avg') return values.reduce((s, v) => s + v, 0) / values.length;
  return agg === 'min' ? Math.min(...values) : Math.max(...values);
}

/** Distinct values, ordered by their JSON text (deterministic whatever the event order). */
function uniqueValues(values: unknown[]): unknown[] {
  const byText = new Map<string, unknown>();
  for (const v of values) byText.set(stableJson(v), v);
  return [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** The most frequent value; ties go to the smallest JSON text. */
function mostFrequent(values: unknown[]): unknown {
  const counts = new Map<string, { value: unknown; n: number }>();
  for (const v of values) {
    const text = stableJson(v);
    const entry = counts.get(text);
    if (entry) entry.n += 1;
    else counts.set(text, { value: v, n: 1 });
  }
  let best: { text: string; value: unknown; n: number } | undefined;
  for (const [text, { value, n }] of counts) {
    if (!best || n > best.n || (n === best.n && text < best.text)) best = { text, value, n };
  }
  return best ? best.value : null;
}

/** The value the API shows: `time_since` as whole seconds before `now`; others as stored. */
export function presentComputedValue(type: ComputedTraitType, stored: unknown, now: number): unknown {
  if (type !== 'time_since' || typeof stored !== 'string') return stored;
  return Math.max(0, Math.floor((now - Date.parse(stored)) / 1000));
}

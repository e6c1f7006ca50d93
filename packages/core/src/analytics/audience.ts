/**
 * Audiences: whether a profile belongs to a named set (`POST /v1/audiences`). This module holds the
 * definition (a tree of all/any/not over performed / trait / audience / consent conditions), its validation
 * (unknown kinds, bad windows, cycles and oversized trees are refused with the field) and the evaluation of
 * one profile. The server keeps members and writes `Audience Entered` / `Audience Exited` events.
 */
import type { TrackingEvent } from '../spec/event-types.ts';
import { formatFieldPath } from '../spec/field-path.ts';
import type { Duration } from '../api/analytics-api.ts';
import type { ConditionOp, DefinitionCheck, EventCondition } from './definition-check.ts';
import {
  DEFINITION_KEY,
  MAX_TREE_NODES,
  checkCondition,
  checkDuration,
  checkWhere,
  compareValue,
  isRecord,
  refuse,
} from './definition-check.ts';
import { durationMs } from './analytics-event.ts';
import { eventCounts, eventTime, eventsByName, eventsNamed } from './computed-trait.ts';

/** How many times an event must have been performed: `{op, value}` (a bare number n means at least n). */
export interface CountRule {
  op: 'eq' | 'gt' | 'gte' | 'lt' | 'lte';
  value: number;
}

/** One node of an audience's `where` tree. */
export type AudienceCondition =
  | { all: AudienceCondition[] }
  | { any: AudienceCondition[] }
  | { not: AudienceCondition }
  | { performed: { event: string; where: EventCondition[]; within?: Duration; count: CountRule } }
  | { trait: { key: string; op: ConditionOp; value?: unknown } }
  | { audience: string }
  | { consent: { category: string; is: boolean } };

/** An audience definition. */
export interface AudienceDefinition {
  key: string;
  where: AudienceCondition;
}

/** Deepest `where` tree accepted (a guard for the recursive evaluation). */
export const MAX_TREE_DEPTH = 16;

/** Names of the audience event types on the timeline. */
export const AUDIENCE_ENTERED = 'Audience Entered';
export const AUDIENCE_EXITED = 'Audience Exited';

const COUNT_OPS: readonly CountRule['op'][] = ['eq', 'gt', 'gte', 'lt', 'lte'];

/**
 * Validates a `POST /v1/audiences` body. `known` holds the other audiences: a reference to an unknown one, or
 * one that leads back to this audience (a cycle), is refused at the field of the reference.
 */
export function checkAudience(raw: unknown, known: ReadonlyMap<string, AudienceDefinition>): DefinitionCheck<AudienceDefinition> {
  if (!isRecord(raw)) return refuse('body', 'must be a JSON object');
  const extra = Object.keys(raw).find((k) => k !== 'key' && k !== 'where');
  if (extra !== undefined) return refuse(extra, 'is not a field of an audience');
  const key = raw.key;
  if (typeof key !== 'string' || !DEFINITION_KEY.test(key))
    return refuse('key', 'must start with a letter and hold only letters, digits, _ . - (at most 64)');
  const budget = { nodes: 0 };
  const where = checkNode(raw.where, 'where', 0, budget);
  if (!where.ok) return where;
  const definition = { key, where: where.value };
  const cycle = findCycle(definition, known);
  if (cycle) return refuse(cycle.field, `audience "${cycle.ref}" leads back to "${key}" (a cycle)`);
  return { ok: true, value: definition };
}

function checkNode(raw: unknown, field: string, depth: number, budget: { nodes: number }): DefinitionCheck<AudienceCondition> {
  budget.nodes += 1;
  if (budget.nodes > MAX_TREE_NODES) return refuse(field, `the where tree has more than ${MAX_TREE_NODES} conditions`);
  if (depth > MAX_TREE_DEPTH) return refuse(field, `the where tree is deeper than ${MAX_TREE_DEPTH}`);
  if (!isRecord(raw)) return refuse(field, 'a condition is an object with one of all, any, not, performed, trait, audience, consent');
  const keys = Object.keys(raw);
  const kind = keys[0];
  if (keys.length !== 1 || kind === undefined)
    return refuse(field, 'a condition has exactly one of all, any, not, performed, trait, audience, consent');
  const body = raw[kind];
  const at = `${field}.${kind}`;
  switch (kind) {
    case 'all':
    case 'any': {
      if (!Array.isArray(body) || body.length === 0) return refuse(at, 'must be a non-empty array of conditions');
      const children: AudienceCondition[] = [];
      for (const [i, child] of body.entries()) {
        const checked = checkNode(child, formatFieldPath([i], at), depth + 1, budget);
        if (!checked.ok) return checked;
        children.push(checked.value);
      }
      return { ok: true, value: kind === 'all' ? { all: children } : { any: children } };
    }
    case 'not': {
      const checked = checkNode(body, at, depth + 1, budget);
      return checked.ok ? { ok: true, value: { not: checked.value } } : checked;
    }
    case 'performed':
      return checkPerformed(body, at);
    case 'trait': {
      const checked = checkCondition(body, at, 'key');
      return checked.ok ? { ok: true, value: { trait: checked.value } } : checked;
    }
    case 'audience':
      if (typeof body !== 'string' || !DEFINITION_KEY.test(body)) return refuse(at, 'must be an audience key');
      return { ok: true, value: { audience: body } };
    case 'consent': {
      if (!isRecord(body)) return refuse(at, 'is {"category","is"}');
      if (typeof body.category !== 'string' || body.category.length === 0 || body.category.length > 200)
        return refuse(`${at}.category`, 'must be a consent category');
      if (typeof body.is !== 'boolean') return refuse(`${at}.is`, 'must be true or false');
      return { ok: true, value: { consent: { category: body.category, is: body.is } } };
    }
    default:
      return refuse(at, 'is not a kind of condition (all, any, not, performed, trait, audience, consent)');
  }
}

function checkPerformed(body: unknown, at: string): DefinitionCheck<AudienceCondition> {
  if (!isRecord(body)) return refuse(at, 'is {"event","where"?,"within"?,"count"?}');
  const extra = Object.keys(body).find((k) => !['event', 'where', 'within', 'count'].includes(k));
  if (extra !== undefined) return refuse(`${at}.${extra}`, 'is not a field of performed');
  if (typeof body.event !== 'string' || body.event.length === 0 || body.event.length > 200)
    return refuse(`${at}.event`, 'must be an event name (or "*")');
  const where = checkWhere(body.where, `${at}.where`);
  if (!where.ok) return where;
  let within: Duration | undefined;
  if (body.within !== undefined && body.within !== null) {
    const checked = checkDuration(body.within, `${at}.within`);
    if (!checked.ok) return checked;
    within = checked.value;
  }
  const count = checkCount(body.count, `${at}.count`);
  if (!count.ok) return count;
  return { ok: true, value: { performed: { event: body.event, where: where.value, ...(within ? { within } : {}), count: count.value } } };
}

function checkCount(raw: unknown, field: string): DefinitionCheck<CountRule> {
  if (raw === undefined || raw === null) return { ok: true, value: { op: 'gte', value: 1 } };
  const wholeCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 1_000_000;
  if (typeof raw === 'number')
    return wholeCount(raw) ? { ok: true, value: { op: 'gte', value: raw } } : refuse(field, 'must be a whole number from 0');
  if (!isRecord(raw)) return refuse(field, 'is a number (at least) or {"op","value"}');
  if (typeof raw.op !== 'string' || !(COUNT_OPS as readonly string[]).includes(raw.op))
    return refuse(`${field}.op`, `must be one of ${COUNT_OPS.join(', ')}`);
  if (!wholeCount(raw.value)) return refuse(`${field}.value`, 'must be a whole number from 0');
  return { ok: true, value: { op: raw.op as CountRule['op'], value: raw.value } };
}

/** The audience keys a tree refers to, with the field of each reference. */
export function audienceRefs(condition: AudienceCondition, field = 'where'): Array<{ ref: string; field: string }> {
  if ('all' in condition) return condition.all.flatMap((c, i) => audienceRefs(c, formatFieldPath(['all', i], field)));
  if ('any' in condition) return condition.any.flatMap((c, i) => audienceRefs(c, formatFieldPath(['any', i], field)));
  if ('not' in condition) return audienceRefs(condition.not, `${field}.not`);
  if ('audience' in condition) return [{ ref: condition.audience, field: `${field}.audience` }];
  return [];
}

/** The event names a tree's `performed` conditions read (`"*"` among them when one reads every event). */
export function performedEvents(condition: AudienceCondition): string[] {
  if ('all' in condition) return condition.all.flatMap(performedEvents);
  if ('any' in condition) return condition.any.flatMap(performedEvents);
  if ('not' in condition) return performedEvents(condition.not);
  if ('performed' in condition) return [condition.performed.event];
  return [];
}

/** The first reference of `definition` that is unknown or leads back to it, or `undefined`. */
function findCycle(
  definition: AudienceDefinition,
  known: ReadonlyMap<string, AudienceDefinition>,
): { ref: string; field: string } | undefined {
  const graph = new Map(known);
  graph.set(definition.key, definition);
  for (const { ref, field } of audienceRefs(definition.where)) {
    const seen = new Set<string>();
    const stack = [ref];
    while (stack.length > 0) {
      const at = stack.pop() as string;
      if (at === definition.key) return { ref, field };
      if (seen.has(at)) continue;
      seen.add(at);
      const next = graph.get(at);
      if (next) stack.push(...audienceRefs(next.where).map((r) => r.ref));
    }
  }
  return undefined;
}

/** Audience keys a tree refers to that are not among `known` (refused with their field). */
export function unknownAudienceRef(definition: AudienceDefinition, known: ReadonlySet<string>): { ref: string; field: string } | undefined {
  return audienceRefs(definition.where).find((r) => !known.has(r.ref));
}

/** What the evaluation of one profile reads. */
export interface AudienceProfile {
  /** The profile's events, sorted with `sortEvents`. */
  events: readonly TrackingEvent[];
  /** The same events grouped with `eventsByName` (made here when absent). */
  byName?: ReadonlyMap<string, readonly TrackingEvent[]>;
  traits: Record<string, unknown>;
  /** Computed-trait values as the API shows them (they win over a person trait of the same key). */
  computed: Record<string, unknown>;
  /** Epoch ms of each `time_since` trait's last event: such a trait's conditions change with time alone. */
  timeAnchors?: Record<string, number>;
  consent?: Record<string, { granted: boolean }>;
}

/** Membership of one profile in one audience, and when it could change with no new event. */
export interface Membership {
  member: boolean;
  nextChangeAt?: number;
}

/**
 * Evaluates every audience for one profile at `now` (epoch ms). An audience that refers to another reads
 * that one's answer; an unknown reference counts as "not a member". The cycle guard is only for safety:
 * validation refuses cycles.
 */
export function evaluateAudiences(
  definitions: readonly AudienceDefinition[],
  profile: AudienceProfile,
  now: number,
): Map<string, Membership> {
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const byName = profile.byName ?? eventsByName(profile.events);
  const done = new Map<string, Membership>();
  const active = new Set<string>();
  const next = { at: Infinity };
  const soon = (at: number): void => {
    if (at > now && at < next.at) next.at = at;
  };
  const audience = (key: string): boolean => {
    const known = done.get(key);
    if (known) {
      if (known.nextChangeAt !== undefined) soon(known.nextChangeAt);
      return known.member;
    }
    const definition = byKey.get(key);
    if (!definition || active.has(key)) return false;
    active.add(key);
    const outer = next.at;
    next.at = Infinity;
    const member = holds(definition.where);
    const mine = next.at;
    next.at = Math.min(outer, mine);
    active.delete(key);
    done.set(key, Number.isFinite(mine) ? { member, nextChangeAt: mine } : { member });
    return member;
  };
  const holds = (c: AudienceCondition): boolean => {
    if ('all' in c) return c.all.map(holds).every(Boolean);
    if ('any' in c) return c.any.map(holds).some(Boolean);
    if ('not' in c) return !holds(c.not);
    if ('audience' in c) return audience(c.audience);
    if ('consent' in c) return (profile.consent?.[c.consent.category]?.granted === true) === c.consent.is;
    if ('trait' in c) return traitHolds(c.trait, profile, soon);
    return performedHolds(c.performed, eventsNamed(c.performed.event, profile.events, byName), now, soon);
  };
  for (const d of definitions) audience(d.key);
  return done;
}

function traitHolds(t: { key: string; op: ConditionOp; value?: unknown }, profile: AudienceProfile, soon: (at: number) => void): boolean {
  const actual = Object.hasOwn(profile.computed, t.key) ? profile.computed[t.key] : profile.traits[t.key];
  const anchor = profile.timeAnchors?.[t.key];
  // A time_since value grows by itself: the condition may flip when it crosses the compared number of seconds.
  if (anchor !== undefined && typeof t.value === 'number') soon(anchor + t.value * 1000 + 1000);
  return compareValue(actual, t.op, t.value);
}

function performedHolds(
  p: { event: string; where: EventCondition[]; within?: Duration; count: CountRule },
  events: readonly TrackingEvent[],
  now: number,
  soon: (at: number) => void,
): boolean {
  const withinMs = p.within ? durationMs(p.within) : undefined;
  const from = withinMs === undefined ? -Infinity : now - withinMs;
  let n = 0;
  for (const event of events) {
    if (!eventCounts(p, event)) continue;
    const at = eventTime(event);
    if (at <= from) continue;
    if (withinMs !== undefined) soon(at + withinMs);
    n += 1;
  }
  return compareValue(n, p.count.op, p.count.value);
}

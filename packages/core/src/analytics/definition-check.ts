/**
 * Shared pieces of the computed-trait and audience definitions: durations, event conditions (`where`) and
 * the field-named validation result. Pure: no clock, no I/O; `now` is always passed in.
 */

import type { Duration } from '../api/analytics-api.ts';
import { formatFieldPath } from '../spec/field-path.ts';

/** Operators of a condition on an event path or a trait. */
export type ConditionOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'contains' | 'exists';

/** The operators in a stable order (validation messages, docs). */
export const CONDITION_OPS: readonly ConditionOp[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'];

/** A condition on one path of an event (`properties.currency`, `context.campaign.source`, `event`). */
export interface EventCondition {
  path: string;
  op: ConditionOp;
  value?: unknown;
}

/** A definition's validation: the checked value, or the first bad field and why. */
export type DefinitionCheck<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** Most conditions one `where` list may hold, and most nodes of an audience tree (bigger ones are refused). */
export const MAX_CONDITIONS = 50;

/** Why: definitions are evaluated for every changed profile; an unbounded tree would stall the evaluator. */
export const MAX_TREE_NODES = 200;

/** Keys of definitions: what a URL path segment and a JSON key can carry without escaping. */
export const DEFINITION_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/** Failure at `field`. */
export function refuse<T>(field: string, message: string): DefinitionCheck<T> {
  return { ok: false, field, message };
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a duration: one unit, a positive finite number, at most ten years. */
export function checkDuration(raw: unknown, field: string): DefinitionCheck<Duration> {
  if (!isRecord(raw)) return refuse(field, 'a duration is {"minutes"|"hours"|"days": n}');
  const keys = Object.keys(raw);
  const unit = keys[0];
  if (keys.length !== 1 || (unit !== 'minutes' && unit !== 'hours' && unit !== 'days')) {
    return refuse(field, 'a duration has exactly one of minutes, hours or days');
  }
  const n = raw[unit];
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return refuse(`${field}.${unit}`, 'must be a positive number');
  if (n * UNIT_MS[unit] > 3650 * UNIT_MS.days) return refuse(`${field}.${unit}`, 'must be at most ten years');
  return { ok: true, value: { [unit]: n } as Duration };
}

/** Checks one condition (`path` for event conditions, `key` for trait conditions). */
export function checkCondition<K extends 'path' | 'key'>(
  raw: unknown,
  field: string,
  name: K,
): DefinitionCheck<Record<K, string> & { op: ConditionOp; value?: unknown }> {
  if (!isRecord(raw)) return refuse(field, `a condition is {"${name}","op","value"}`);
  const target = raw[name];
  if (typeof target !== 'string' || target.length === 0 || target.length > 200)
    return refuse(`${field}.${name}`, 'must be a non-empty string (at most 200 characters)');
  const op = raw.op;
  if (typeof op !== 'string' || !(CONDITION_OPS as readonly string[]).includes(op))
    return refuse(`${field}.op`, `must be one of ${CONDITION_OPS.join(', ')}`);
  const value = raw.value;
  if (op === 'in' && !Array.isArray(value)) return refuse(`${field}.value`, '"in" needs an array');
  if (op === 'exists' && value !== undefined && typeof value !== 'boolean')
    return refuse(`${field}.value`, '"exists" takes true, false or nothing');
  if (op !== 'exists' && value === undefined) return refuse(`${field}.value`, `"${op}" needs a value`);
  const condition = { [name]: target, op: op as ConditionOp, ...(value === undefined ? {} : { value }) } as Record<K, string> & {
    op: ConditionOp;
    value?: unknown;
  };
  return { ok: true, value: condition };
}

/** Checks `where`: one condition or a list of them (all must hold); absent means none. */
export function checkWhere(raw: unknown, field: string): DefinitionCheck<EventCondition[]> {
  if (raw === undefined || raw === null) return { ok: true, value: [] };
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length > MAX_CONDITIONS) return refuse(field, `at most ${MAX_CONDITIONS} conditions`);
  const out: EventCondition[] = [];
  for (const [i, item] of list.entries()) {
    const checked = checkCondition(item, Array.isArray(raw) ? formatFieldPath([i], field) : field, 'path');
    if (!checked.ok) return checked;
    out.push(checked.value);
  }
  return { ok: true, value: out };
}

/** The value at a dotted path of an event (or any object); `undefined` when a step is missing. */
export function valueAtPath(source: unknown, path: string): unknown {
  let at: unknown = source;
  for (const step of pathSteps(path)) {
    if (!isRecord(at) || !Object.hasOwn(at, step)) return undefined;
    at = at[step];
  }
  return at;
}

/** Paths split once: definitions read the same few paths of every event they evaluate. */
const splitPaths = new Map<string, readonly string[]>();
const SPLIT_PATHS_KEPT = 1000;

function pathSteps(path: string): readonly string[] {
  let steps = splitPaths.get(path);
  if (steps === undefined) {
    if (splitPaths.size >= SPLIT_PATHS_KEPT) splitPaths.clear();
    steps = path.split('.');
    splitPaths.set(path, steps);
  }
  return steps;
}

/** Whether `actual` satisfies `op value`. Order operators compare numbers with numbers and strings with strings. */
export function compareValue(actual: unknown, op: ConditionOp, value: unknown): boolean {
  switch (op) {
    case 'exists':
      return (actual !== undefined && actual !== null) === (value !== false);
    case 'eq':
      return sameValue(actual, value);
    case 'ne':
      return !sameValue(actual, value);
    case 'in':
      return Array.isArray(value) && value.some((v) => sameValue(actual, v));
    case 'contains':
      if (typeof actual === 'string') return typeof value === 'string' && actual.includes(value);
      return Array.isArray(actual) && actual.some((v) => sameValue(v, value));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const sameKind =
        (typeof actual === 'number' && typeof value === 'number') || (typeof actual === 'string' && typeof value === 'string');
      if (!sameKind) return false;
      const a = actual as number | string;
      const b = value as number | string;
      return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
    }
  }
}

/** Whether an event meets every condition. */
export function eventMatches(event: unknown, where: readonly EventCondition[]): boolean {
  return where.every((c) => compareValue(valueAtPath(event, c.path), c.op, c.value));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return stableJson(a) === stableJson(b);
}

/** JSON with object keys sorted: equal values give equal text (counting and de-duplicating values). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

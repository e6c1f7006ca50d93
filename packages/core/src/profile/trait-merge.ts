/**
 * Reference semantics of trait state, which the stores reproduce in SQL: every trait keeps the event
 * time and source of its last change, and the latest change wins whatever order events arrive in.
 *
 * Why tombstones: an unset is kept as an entry whose value is `null`. Without it, an unset followed by
 * a late-arriving older set would bring the value back, and the final state would depend on arrival
 * order. `visibleTraits` hides tombstones.
 */
import type { TraitChanges } from './trait-changes.ts';

/** One trait's value (`null` = unset) with the event time and source of the change. */
export interface TraitEntry {
  value: unknown;
  /** ISO time in UTC with milliseconds, as the validator produces (so string order is time order). */
  timestamp: string;
  sourceId: string;
}

/** All traits of a profile, tombstones included. */
export type TraitState = Record<string, TraitEntry>;

/**
 * Positive when `a` wins over `b`: later timestamp, then greater sourceId, then greater JSON of the
 * value. A total order, so merging is commutative and associative.
 */
export function compareTraitEntries(a: TraitEntry, b: TraitEntry): number {
  return compare(a.timestamp, b.timestamp) || compare(a.sourceId, b.sourceId) || compare(json(a.value), json(b.value));
}

/** Merges the trait states of two profiles (e.g. on a profile merge): per key, the winning entry. */
export function mergeTraitStates(a: TraitState, b: TraitState): TraitState {
  const result: TraitState = {};
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compare)) {
    const left = Object.hasOwn(a, key) ? a[key] : undefined;
    const right = Object.hasOwn(b, key) ? b[key] : undefined;
    const winner = !left ? right : !right ? left : compareTraitEntries(right, left) > 0 ? right : left;
    if (winner) define(result, key, { ...winner });
  }
  return result;
}

/**
 * Applies one event's trait changes. An older event never overwrites a newer value, and an unset older
 * than the current value is ignored.
 */
export function applyTraitChanges(state: TraitState, changes: TraitChanges, timestamp: string, sourceId: string): TraitState {
  const incoming: TraitState = {};
  for (const [key, value] of Object.entries(changes.set)) define(incoming, key, { value, timestamp, sourceId });
  for (const key of changes.unset) define(incoming, key, { value: null, timestamp, sourceId });
  return mergeTraitStates(state, incoming);
}

/** The traits a profile shows: values without tombstones. */
export function visibleTraits(state: TraitState): Record<string, unknown> {
  return Object.fromEntries(Object.entries(state).filter(([, entry]) => entry.value !== null).map(([key, entry]) => [key, entry.value]));
}

function define(target: TraitState, key: string, entry: TraitEntry): void {
  Object.defineProperty(target, key, { value: entry, enumerable: true, writable: true, configurable: true });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? '';
}

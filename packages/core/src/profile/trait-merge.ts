/**
 * Reference semantics of trait state, which the stores reproduce in SQL: every trait keeps the event
 * time, source and source rank (`trust`) of its last change. The most trusted source wins (the policy's
 * `traitSources`, see `traitTrust`); among equal ranks the latest change wins, whatever order events
 * arrive in. So a CRM row with a mistyped email never replaces the email the login gave, however late it
 * arrives, while a newer login value does.
 *
 * Why tombstones: an unset is kept as an entry whose value is `null`. Without it, an unset followed by
 * a late-arriving older set would bring the value back, and the final state would depend on arrival
 * order. `visibleTraits` hides tombstones.
 */
import type { TraitChanges } from './trait-changes.ts';
import { compareTraitOrder } from './trait-order.ts';

/** One trait's value (`null` = unset) with the event time and source of the change. */
export interface TraitEntry {
  value: unknown;
  /** ISO time in UTC with milliseconds, as the validator produces (so string order is time order). */
  timestamp: string;
  sourceId: string;
  /** The source's rank for this key when written (higher wins first); absent means 0. */
  trust?: number;
}

/** All traits of a profile, tombstones included. */
export type TraitState = Record<string, TraitEntry>;

/**
 * Positive when `a` wins over `b`: `TRAIT_ORDER` (trait-order.ts), the rule both stores' SQL is generated
 * from. A total order, so merging is commutative and associative.
 */
export function compareTraitEntries(a: TraitEntry, b: TraitEntry): number {
  return compareTraitOrder(a, b);
}

/**
 * The rank of `source` for trait `key` under `traitSources` (the policy's): a list of n names gives the
 * first n, the next n - 1 and so on; `"*"` stands for every source not listed; a source not listed
 * without `"*"`, or a key without a list, ranks 0. Why numbers stored with each value: merges and late
 * events compare entries written long apart, and the rank must not depend on a lookup at that time.
 */
export function traitTrust(traitSources: Readonly<Record<string, readonly string[]>>, key: string, source: string): number {
  const list = Object.hasOwn(traitSources, key) ? traitSources[key] : undefined;
  if (!list) return 0;
  const at = list.indexOf(source);
  const index = at >= 0 ? at : list.indexOf('*');
  return index >= 0 ? list.length - index : 0;
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
  const entry = (value: unknown, key: string): TraitEntry => {
    const trust = changes.trust && Object.hasOwn(changes.trust, key) ? changes.trust[key] : undefined;
    return trust ? { value, timestamp, sourceId, trust } : { value, timestamp, sourceId };
  };
  for (const [key, value] of Object.entries(changes.set)) define(incoming, key, entry(value, key));
  for (const key of changes.unset) define(incoming, key, entry(null, key));
  return mergeTraitStates(state, incoming);
}

/** The traits a profile shows: values without tombstones. */
export function visibleTraits(state: TraitState): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(state)
      .filter(([, entry]) => entry.value !== null)
      .map(([key, entry]) => [key, entry.value]),
  );
}

function define(target: TraitState, key: string, entry: TraitEntry): void {
  Object.defineProperty(target, key, { value: entry, enumerable: true, writable: true, configurable: true });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

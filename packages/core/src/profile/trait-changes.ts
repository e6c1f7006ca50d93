/** Trait changes decided from one event (the "decide" half; stores and the reference graph apply them). */
import type { EventFacts } from '../spec/event-types.ts';
import { sortInPlace } from '../identity/stable-sort.ts';

/** Traits to set and trait keys to remove. `null` never appears in `set`: a `null` trait means "unset". */
export interface TraitChanges {
  set: Record<string, unknown>;
  unset: string[];
  /** Per key, the source's rank under the policy's `traitSources` (higher wins first); absent keys rank 0. */
  trust?: Record<string, number>;
}

/**
 * The trait changes of an event. Only `identify` sets person traits (group traits describe the group);
 * keys come out sorted so the plan is byte-identical for the same event.
 */
export function computeTraitChanges(event: EventFacts): TraitChanges {
  if (event.type !== 'identify' || !event.traits) return { set: {}, unset: [] };
  const entries = sortInPlace(Object.entries(event.traits), ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    // Object.fromEntries defines own properties, so a `__proto__` trait stays a trait.
    set: Object.fromEntries(entries.filter(([, value]) => value !== null && value !== undefined)),
    unset: entries.filter(([, value]) => value === null).map(([key]) => key),
  };
}

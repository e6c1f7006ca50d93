import { describe, expect, it } from 'vitest';
import type { ComputedTraitDefinition, TrackingEvent } from '@kin/core';
import type { ProfileView } from '../storage/storage.ts';
import type { Definitions, TraitResult } from './audience-recompute.ts';
import { evaluateProfile } from './audience-recompute.ts';

const TRAITS: ComputedTraitDefinition[] = [
  { key: 'orders_1d', type: 'event_counter', event: 'Order Completed', where: [], window: { days: 1 } },
  { key: 'spend', type: 'aggregation', agg: 'sum', event: 'Order Completed', property: 'properties.total', where: [], window: null },
  { key: 'last_page', type: 'last', event: 'Page Viewed', property: 'properties.path', where: [], window: null },
  { key: 'anything', type: 'event_counter', event: '*', where: [], window: null },
];
const DEFINITIONS: Definitions = {
  traits: TRAITS,
  audiences: [{ key: 'spenders', where: { trait: { key: 'spend', op: 'gte', value: 50 } } }],
};
const PROFILE = { id: 'p-1', traits: {}, mergedFrom: [], externalIds: [] } as unknown as ProfileView;

function event(seq: number, name: string, hoursAfterStart: number, properties: Record<string, unknown>): TrackingEvent {
  const at = new Date(Date.UTC(2026, 2, 1) + hoursAfterStart * 3_600_000).toISOString();
  return { type: 'track', event: name, messageId: `m-${seq}`, anonymousId: 'a', properties, timestamp: at, receivedAt: at };
}

/** Evaluates with the last results, and checks the answer equals an evaluation from scratch. */
function evaluateAgain(events: TrackingEvent[], seqs: number[], last: ReadonlyMap<string, TraitResult> | undefined, hours: number) {
  const now = new Date(Date.UTC(2026, 2, 1) + hours * 3_600_000);
  const reused = evaluateProfile(DEFINITIONS, { events, profile: PROFILE, reuse: { seqs, last } }, now);
  const fresh = evaluateProfile(DEFINITIONS, { events, profile: PROFILE }, now);
  expect(reused.state).toEqual(fresh.state);
  expect(reused.nextChangeAt).toEqual(fresh.nextChangeAt);
  return reused;
}

describe('a profile evaluation that reuses the last trait results', () => {
  it('equals a recount after new events, other events of the same count, and a window boundary', () => {
    const events = [event(1, 'Order Completed', 0, { total: 30 }), event(2, 'Page Viewed', 1, { path: '/a' })];
    const first = evaluateAgain(events, [1, 2], undefined, 2);
    expect(first.state.values).toEqual({ orders_1d: 1, spend: 30, last_page: '/a', anything: 2 });

    // One more order: the page trait is reused, the order traits and "*" are counted again.
    const more = [...events, event(3, 'Order Completed', 2, { total: 40 })];
    const second = evaluateAgain(more, [1, 2, 3], first.traits, 3);
    expect(second.traits?.get('last_page')?.result).toBe(first.traits?.get('last_page')?.result);
    expect(second.state.values).toMatchObject({ orders_1d: 2, spend: 70, anything: 3 });
    expect(Object.keys(second.state.audiences)).toEqual(['spenders']);

    // Past the first order's window boundary, with the same events: the windowed count drops.
    const later = evaluateAgain(more, [1, 2, 3], second.traits, 24.5);
    expect(later.state.values).toMatchObject({ orders_1d: 1, spend: 70 });

    // The same number of orders but another one (an undo took seq 3 away, a merge brought seq 9).
    const swapped = [...events, event(9, 'Order Completed', 2, { total: 5 })];
    const other = evaluateAgain(swapped, [1, 2, 9], later.traits, 24.5);
    expect(other.state.values).toMatchObject({ orders_1d: 1, spend: 35 });
    expect(other.state.audiences).toEqual({});
  });
});

describe('a profile evaluation of events that arrive out of order', () => {
  it('equals the evaluation of the same events in time order', () => {
    const definitions: Definitions = {
      traits: [...TRAITS, { key: 'first_page', type: 'first', event: 'Page Viewed', property: 'properties.path', where: [], window: null }],
      audiences: [
        ...DEFINITIONS.audiences,
        {
          key: 'recent_buyers',
          where: { performed: { event: 'Order Completed', where: [], within: { days: 1 }, count: { op: 'gte', value: 2 } } },
        },
      ],
    };
    // In time order; seqs 7 and 10 share a time, so messageId breaks the tie ('m-10' < 'm-7').
    const ordered = [
      event(4, 'Page Viewed', 0, { path: '/first' }),
      event(2, 'Order Completed', 1, { total: 30 }),
      event(10, 'Page Viewed', 30, { path: '/tie-10' }),
      event(7, 'Page Viewed', 30, { path: '/tie-7' }),
      event(3, 'Order Completed', 40, { total: 25 }),
      event(1, 'Order Completed', 41, { total: 5 }),
    ];
    const now = new Date(Date.UTC(2026, 2, 1) + 42 * 3_600_000);
    const truth = evaluateProfile(definitions, { events: ordered, profile: PROFILE }, now);
    expect(truth.state.values).toMatchObject({ first_page: '/first', last_page: '/tie-7', orders_1d: 2, spend: 60 });
    expect(Object.keys(truth.state.audiences).sort()).toEqual(['recent_buyers', 'spenders']);
    const arrivals = [
      [...ordered].reverse(),
      [...ordered.slice(3), ...ordered.slice(0, 3)],
      [ordered[0]!, ordered[3]!, ordered[2]!, ...ordered.slice(4), ordered[1]!],
    ];
    for (const events of arrivals) {
      const got = evaluateProfile(definitions, { events, profile: PROFILE }, now);
      expect(got.state).toEqual(truth.state);
      expect(got.nextChangeAt).toEqual(truth.nextChangeAt);
      // The input is read, never reordered in place.
      expect(events).not.toEqual(ordered);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../spec/event-types.ts';
import type { ComputedTraitDefinition } from './computed-trait.ts';
import { checkComputedTrait, evaluateComputedTrait, presentComputedValue, sortEvents } from './computed-trait.ts';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
let n = 0;
const ev = (event: string, daysAgo: number, properties: Record<string, unknown> = {}): TrackingEvent => ({
  type: 'track',
  event,
  messageId: `m${(n += 1)}`,
  properties,
  timestamp: new Date(NOW - daysAgo * 86_400_000).toISOString(),
  receivedAt: new Date(NOW).toISOString(),
});

const events = sortEvents([
  ev('Order Completed', 40, { total: 10, currency: 'EUR', sku: 'a' }),
  ev('Order Completed', 5, { total: 30, currency: 'USD', sku: 'b' }),
  ev('Order Completed', 2, { total: 20, currency: 'EUR', sku: 'b' }),
  ev('Page Viewed', 1, { path: '/x' }),
]);

const def = (d: Partial<ComputedTraitDefinition> & Pick<ComputedTraitDefinition, 'type'>): ComputedTraitDefinition => ({
  key: 'k',
  event: 'Order Completed',
  where: [],
  window: null,
  ...d,
});

describe('evaluateComputedTrait', () => {
  const cases: Array<[string, ComputedTraitDefinition, unknown]> = [
    ['counts lifetime events', def({ type: 'event_counter' }), 3],
    ['counts inside a window only', def({ type: 'event_counter', window: { days: 7 } }), 2],
    ['filters with where', def({ type: 'event_counter', where: [{ path: 'properties.currency', op: 'eq', value: 'EUR' }] }), 2],
    ['sums a property', def({ type: 'aggregation', agg: 'sum', property: 'properties.total' }), 60],
    ['averages a property', def({ type: 'aggregation', agg: 'avg', property: 'properties.total' }), 20],
    ['takes the minimum', def({ type: 'aggregation', agg: 'min', property: 'properties.total' }), 10],
    ['takes the maximum in a window', def({ type: 'aggregation', agg: 'max', property: 'properties.total', window: { days: 3 } }), 20],
    ['first value', def({ type: 'first', property: 'properties.sku' }), 'a'],
    ['last value', def({ type: 'last', property: 'properties.currency' }), 'EUR'],
    ['first time without property', def({ type: 'first' }), new Date(NOW - 40 * 86_400_000).toISOString()],
    ['most frequent (ties to smallest)', def({ type: 'most_frequent', property: 'properties.sku' }), 'b'],
    ['unique list, sorted', def({ type: 'unique_list', property: 'properties.currency' }), ['EUR', 'USD']],
    ['unique count', def({ type: 'unique_count', property: 'properties.sku' }), 2],
    ['exists', def({ type: 'exists', event: 'Page Viewed' }), true],
    ['exists: none', def({ type: 'exists', event: 'Signed Up' }), false],
    ['any event with *', def({ type: 'event_counter', event: '*' }), 4],
    ['in operator', def({ type: 'event_counter', where: [{ path: 'properties.sku', op: 'in', value: ['a', 'z'] }] }), 1],
    ['gte operator', def({ type: 'event_counter', where: [{ path: 'properties.total', op: 'gte', value: 20 }] }), 2],
    [
      'exists operator false',
      def({ type: 'event_counter', event: '*', where: [{ path: 'properties.sku', op: 'exists', value: false }] }),
      1,
    ],
    ['aggregation over no events', def({ type: 'aggregation', agg: 'avg', property: 'properties.total', event: 'None' }), null],
  ];
  it.each(cases)('%s', (_name, definition, expected) => {
    expect(evaluateComputedTrait(definition, events, NOW).value).toEqual(expected);
  });

  it('says when the oldest windowed event leaves the window', () => {
    const result = evaluateComputedTrait(def({ type: 'event_counter', window: { days: 7 } }), events, NOW);
    expect(result.nextChangeAt).toBe(NOW + 2 * 86_400_000);
    expect(evaluateComputedTrait(def({ type: 'event_counter' }), events, NOW).nextChangeAt).toBeUndefined();
  });

  it('time_since is shown in seconds since the last counted event', () => {
    const stored = evaluateComputedTrait(def({ type: 'time_since' }), events, NOW).value;
    expect(presentComputedValue('time_since', stored, NOW)).toBe(2 * 86_400);
  });
});

describe('checkComputedTrait', () => {
  const bad: Array<[string, unknown, string]> = [
    ['unknown type', { key: 'a', type: 'median', event: 'x' }, 'type'],
    ['negative window', { key: 'a', type: 'event_counter', event: 'x', window: { days: -1 } }, 'window.days'],
    ['two units', { key: 'a', type: 'event_counter', event: 'x', window: { days: 1, hours: 2 } }, 'window'],
    ['bad key', { key: '1a', type: 'event_counter', event: 'x' }, 'key'],
    ['aggregation without agg', { key: 'a', type: 'aggregation', event: 'x', property: 'properties.t' }, 'agg'],
    ['aggregation without property', { key: 'a', type: 'aggregation', event: 'x', agg: 'sum' }, 'property'],
    ['bad op', { key: 'a', type: 'event_counter', event: 'x', where: { path: 'p', op: 'like', value: 1 } }, 'where.op'],
    ['in without array', { key: 'a', type: 'event_counter', event: 'x', where: [{ path: 'p', op: 'in', value: 1 }] }, 'where[0].value'],
    ['unknown field', { key: 'a', type: 'event_counter', event: 'x', color: 1 }, 'color'],
    [
      'too many conditions',
      { key: 'a', type: 'event_counter', event: 'x', where: Array.from({ length: 51 }, () => ({ path: 'p', op: 'exists' })) },
      'where',
    ],
  ];
  it.each(bad)('refuses %s', (_name, body, field) => {
    const checked = checkComputedTrait(body);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.field).toBe(field);
  });

  it('accepts a full definition', () => {
    const checked = checkComputedTrait({
      key: 'eur_spend',
      type: 'aggregation',
      agg: 'sum',
      event: 'Order Completed',
      property: 'properties.total',
      where: { path: 'properties.currency', op: 'eq', value: 'EUR' },
      window: { days: 30 },
    });
    expect(checked).toEqual({
      ok: true,
      value: {
        key: 'eur_spend',
        type: 'aggregation',
        agg: 'sum',
        event: 'Order Completed',
        property: 'properties.total',
        where: [{ path: 'properties.currency', op: 'eq', value: 'EUR' }],
        window: { days: 30 },
      },
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../spec/event-types.ts';
import type { AudienceDefinition } from './audience.ts';
import { evaluateAudiences } from './audience.ts';
import type { ComputedTraitDefinition } from './computed-trait.ts';
import { evaluateComputedTrait, sortEvents } from './computed-trait.ts';
import { valueAtPath } from './definition-check.ts';
import { pathsRead, projectEvent } from './event-projection.ts';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const ev = (i: number, event: string, rest: Partial<TrackingEvent>): TrackingEvent => ({
  type: 'track',
  event,
  messageId: `m${i}`,
  anonymousId: `anon-${i}`,
  context: { campaign: { source: i % 2 ? 'news' : 'ads', medium: 'email' }, ip: '10.0.0.1' },
  timestamp: new Date(NOW - i * 3_600_000).toISOString(),
  receivedAt: new Date(NOW).toISOString(),
  ...rest,
});

const events = sortEvents([
  ev(1, 'Order Completed', { properties: { total: 10, sku: 'a', tags: ['x', 'y'], item: { id: 1 } } }),
  ev(2, 'Order Completed', { properties: { total: 30, sku: 'b', tags: 'x', item: 'none' } }),
  ev(3, 'Order Completed', { properties: { total: 20, sku: 'b', other: { deep: true } } }),
  ev(4, 'Page Viewed', { properties: { path: '/x' } }),
]);

const trait = (key: string, d: Partial<ComputedTraitDefinition>): ComputedTraitDefinition => ({
  key,
  type: 'event_counter',
  event: 'Order Completed',
  where: [],
  window: null,
  ...d,
});

const traits: ComputedTraitDefinition[] = [
  trait('sum', {
    type: 'aggregation',
    agg: 'sum',
    property: 'properties.total',
    where: [{ path: 'context.campaign.source', op: 'eq', value: 'news' }],
  }),
  trait('skus', { type: 'unique_list', property: 'properties.sku' }),
  trait('tags', { type: 'event_counter', where: [{ path: 'properties.tags', op: 'contains', value: 'x' }] }),
  trait('item', { type: 'last', property: 'properties.item.id' }),
  trait('whole', { type: 'most_frequent', property: 'properties.item' }),
  trait('missing', { type: 'event_counter', where: [{ path: 'properties.item.id', op: 'exists', value: false }] }),
  trait('first', { type: 'first', event: '*', window: { hours: 3 } }),
];
const audiences: AudienceDefinition[] = [
  {
    key: 'a',
    where: {
      all: [
        {
          performed: { event: 'Page Viewed', where: [{ path: 'properties.path', op: 'eq', value: '/x' }], count: { op: 'gte', value: 1 } },
        },
      ],
    },
  },
  {
    key: 'b',
    where: { not: { performed: { event: '*', where: [{ path: 'type', op: 'eq', value: 'track' }], count: { op: 'gte', value: 4 } } } },
  },
];

describe('projectEvent', () => {
  const paths = pathsRead(traits, audiences);
  const projected = events.map((e) => projectEvent(e, paths));

  it('keeps what the definitions read: every trait and audience evaluates as on the whole events', () => {
    for (const t of traits)
      expect([t.key, evaluateComputedTrait(t, projected, NOW)]).toEqual([t.key, evaluateComputedTrait(t, events, NOW)]);
    const profile = { traits: {}, computed: {} };
    expect(evaluateAudiences(audiences, { ...profile, events: projected }, NOW)).toEqual(
      evaluateAudiences(audiences, { ...profile, events }, NOW),
    );
  });

  it('drops the rest and never writes into the event', () => {
    const before = JSON.stringify(events);
    const at = (id: string): number => events.findIndex((e) => e.messageId === id);
    expect(projected[at('m3')]).toEqual({
      type: 'track',
      event: 'Order Completed',
      messageId: 'm3',
      timestamp: events[at('m3')]!.timestamp,
      context: { campaign: { source: 'news' } },
      properties: { total: 20, sku: 'b' },
    });
    // `properties.item` is read whole and `properties.item.id` too: the whole value is shared, not rebuilt.
    expect(projected[at('m1')]!.properties?.item).toBe(events[at('m1')]!.properties?.item);
    expect(JSON.stringify(events)).toBe(before);
  });

  it('treats `__proto__` and `constructor` steps as own keys: same answers, no prototype pollution', () => {
    const raw =
      '{"type":"track","event":"E","messageId":"p1","timestamp":"2026-03-10T12:00:00.000Z",' +
      '"receivedAt":"2026-03-10T12:00:00.000Z","properties":{"__proto__":{"x":1,"polluted":true},"constructor":{"y":2}},' +
      '"context":{"__proto__":"end"}}';
    const whole = JSON.parse(raw) as TrackingEvent;
    const read = [
      'properties.__proto__.x',
      'properties.__proto__.polluted',
      'properties.constructor.y',
      'properties.constructor',
      'context.__proto__',
      'traits.__proto__.polluted',
      'properties.__proto__.toString',
    ];
    const part = projectEvent(
      whole,
      read.map((p) => p.split('.')),
    );
    for (const p of read) expect([p, valueAtPath(part, p)]).toEqual([p, valueAtPath(whole, p)]);
    expect(valueAtPath(part, 'properties.__proto__.x')).toBe(1);
    expect(valueAtPath(part, 'context.__proto__')).toBe('end');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});

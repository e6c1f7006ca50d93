import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../spec/event-types.ts';
import type { AudienceDefinition, AudienceProfile } from './audience.ts';
import { checkAudience, evaluateAudiences } from './audience.ts';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const DAY = 86_400_000;
const ev = (event: string, daysAgo: number, properties: Record<string, unknown> = {}): TrackingEvent => ({
  type: 'track',
  event,
  messageId: `${event}-${daysAgo}`,
  properties,
  timestamp: new Date(NOW - daysAgo * DAY).toISOString(),
  receivedAt: new Date(NOW).toISOString(),
});

const profile: AudienceProfile = {
  events: [ev('Order Completed', 20, { total: 50 }), ev('Cart Viewed', 3), ev('Order Completed', 2, { total: 5 })],
  traits: { plan: 'pro', age: 31 },
  computed: { orders: 2 },
  consent: { marketing: { granted: true } },
};

const member = (where: unknown, others: AudienceDefinition[] = []): boolean | undefined => {
  const key = 'x';
  const checked = checkAudience({ key, where }, new Map(others.map((o) => [o.key, o])));
  if (!checked.ok) throw new Error(`${checked.field}: ${checked.message}`);
  return evaluateAudiences([...others, checked.value], profile, NOW).get(key)?.member;
};

describe('evaluateAudiences', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['performed at all', { performed: { event: 'Order Completed' } }, true],
    ['performed within a window', { performed: { event: 'Order Completed', within: { days: 7 } } }, true],
    ['performed twice within a week: no', { performed: { event: 'Order Completed', within: { days: 7 }, count: 2 } }, false],
    ['performed with where', { performed: { event: 'Order Completed', where: { path: 'properties.total', op: 'gt', value: 40 } } }, true],
    ['count with an op', { performed: { event: 'Order Completed', count: { op: 'eq', value: 2 } } }, true],
    ['person trait', { trait: { key: 'plan', op: 'eq', value: 'pro' } }, true],
    ['computed trait', { trait: { key: 'orders', op: 'gte', value: 3 } }, false],
    ['consent granted', { consent: { category: 'marketing', is: true } }, true],
    ['missing consent counts as not granted', { consent: { category: 'ads', is: false } }, true],
    ['not', { not: { performed: { event: 'Signed Up' } } }, true],
    ['any', { any: [{ trait: { key: 'plan', op: 'eq', value: 'free' } }, { trait: { key: 'age', op: 'lt', value: 40 } }] }, true],
    [
      'all',
      { all: [{ trait: { key: 'plan', op: 'eq', value: 'pro' } }, { performed: { event: 'Cart Viewed', within: { days: 1 } } }] },
      false,
    ],
  ];
  it.each(cases)('%s', (_name, where, expected) => {
    expect(member(where)).toBe(expected);
  });

  it('reads other audiences', () => {
    const buyers: AudienceDefinition = {
      key: 'buyers',
      where: { performed: { event: 'Order Completed', where: [], count: { op: 'gte', value: 1 } } },
    };
    expect(member({ all: [{ audience: 'buyers' }, { consent: { category: 'marketing', is: true } }] }, [buyers])).toBe(true);
  });

  it('says when a window condition can change', () => {
    const checked = checkAudience({ key: 'recent', where: { performed: { event: 'Cart Viewed', within: { days: 7 } } } }, new Map());
    if (!checked.ok) throw new Error(checked.message);
    expect(evaluateAudiences([checked.value], profile, NOW).get('recent')).toEqual({ member: true, nextChangeAt: NOW + 4 * DAY });
  });
});

describe('checkAudience', () => {
  const a: AudienceDefinition = { key: 'a', where: { audience: 'b' } };
  const b: AudienceDefinition = { key: 'b', where: { trait: { key: 'plan', op: 'exists' } } };
  const bad: Array<[string, unknown, Map<string, AudienceDefinition>, string]> = [
    ['an unknown kind', { key: 'x', where: { visited: {} } }, new Map(), 'where.visited'],
    [
      'a negative window',
      { key: 'x', where: { performed: { event: 'e', within: { days: -1 } } } },
      new Map(),
      'where.performed.within.days',
    ],
    [
      'a self reference',
      { key: 'x', where: { any: [{ trait: { key: 't', op: 'exists' } }, { audience: 'x' }] } },
      new Map(),
      'where.any[1].audience',
    ],
    [
      'a cycle through others',
      { key: 'b', where: { not: { audience: 'a' } } },
      new Map([
        ['a', a],
        ['b', b],
      ]),
      'where.not.audience',
    ],
    [
      'a huge tree',
      { key: 'x', where: { all: Array.from({ length: 10_000 }, () => ({ performed: { event: 'e' } })) } },
      new Map(),
      'where.all[199]',
    ],
    [
      'a deep tree',
      { key: 'x', where: Array.from({ length: 40 }).reduce<unknown>((inner) => ({ not: inner }), { audience: 'y' }) },
      new Map(),
      'where' + '.not'.repeat(17),
    ],
    ['two kinds in one node', { key: 'x', where: { not: {}, all: [] } }, new Map(), 'where'],
    ['a bad count', { key: 'x', where: { performed: { event: 'e', count: -2 } } }, new Map(), 'where.performed.count'],
  ];
  it.each(bad)('refuses %s', (_name, body, known, field) => {
    const checked = checkAudience(body, known);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.field).toBe(field);
  });
});

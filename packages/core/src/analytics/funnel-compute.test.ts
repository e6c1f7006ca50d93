import { describe, expect, it } from 'vitest';
import type { FunnelSpec } from './funnel-compute.ts';
import { funnelCounts, funnelReach } from './funnel-compute.ts';
import { ev } from './analytics-fixture.ts';

const steps = [{ event: 'View' }, { event: 'Cart' }, { event: 'Buy' }];
const spec = (over: Partial<FunnelSpec> = {}): FunnelSpec => ({
  steps,
  windowMs: 60 * 60_000,
  order: 'ordered',
  stepWindowsMs: [null, null],
  exclusions: [],
  fromMs: 0,
  toMs: 100 * 60_000,
  ...over,
});
const depth = (s: FunnelSpec, names: Array<[string, number]>) =>
  funnelReach(
    s,
    names.map(([n, m]) => ev(n, m)),
  ).depth;

describe('funnelReach', () => {
  it.each([
    [
      'ordered: other events between steps are fine',
      'ordered',
      [
        ['View', 1],
        ['Other', 2],
        ['Cart', 3],
        ['Buy', 4],
      ],
      3,
    ],
    [
      'ordered: steps out of order stop the funnel',
      'ordered',
      [
        ['View', 1],
        ['Buy', 2],
        ['Cart', 3],
      ],
      2,
    ],
    [
      'strict: an event between steps ends it',
      'strict',
      [
        ['View', 1],
        ['Other', 2],
        ['Cart', 3],
        ['Buy', 4],
      ],
      1,
    ],
    [
      'strict: consecutive steps',
      'strict',
      [
        ['View', 1],
        ['Cart', 2],
        ['Buy', 3],
      ],
      3,
    ],
    [
      'any: any order within the window',
      'any',
      [
        ['Buy', 1],
        ['View', 2],
        ['Cart', 3],
      ],
      3,
    ],
    [
      'any: a start on a later step counts only once earlier steps are done',
      'any',
      [
        ['Cart', 1],
        ['Buy', 2],
      ],
      0,
    ],
    [
      'a second attempt may go deeper',
      'ordered',
      [
        ['View', 1],
        ['View', 70],
        ['Cart', 71],
        ['Buy', 72],
      ],
      3,
    ],
  ] as const)('%s', (_name, order, events, expected) => {
    expect(
      depth(
        spec({ order }),
        events.map(([n, m]) => [n, m]),
      ),
    ).toBe(expected);
  });

  it('the window bounds the last step from the first; from/to bound the first step only', () => {
    expect(
      depth(spec(), [
        ['View', 1],
        ['Cart', 30],
        ['Buy', 62],
      ]),
    ).toBe(2);
    expect(
      depth(spec({ toMs: 2 * 60_000 }), [
        ['View', 1],
        ['Cart', 30],
        ['Buy', 40],
      ]),
    ).toBe(3);
    expect(
      depth(spec({ fromMs: 2 * 60_000 }), [
        ['View', 1],
        ['Cart', 30],
      ]),
    ).toBe(0);
  });

  it('a step window bounds the gap between two steps, using the latest earlier step', () => {
    const s = spec({ stepWindowsMs: [5 * 60_000, null] });
    expect(
      depth(s, [
        ['View', 1],
        ['Cart', 10],
      ]),
    ).toBe(1);
    expect(
      depth(s, [
        ['View', 1],
        ['View', 8],
        ['Cart', 10],
      ]),
    ).toBe(2);
  });

  it('an exclusion ends the attempt', () => {
    const s = spec({ exclusions: [{ event: 'Refund' }] });
    expect(
      depth(s, [
        ['View', 1],
        ['Cart', 2],
        ['Refund', 3],
        ['Buy', 4],
      ]),
    ).toBe(2);
  });

  it('where conditions select the step events', () => {
    const s = spec({
      steps: [{ event: 'View', where: [{ path: 'properties.price', op: 'gt', value: 10 }] }, { event: 'Buy' }],
      stepWindowsMs: [null],
    });
    expect(funnelReach(s, [ev('View', 1, { properties: { price: 5 } }), ev('Buy', 2)]).depth).toBe(0);
    expect(funnelReach(s, [ev('View', 1, { properties: { price: 50 } }), ev('Buy', 2)]).depth).toBe(2);
  });
});

describe('funnelCounts', () => {
  it('counts, rates, times to convert and a breakdown', () => {
    const s = spec({ breakdownPath: 'properties.plan' });
    const reaches = [
      funnelReach(s, [ev('View', 0, { properties: { plan: 'a' } }), ev('Cart', 1), ev('Buy', 3)]),
      funnelReach(s, [ev('View', 0, { properties: { plan: 'b' } }), ev('Cart', 2)]),
      funnelReach(s, [ev('View', 0, { properties: { plan: 'a' } })]),
      funnelReach(s, [ev('Cart', 0)]),
    ];
    const result = funnelCounts(s, reaches);
    expect(result.steps.map((x) => x.count)).toEqual([3, 2, 1]);
    expect(result.steps[1]).toMatchObject({
      conversionFromStart: 0.666667,
      conversionFromPrevious: 0.666667,
      timeToConvertSeconds: { p50: 90, avg: 90 },
    });
    expect(result.steps[2]?.timeToConvertSeconds).toEqual({ p50: 180, avg: 180 });
    expect(result.steps[0]?.timeToConvertSeconds).toEqual({ p50: null, avg: null });
    expect(result.breakdown).toEqual([
      { value: 'a', counts: [2, 1, 1] },
      { value: 'b', counts: [1, 1, 0] },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AttributionModel } from '../api/analytics-api.ts';
import type { AttributionSpec, ConversionTouches } from './attribution-compute.ts';
import { ATTRIBUTION_MODELS, attributionTotals, touchCredits, unitConversions } from './attribution-compute.ts';
import { ev } from './analytics-fixture.ts';

const DAY = 1440;
const spec = (over: Partial<AttributionSpec> = {}): AttributionSpec => ({
  conversion: { event: 'Buy', value: 'properties.total' },
  touchEvents: new Set(['Visit']),
  dimension: 'channel',
  models: ATTRIBUTION_MODELS,
  lookbackMs: 30 * 86_400_000,
  halfLifeMs: 7 * 86_400_000,
  fromMs: 0,
  toMs: 1e12,
  ...over,
});
const email = (m: number) =>
  ev('Email Link Clicked', m, { channel: 'email', context: { campaign: { source: 'newsletter', medium: 'email', name: 'spring' } } });
const social = (m: number) => ev('Post Liked', m, { channel: 'social', context: { campaign: { source: 'instagram', medium: 'social' } } });
const visit = (m: number) => ev('Visit', m, { channel: 'web' });
const buy = (m: number, total = 100) => ev('Buy', m, { channel: 'app', properties: { total } });

describe('unitConversions', () => {
  it('touches are campaign, kin_link or listed events within the lookback, before the conversion', () => {
    const link = ev('page', 2 * DAY, { context: { kin: { link: 'abc' } } });
    const [c] = unitConversions(spec(), [email(0), ev('Other', DAY), link, visit(3 * DAY), buy(31 * DAY), social(32 * DAY)]);
    expect(c?.touches.map((t) => [t.event.name, t.direct])).toEqual([
      ['page', false],
      ['Visit', true],
    ]);
    expect(c?.revenue).toBe(100);
  });

  it('the utm dimensions read context.campaign, else (none)', () => {
    const [c] = unitConversions(spec({ dimension: 'utm_source' }), [email(0), visit(1), buy(2)]);
    expect(c?.touches.map((t) => t.value)).toEqual(['newsletter', '(none)']);
  });
});

describe('touchCredits', () => {
  const conv = unitConversions(spec(), [email(0), visit(DAY), social(2 * DAY), visit(3 * DAY), buy(4 * DAY)])[0] as ConversionTouches;
  it.each([
    ['first_touch', [1, 0, 0, 0]],
    ['last_touch', [0, 0, 0, 1]],
    ['last_non_direct', [0, 0, 1, 0]],
    ['linear', [0.25, 0.25, 0.25, 0.25]],
    ['position_based', [0.4, 0.1, 0.1, 0.4]],
    ['participation', [1, 1, 1, 0]],
  ] as Array<[AttributionModel, number[]]>)('%s', (model, expected) => {
    touchCredits(model, conv, 7 * 86_400_000).forEach((c, i) => expect(c).toBeCloseTo(expected[i] as number, 12));
  });

  it('position_based with one or two touches', () => {
    const one = unitConversions(spec(), [email(0), buy(1)])[0] as ConversionTouches;
    const two = unitConversions(spec(), [email(0), social(1), buy(2)])[0] as ConversionTouches;
    expect(touchCredits('position_based', one, 1)).toEqual([1]);
    expect(touchCredits('position_based', two, 1)).toEqual([0.5, 0.5]);
  });

  it('time decay: a touch one half-life older weighs half as much', () => {
    const c = unitConversions(spec(), [email(0), social(7 * DAY), buy(14 * DAY)])[0] as ConversionTouches;
    const [older, newer] = touchCredits('time_decay', c, 7 * 86_400_000) as [number, number];
    expect(older / newer).toBeCloseTo(0.5, 12);
  });

  it('property: credits of one conversion sum to 1 for every model but participation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 20 * DAY })), { minLength: 1, maxLength: 12 }),
        (raw) => {
          const touches = raw.sort((a, b) => a[1] - b[1]).map(([k, m]) => (k === 0 ? email(m) : k === 1 ? social(m) : visit(m)));
          const c = unitConversions(spec(), [...touches, buy(21 * DAY)])[0] as ConversionTouches;
          for (const model of ATTRIBUTION_MODELS.filter((m) => m !== 'participation')) {
            expect(touchCredits(model, c, 7 * 86_400_000).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
          }
        },
      ),
    );
  });
});

describe('attributionTotals', () => {
  it('credits values, counts direct conversions and weighs revenue by credit', () => {
    const s = spec({ models: ['linear'] });
    const totals = attributionTotals(s, [...unitConversions(s, [email(0), social(1), buy(2, 50)]), ...unitConversions(s, [buy(3, 10)])]);
    expect(totals).toEqual({
      conversions: 2,
      direct: 1,
      models: {
        linear: [
          { value: 'direct', conversions: 1, revenue: 10 },
          { value: 'email', conversions: 0.5, revenue: 25 },
          { value: 'social', conversions: 0.5, revenue: 25 },
        ],
      },
    });
  });
});

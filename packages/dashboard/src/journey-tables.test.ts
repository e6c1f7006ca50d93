import { describe, expect, it } from 'vitest';
import type { AttributionResponse, FunnelResponse } from '@kin/core/api/index.ts';
import { attributionTable, funnelTable, toCsv } from './journey-tables.ts';

const step = (event: string, count: number, rate: number) => ({
  event,
  count,
  conversionFromStart: rate,
  conversionFromPrevious: rate,
  timeToConvertSeconds: { p50: null, avg: null },
});
const meta = { eventsScanned: 0, ms: 0 };

describe('journey tables', () => {
  it('funnel: stitched beside unstitched', () => {
    const t = funnelTable(
      { unit: 'profile', steps: [step('View', 10, 1), step('Buy', 4, 0.4)], meta } as FunnelResponse,
      { unit: 'anonymous_id', steps: [step('View', 12, 1), step('Buy', 2, 1 / 6)], meta } as FunnelResponse,
    );
    expect(t.rows[1]).toEqual(['2', 'Buy', '4', '40.0 %', '2', '16.7 %', '']);
  });

  it('attribution: the difference stitching makes, values missing on one side count 0', () => {
    const answer = {
      results: {
        profile: { linear: [{ value: 'email', conversions: 3, revenue: 300 }] },
        anonymous_id: { linear: [{ value: 'direct', conversions: 3, revenue: 300 }] },
      },
      direct: {},
      onlyStitchingExplains: 1,
      conversions: 3,
      meta,
    } as AttributionResponse;
    expect(attributionTable(answer).rows).toEqual([
      ['linear', 'email', '3', '300', '0', '0', '+3'],
      ['linear', 'direct', '0', '0', '3', '300', '−3'],
    ]);
  });

  it('CSV quotes commas, quotes and line breaks', () => {
    expect(
      toCsv({
        header: ['a', 'b'],
        rows: [
          ['x,y', 'say "hi"'],
          ['line\nbreak', 'plain'],
        ],
      }),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",plain\r\n');
  });
});

import { describe, expect, it } from 'vitest';
import { compareConsentOrder, CONSENT_ORDERS } from './consent-order.ts';

const EARLY = '2026-01-01T00:00:00.000Z';
const LATE = '2026-01-01T00:00:00.001Z';

describe('consent order', () => {
  it('latest: the later time wins, and at the same time a refusal', () => {
    expect(CONSENT_ORDERS.latest.map((key) => key.field)).toEqual(['timestamp', 'granted']);
    expect(compareConsentOrder('latest', { granted: true, timestamp: LATE }, { granted: false, timestamp: EARLY })).toBe(1);
    expect(compareConsentOrder('latest', { granted: false, timestamp: EARLY }, { granted: true, timestamp: EARLY })).toBe(1);
    expect(compareConsentOrder('latest', { granted: true, timestamp: EARLY }, { granted: false, timestamp: EARLY })).toBe(-1);
    expect(compareConsentOrder('latest', { granted: true, timestamp: EARLY }, { granted: true, timestamp: EARLY })).toBe(0);
  });

  it('most_restrictive: a refusal wins, then the later time', () => {
    expect(compareConsentOrder('most_restrictive', { granted: false, timestamp: EARLY }, { granted: true, timestamp: LATE })).toBe(1);
    expect(compareConsentOrder('most_restrictive', { granted: true, timestamp: LATE }, { granted: true, timestamp: EARLY })).toBe(1);
    expect(compareConsentOrder('most_restrictive', { granted: false, timestamp: EARLY }, { granted: false, timestamp: LATE })).toBe(-1);
    expect(compareConsentOrder('most_restrictive', { granted: false, timestamp: LATE }, { granted: false, timestamp: LATE })).toBe(0);
  });
});

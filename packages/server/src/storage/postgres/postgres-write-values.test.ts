import { describe, expect, it } from 'vitest';
import { toMillis } from './postgres-write-values.ts';

/** What `toMillis` promises: the time as `Date` reads and writes it, or the text itself when `Date` cannot read it. */
function throughDate(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}

describe('toMillis', () => {
  it('answers what a round trip through Date answers, for times it keeps as they are and times Date moves', () => {
    const times = [
      '2026-11-01T10:00:00.000Z',
      '2026-11-01T10:00:00.000Z', // the remembered answer
      '0000-01-01T00:00:00.000Z',
      '2026-02-28T23:59:59.999Z',
      '2026-02-29T00:00:00.000Z', // not a leap year: Date moves it to March
      '2024-02-29T00:00:00.000Z',
      '2026-04-31T10:00:00.000Z',
      '2026-01-01T24:00:00.000Z', // the next day
      '2026-01-01T23:60:00.000Z', // unreadable: passes through
      '2026-11-01T10:00:00.123456Z',
      '2026-11-01T10:00:00Z',
      '2026-11-01T11:00:00.000+01:00',
      'not a time',
    ];
    for (let i = 0; i < 2000; i++) times.push(new Date(Date.UTC(2026, 0, 1) + i * 7_654_321_987).toISOString());
    for (const time of times) expect(toMillis(time), time).toBe(throughDate(time));
  });
});

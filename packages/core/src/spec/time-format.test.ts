import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random/mulberry32.ts';
import { isoString } from './time-format.ts';
import { epochMs, parseIsoTime, parseTime } from './time-parse.ts';

describe('isoString', () => {
  it('formats like Date.prototype.toISOString, inside and outside years 1000-9999', () => {
    const random = mulberry32(7);
    const samples = [0, -1, 86_399_999, 951_782_400_000, 4_107_542_400_000, -30_610_224_000_001, 253_402_300_800_000, -62_198_755_200_000];
    for (let i = 0; i < 20_000; i++) samples.push(Math.floor((random() * 2 - 1) * 4e14));
    // One expect over the differences: 20,000 expect calls cost seconds and say no more.
    expect(samples.filter((ms) => isoString(ms) !== new Date(ms).toISOString())).toEqual([]);
  });
});

describe('parseTime on the canonical form', () => {
  it('reads YYYY-MM-DDTHH:MM:SS.sssZ exactly as the general ISO reader does, real dates or not', () => {
    const random = mulberry32(11);
    const two = (n: number) => String(n).padStart(2, '0');
    const texts = [
      '2024-02-29T23:59:59.999Z',
      '2023-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2000-02-29T12:00:00.000Z',
      '0999-12-31T00:00:00.000Z',
      '2024-13-01T00:00:00.000Z',
      '2024-04-31T00:00:00.000Z',
      '2024-01-01T24:00:00.000Z',
      '2024-01-01T00:60:00.000Z',
      '2024-01-01T00:00:60.000Z',
      '2024-00-10T00:00:00.000Z',
      '2024-01-00T00:00:00.000Z',
      '2024-01-01T00:00:00.000z',
      '2024-01-01t00:00:00.000Z',
      '2024-01-01T00:00:00,000Z',
      '2024-1-01T00:00:00.0000Z',
      '20a4-01-01T00:00:00.000Z',
    ];
    for (let i = 0; i < 20_000; i++) {
      const year = 900 + Math.floor(random() * 9200);
      texts.push(
        `${String(year).padStart(4, '0')}-${two(Math.floor(random() * 14))}-${two(Math.floor(random() * 33))}T${two(Math.floor(random() * 25))}:${two(Math.floor(random() * 61))}:${two(Math.floor(random() * 61))}.${String(Math.floor(random() * 1000)).padStart(3, '0')}Z`,
      );
    }
    // epochMs is the same reading as a number (NaN for what is not a time).
    const misread = texts.filter(
      (text) =>
        !Object.is(parseTime(text)?.getTime(), parseIsoTime(text)?.getTime()) ||
        !Object.is(epochMs(text), parseIsoTime(text)?.getTime() ?? Number.NaN),
    );
    expect(misread).toEqual([]);
    // Stored times, which the resolver and the store compare, read as Date.parse reads them.
    const stored = Array.from({ length: 5_000 }, () => isoString(Math.floor(random() * 4e12)));
    expect(stored.filter((text) => epochMs(text) !== Date.parse(text))).toEqual([]);
    expect(epochMs('2026-11-01T10:00:00Z')).toBe(Date.parse('2026-11-01T10:00:00Z'));
    expect(epochMs('yesterday')).toBeNaN();
  });
});

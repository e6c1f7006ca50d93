import { describe, expect, it } from 'vitest';
import { compareDates, DATE_LEVELS, dateFromParts, parseDate, type ParsedDate } from './date-parse.ts';

function digits(value: string): string[] {
  return (parseDate(value)?.readings ?? []).map((r) => r.digits);
}

function level(a: string, b: string): string {
  return DATE_LEVELS[compareDates(parseDate(a) as ParsedDate, parseDate(b) as ParsedDate)] ?? '';
}

describe('parseDate', () => {
  it('reads unambiguous formats', () => {
    expect(digits('1978-12-11')).toEqual(['19781211']);
    expect(digits('19781211')).toEqual(['19781211']);
    expect(digits('Mar 1 1970')).toEqual(['19700301']);
    expect(digits('1 March 1970')).toEqual(['19700301']);
    expect(digits('March 1st, 1970')).toEqual(['19700301']);
    expect(digits('25/12/1990')).toEqual(['19901225']);
    expect(digits('1978-12-11T00:00:00Z')).toEqual(['19781211']);
  });
  it('keeps day–month ambiguity as two readings', () => {
    expect(digits('12/11/1978')).toEqual(['19781211', '19781112']);
    expect(digits('3/1/70')).toEqual(['19700301', '19700103']);
    expect(digits('5/5/2001')).toEqual(['20010505']);
  });
  it('expands two-digit years around the pivot', () => {
    expect(digits('3/1/20')).toEqual(['20200301', '20200103']);
    expect(digits('3/1/26')).toEqual(['19260301', '19260103']);
  });
  it('keeps digits of invalid dates and rejects text', () => {
    const bad = parseDate('19561349');
    expect(bad?.readings).toEqual([]);
    expect(bad?.digits).toBe('19561349');
    expect(parseDate('')).toBeUndefined();
    expect(parseDate('not a date')).toBeUndefined();
  });
  it('builds dates from split columns', () => {
    expect(dateFromParts('1967', '9', '27')?.digits).toBe('19670927');
    expect(dateFromParts('', '9', '27')).toBeUndefined();
  });
});

describe('compareDates', () => {
  it('ranks agreement levels', () => {
    expect(level('1978-12-11', '11/12/1978')).toBe('exact'); // one reading of the ambiguous value agrees
    expect(level('1978-12-11', '1978-11-12')).toBe('day-month-swap');
    expect(level('1978-12-11', '1978-12-17')).toBe('one-edit');
    expect(level('1978-12-11', '1987-12-11')).toBe('one-edit'); // adjacent transposition
    expect(level('1978-12-11', '1951-12-11')).toBe('same-day-and-month');
    expect(level('1978-12-11', '1978-12-30')).toBe('same-year-and-month');
    expect(level('1978-12-11', '1978-03-11')).toBe('same-year-and-day');
    expect(level('1978-12-11', '1979-01-02')).toBe('within-month');
    expect(level('1978-12-11', '1978-11-30')).toBe('within-month'); // month and day both differ
    expect(level('1978-12-11', '1979-05-30')).toBe('within-year');
    expect(level('1978-12-11', '1990-05-30')).toBe('different');
  });
  it('compares corrupted dates by their digits', () => {
    expect(level('19561349', '19561249')).toBe('one-edit');
    expect(level('19561349', '19560749')).toBe('same-year-and-day');
  });
});

/**
 * Lenient date parsing for dates of birth. A value such as `03/01/1970` is either 3 January or
 * 1 March; instead of guessing a locale we keep both readings and let the comparator count a
 * match under either reading as evidence.
 */

/** One calendar reading of a date value. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
  /** `YYYYMMDD`, the form edit distances are measured on. */
  digits: string;
  /** Days since 1970-01-01 (for "within a month / a year"). */
  epochDay: number;
}

/** A parsed date value: zero, one or two readings plus the raw digits for corrupted values. */
export interface ParsedDate {
  /** Valid readings; two when day and month are ambiguous. */
  readings: readonly CalendarDate[];
  /** `YYYYMMDD`-like digits even when the value is not a valid date (e.g. `19561349`). */
  digits: string;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

/** Options of {@link parseDate}. */
export interface ParseDateOptions {
  /** Two-digit years up to this value are read as 20yy, above it as 19yy. Default 25. */
  twoDigitYearPivot?: number;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A valid calendar date, or `undefined` (e.g. 31 February). */
export function calendarDate(year: number, month: number, day: number): CalendarDate | undefined {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1 || year > 9999) return undefined;
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  return { year, month, day, digits: pad(year, 4) + pad(month, 2) + pad(day, 2), epochDay: Math.round(ms / 86_400_000) };
}

function expandYear(raw: string, pivot: number): number {
  const y = Number(raw);
  if (raw.length > 2) return y;
  return y <= pivot ? 2000 + y : 1900 + y;
}

function fromParts(year: number, month: number, day: number): ParsedDate {
  const reading = calendarDate(year, month, day);
  return {
    readings: reading === undefined ? [] : [reading],
    digits: pad(year, 4) + pad(month, 2) + pad(day, 2),
  };
}

/**
 * Parses a date of birth written as `1978-12-11`, `19781211`, `12/11/1978`, `3/1/70`, `Mar 1 1970`,
 * `1 March 1970` or `March 1, 1970`. Returns `undefined` for blanks and unrecognised text.
 */
export function parseDate(value: string, options: ParseDateOptions = {}): ParsedDate | undefined {
  const pivot = options.twoDigitYearPivot ?? 25;
  const s = value.trim().toLowerCase();
  if (s.length === 0) return undefined;
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[t\s])/.exec(s);
  if (m !== null) return fromParts(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m !== null) return fromParts(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$/.exec(s);
  if (m !== null) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const year = expandYear(m[3] ?? '', pivot);
    const monthFirst = calendarDate(year, a, b);
    const dayFirst = calendarDate(year, b, a);
    const readings: CalendarDate[] = [];
    if (monthFirst !== undefined) readings.push(monthFirst);
    if (dayFirst !== undefined && a !== b) readings.push(dayFirst);
    const first = readings[0];
    return { readings, digits: first?.digits ?? pad(year, 4) + pad(a, 2) + pad(b, 2) };
  }
  // Month names: "mar 1 1970", "march 1, 1970", "1 mar 1970", "1-mar-70".
  m = /^([a-z]+)\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(\d{4}|\d{2})$/.exec(s);
  if (m !== null) {
    const month = MONTHS[(m[1] ?? '').slice(0, 3)];
    if (month !== undefined) return fromParts(expandYear(m[3] ?? '', pivot), month, Number(m[2]));
  }
  m = /^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]+)\.?,?[\s-]+(\d{4}|\d{2})$/.exec(s);
  if (m !== null) {
    const month = MONTHS[(m[2] ?? '').slice(0, 3)];
    if (month !== undefined) return fromParts(expandYear(m[3] ?? '', pivot), month, Number(m[1]));
  }
  return undefined;
}

/** Builds a date from split year / month / day columns (e.g. RLdata's `by`, `bm`, `bd`). */
export function dateFromParts(year: string, month: string, day: string): ParsedDate | undefined {
  const y = Number(year.trim());
  const mo = Number(month.trim());
  const d = Number(day.trim());
  if (year.trim() === '' || !Number.isFinite(y)) return undefined;
  return fromParts(y, Number.isFinite(mo) ? mo : 0, Number.isFinite(d) ? d : 0);
}

/**
 * Levels of the date comparison, best first. Why the per-component levels: a keying error usually
 * corrupts one component (year, month or day) and leaves the other two intact, which is far stronger
 * evidence than two dates merely falling within a month or a year of each other (two components differ).
 */
export const DATE_LEVELS = [
  'exact',
  'day-month-swap',
  'one-edit',
  'same-day-and-month',
  'same-year-and-month',
  'same-year-and-day',
  'within-month',
  'within-year',
  'different',
] as const;
/** One of {@link DATE_LEVELS}. */
export type DateLevel = (typeof DATE_LEVELS)[number];

/** Compares two parsed dates; any pair of readings may establish a level. Returns a DATE_LEVELS index. */
export function compareDates(a: ParsedDate, b: ParsedDate): number {
  if (a.digits === b.digits) return 0;
  const ra = a.readings;
  const rb = b.readings;
  for (const x of ra) for (const y of rb) if (x.epochDay === y.epochDay) return 0;
  for (const x of ra) for (const y of rb) if (x.year === y.year && x.month === y.day && x.day === y.month) return 1;
  if (withinOneDigitEdit(a.digits, b.digits)) return 2;
  for (const x of ra) for (const y of rb) if (withinOneDigitEdit(x.digits, y.digits)) return 2;
  // One component differs; read from the digits so invalid dates (month 13, day 0) still count.
  let component = componentLevel(a.digits, b.digits);
  for (const x of ra) for (const y of rb) component = Math.min(component, componentLevel(x.digits, y.digits));
  if (component < DATE_LEVELS.length) return component;
  let best = Number.POSITIVE_INFINITY;
  for (const x of ra) for (const y of rb) best = Math.min(best, Math.abs(x.epochDay - y.epochDay));
  if (best <= 31) return 6;
  if (best <= 366) return 7;
  return 8;
}

/** Level 3–5 when exactly one of year, month, day differs between two `YYYYMMDD` strings, else past the end. */
function componentLevel(a: string, b: string): number {
  if (a.length !== 8 || b.length !== 8) return DATE_LEVELS.length;
  const year = a.startsWith(b.slice(0, 4));
  const month = a.charCodeAt(4) === b.charCodeAt(4) && a.charCodeAt(5) === b.charCodeAt(5);
  const day = a.charCodeAt(6) === b.charCodeAt(6) && a.charCodeAt(7) === b.charCodeAt(7);
  if (!year && month && day) return 3;
  if (year && month && !day) return 4;
  if (year && !month && day) return 5;
  return DATE_LEVELS.length;
}

/** Equal-length digit strings differing in one position or by one adjacent transposition. */
function withinOneDigitEdit(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let first = -1;
  let diffs = 0;
  for (let i = 0; i < a.length; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) {
      if (diffs === 0) first = i;
      diffs++;
      if (diffs > 2) return false;
    }
  }
  if (diffs <= 1) return true;
  return a[first] === b[first + 1] && a[first + 1] === b[first];
}

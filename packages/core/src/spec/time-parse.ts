/**
 * Strict, engine-independent parsing of wire times. `Date.parse` accepts many non-ISO formats and reads
 * offset-less times in the host's time zone, so the same payload could mean different instants on
 * different machines; this parser accepts only ISO 8601 (offset-less means UTC) and epoch milliseconds.
 */
import { daysFromCivil } from './time-format.ts';

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Largest absolute epoch value a JS Date can hold (±100,000,000 days). */
const MAX_EPOCH_MS = 8.64e15;

/** Parses an ISO 8601 string, an epoch-milliseconds number or a valid Date; `undefined` when it is none. */
export function parseTime(raw: unknown): Date | undefined {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : new Date(raw.getTime());
  if (typeof raw === 'number') {
    return Number.isFinite(raw) && Math.abs(raw) <= MAX_EPOCH_MS ? new Date(Math.trunc(raw)) : undefined;
  }
  if (typeof raw !== 'string') return undefined;
  const ms = epochMs(raw);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * Epoch milliseconds of a stored time (`parseTime`'s reading; NaN when it is not a time). Why not
 * `Date.parse`: the resolver and the store compare several stored times per event, and the canonical form
 * is read by arithmetic here in a fraction of its cost.
 */
export function epochMs(text: string): number {
  if (text.length === 24) {
    const ms = parseCanonical(text);
    if (ms !== undefined) return ms;
  }
  return parseIsoTime(text)?.getTime() ?? Number.NaN;
}

const digit = (text: string, at: number): number => text.charCodeAt(at) - 48;
const isDigit = (text: string, at: number): boolean => {
  const c = text.charCodeAt(at);
  return c >= 48 && c <= 57;
};
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22] as const;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * The form SDKs send and Kin stores, `YYYY-MM-DDTHH:MM:SS.sssZ`, read without a regular expression or a
 * Date (the ingest path reads three per event). `undefined` when the text is not exactly that form with a
 * real date and a year from 1000, and `parseIsoTime` decides.
 */
function parseCanonical(text: string): number | undefined {
  if (
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== 'T' ||
    text[13] !== ':' ||
    text[16] !== ':' ||
    text[19] !== '.' ||
    text[23] !== 'Z'
  ) {
    return undefined;
  }
  for (const at of DIGITS) if (!isDigit(text, at)) return undefined;
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const month = digit(text, 5) * 10 + digit(text, 6);
  const day = digit(text, 8) * 10 + digit(text, 9);
  const hours = digit(text, 11) * 10 + digit(text, 12);
  const minutes = digit(text, 14) * 10 + digit(text, 15);
  const seconds = digit(text, 17) * 10 + digit(text, 18);
  const ms = digit(text, 20) * 100 + digit(text, 21) * 10 + digit(text, 22);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined;
  return daysFromCivil(year, month, day) * 86_400_000 + hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + ms;
}

/** The general ISO 8601 reader behind `parseTime` (any offset, optional parts, fractions of any length). */
export function parseIsoTime(raw: string): Date | undefined {
  const match = ISO_TIME.exec(raw.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset = 'Z'] = match;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const local = Date.UTC(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], ms);
  // Why the round trip: Date.UTC silently rolls 2024-02-30 over to 2024-03-01.
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== parts[0] ||
    check.getUTCMonth() !== parts[1] ||
    check.getUTCDate() !== parts[2] ||
    check.getUTCHours() !== parts[3] ||
    check.getUTCMinutes() !== parts[4] ||
    check.getUTCSeconds() !== parts[5]
  ) {
    return undefined;
  }
  const offsetMs = parseOffset(offset);
  if (offsetMs === undefined) return undefined;
  return new Date(local - offsetMs);
}

/** `Z`, `+02`, `+0200` or `+02:00` to milliseconds east of UTC. */
function parseOffset(offset: string): number | undefined {
  if (offset === 'Z' || offset === 'z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}

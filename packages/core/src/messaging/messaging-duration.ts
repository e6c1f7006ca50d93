/**
 * Durations of journeys and the messaging policy: seconds as a number, or a number with a unit
 * (`30s`, `5 minutes`, `2h`, `1 day`). Expected failures are values, not exceptions.
 */
import type { DurationInput } from '../api/messaging-api.ts';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** The longest duration accepted (a year): waits and windows beyond it are mistakes, not plans. */
export const MAX_DURATION_MS = 366 * 86_400_000;

/** Milliseconds of a duration, or a problem naming what is wrong (negative, zero, unknown unit). */
export function parseDuration(input: DurationInput): { ms: number } | { problem: string } {
  let value: number;
  let unit = 's';
  if (typeof input === 'number') {
    value = input;
  } else {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(input);
    if (!m) return { problem: 'a duration is seconds or a number with a unit (s, minutes, hours, days)' };
    value = Number(m[1]);
    unit = (m[2] ?? '').toLowerCase() || 's';
  }
  const per = UNIT_MS[unit];
  if (per === undefined) return { problem: `unknown duration unit "${unit}"` };
  if (!Number.isFinite(value) || value <= 0) return { problem: 'a duration must be positive' };
  const ms = Math.round(value * per);
  if (ms > MAX_DURATION_MS) return { problem: 'a duration is at most 366 days' };
  return { ms };
}

/** Milliseconds of a duration already validated (`parseDuration` accepted it); throws on a bug. */
export function journeyDurationMs(input: DurationInput): number {
  const parsed = parseDuration(input);
  if ('problem' in parsed) throw new Error(`invalid duration: ${parsed.problem}`);
  return parsed.ms;
}

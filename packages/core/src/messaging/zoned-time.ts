/**
 * Wall-clock time in a profile's time zone (quiet hours, calendar-day caps), from ECMAScript `Intl` only.
 * Why no library: the two questions asked are "what local time is it" and "which instant is local h:mm on
 * that day", and `Intl.DateTimeFormat` answers the first; the second is found by correcting an offset guess.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Local calendar fields of an instant in a time zone. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The local wall-clock fields of `at` in `tz`. */
export function localTime(at: Date, tz: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts['year'] ?? 0,
    month: parts['month'] ?? 0,
    day: parts['day'] ?? 0,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** Offset (ms) of `tz` from UTC at instant `ms`. */
function offsetAt(ms: number, tz: string): number {
  const l = localTime(new Date(ms), tz);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the local wall clock of `tz` shows this date and time (the later one in a DST gap). */
export function zonedInstant(tz: string, fields: { year: number; month: number; day: number; hour: number; minute: number }): Date {
  const wall = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute);
  let guess = wall - offsetAt(wall, tz);
  guess = wall - offsetAt(guess, tz);
  return new Date(guess);
}

/** The start of the local calendar day of `at` in `tz`. */
export function startOfLocalDay(at: Date, tz: string): Date {
  const l = localTime(at, tz);
  return zonedInstant(tz, { year: l.year, month: l.month, day: l.day, hour: 0, minute: 0 });
}

/** Minutes after local midnight of an `HH:MM` text, or `undefined` when malformed. */
export function clockMinutes(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/**
 * When `at` falls inside the daily local window [start, end) (which may wrap midnight, 21:00–08:00), the
 * instant the window ends; otherwise `undefined`.
 */
export function windowEnd(at: Date, tz: string, start: string, end: string): Date | undefined {
  const s = clockMinutes(start);
  const e = clockMinutes(end);
  if (s === undefined || e === undefined || s === e) return undefined;
  const l = localTime(at, tz);
  const now = l.hour * 60 + l.minute;
  const inside = s < e ? now >= s && now < e : now >= s || now < e;
  if (!inside) return undefined;
  // The end is today when it is still ahead of the local time, else tomorrow (a window wrapping midnight).
  const day = new Date(Date.UTC(l.year, l.month - 1, l.day + (now < e ? 0 : 1)));
  return zonedInstant(tz, {
    year: day.getUTCFullYear(),
    month: day.getUTCMonth() + 1,
    day: day.getUTCDate(),
    hour: Math.floor(e / 60),
    minute: e % 60,
  });
}

/**
 * Strict, engine-independent parsing of wire times. `Date.parse` accepts many non-ISO formats and reads
 * offset-less times in the host's time zone, so the same payload could mean different instants on
 * different machines; this parser accepts only ISO 8601 (offset-less means UTC) and epoch milliseconds.
 */

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Largest absolute epoch value a JS Date can hold (±100,000,000 days). */
const MAX_EPOCH_MS = 8.64e15;

/** Parses an ISO 8601 string, an epoch-milliseconds number or a valid Date; `undefined` when it is none. */
export function parseTime(raw: unknown): Date | undefined {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : new Date(raw.getTime());
  if (typeof raw === 'number') {
    return Number.isFinite(raw) && Math.abs(raw) <= MAX_EPOCH_MS ? new Date(Math.trunc(raw)) : undefined;
  }
  if (typeof raw !== 'string') return undefined;
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

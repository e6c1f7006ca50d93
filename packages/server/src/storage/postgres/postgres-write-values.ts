/**
 * Values shared by the PostgreSQL write paths (buffered and per-event): times cut to milliseconds, a plan's
 * trait changes and warnings, and the warnings statement.
 */
import type { ApplyInput, NewWarning } from '../storage.ts';
import { LAST_SEEN_GRANULARITY_MS } from '../storage.ts';
import { foldWarnings } from '../warning-subject.ts';

/** lastSeen is rewritten only when it moves by at least this much (see storage.ts). */
export const LAST_SEEN_GRANULARITY_SECONDS = LAST_SEEN_GRANULARITY_MS / 1000;

/** How a warning joins its subject's record: counts add up, the first and last times widen. */
export const WARNING_REPEAT = `ON CONFLICT (subject) DO UPDATE SET count = warnings.count + excluded.count,
  last_seen_at = greatest(warnings.last_seen_at, excluded.last_seen_at), created_at = least(warnings.created_at, excluded.created_at)`;

/** Adds warnings given as eleven column arrays (`warningColumns`); in and outside transactions. */
export const WARNINGS_STATEMENT = {
  name: 'kin_warnings_v2',
  text: `INSERT INTO warnings (kind, code, field, message, source_id, message_id, profile_id, created_at, subject, count, last_seen_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
           $9::text[], $10::bigint[], $11::timestamptz[])
         ${WARNING_REPEAT}`,
} as const;

/**
 * The plan's trait changes with each key's source rank: later entries win, so a key both set and unset
 * ends unset (`null`).
 */
export function traitChanges(plan: ApplyInput['plan'], profileId: string | undefined): Map<string, { value: unknown; trust: number }> {
  const traits = new Map<string, { value: unknown; trust: number }>();
  if (profileId === undefined) return traits;
  const trust = plan.traits.trust;
  const rank = (key: string): number => (trust && Object.hasOwn(trust, key) ? (trust[key] ?? 0) : 0);
  for (const [key, value] of Object.entries(plan.traits.set)) traits.set(key, { value, trust: rank(key) });
  for (const key of plan.traits.unset) traits.set(key, { value: null, trust: rank(key) });
  return traits;
}

/** Warnings folded by subject, as the eleven column arrays of `kin_warnings_v2` (also used outside transactions). */
export function warningColumns(unfolded: NewWarning[]): unknown[] {
  const warnings = foldWarnings(unfolded);
  return [
    warnings.map((w) => w.kind),
    warnings.map((w) => w.code ?? null),
    warnings.map((w) => w.field ?? null),
    warnings.map((w) => w.message),
    warnings.map((w) => w.sourceId ?? null),
    warnings.map((w) => w.messageId ?? null),
    warnings.map((w) => w.profileId ?? null),
    warnings.map((w) => w.createdAt),
    warnings.map((w) => w.subject),
    warnings.map((w) => w.count),
    warnings.map((w) => w.lastSeenAt),
  ];
}

/**
 * An ISO time cut to milliseconds. Why: PostgreSQL keeps microseconds but the store answers (and pages
 * timelines) in milliseconds, so a stored time must round-trip exactly. Unparseable input passes through
 * and PostgreSQL rejects it.
 */
export function toMillis(iso: string): string {
  // The last answer is remembered: a batch's events share their received time.
  if (iso === lastIso) return lastMillis;
  // Already with milliseconds, and `Date` would not move it (a day past 28 may not exist in its month, hour 24 is
  // the next day): it is its own answer, without a parse and a format per event.
  if (PLAIN_MILLIS.test(iso)) return iso;
  const ms = Date.parse(iso);
  lastMillis = Number.isNaN(ms) ? iso : new Date(ms).toISOString();
  lastIso = iso;
  return lastMillis;
}

/** An ISO time with milliseconds in UTC that `Date.parse` reads and `toISOString` writes back unchanged. */
const PLAIN_MILLIS = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

let lastIso = '';
let lastMillis = '';

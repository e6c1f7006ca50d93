/**
 * Values shared by the PostgreSQL write paths (buffered and per-event): times cut to milliseconds, a plan's
 * trait changes and warnings, and the warnings statement.
 */
import type { ApplyInput, NewWarning } from '../storage.ts';
import { LAST_SEEN_GRANULARITY_MS } from '../storage.ts';

/** lastSeen is rewritten only when it moves by at least this much (see storage.ts). */
export const LAST_SEEN_GRANULARITY_SECONDS = LAST_SEEN_GRANULARITY_MS / 1000;

/** Inserts warnings given as eight column arrays (`warningColumns`); in and outside transactions. */
export const WARNINGS_STATEMENT = {
  name: 'kin_warnings_v1',
  text: `INSERT INTO warnings (kind, code, field, message, source_id, message_id, profile_id, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])`,
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

/** The plan's warnings as rows to store. */
export function planWarnings({ event, sourceId, plan }: ApplyInput, profileId: string | undefined, at: string): NewWarning[] {
  return plan.warnings.map((warning) => ({
    kind: warning.kind,
    message: warning.message,
    sourceId,
    messageId: event.messageId,
    profileId: warning.profileId ?? profileId,
    createdAt: at,
  }));
}

/** Warnings as the eight column arrays of `kin_warnings_v1` (also used outside transactions). */
export function warningColumns(warnings: NewWarning[]): unknown[] {
  return [
    warnings.map((w) => w.kind),
    warnings.map((w) => w.code ?? null),
    warnings.map((w) => w.field ?? null),
    warnings.map((w) => w.message),
    warnings.map((w) => w.sourceId ?? null),
    warnings.map((w) => w.messageId ?? null),
    warnings.map((w) => w.profileId ?? null),
    warnings.map((w) => w.createdAt),
  ];
}


/**
 * An ISO time cut to milliseconds. Why: PostgreSQL keeps microseconds but the store answers (and pages
 * timelines) in milliseconds, so a stored time must round-trip exactly. Unparseable input passes through
 * and PostgreSQL rejects it.
 */
export function toMillis(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}

/**
 * Aggregated ingestion warnings, shared by both stores. A warning's subject is what makes two warnings "the
 * same": kind, code, field, source, profile and message. Repeats of a subject are one row with a count, the
 * first time (`createdAt`), the last time (`lastSeenAt`) and the first example's messageId.
 *
 * Why: a refusal repeated on every event wrote one row per event (2.88M warnings for 4.0M events).
 */
import type { ApplyCommon, NewWarning } from './storage.ts';

/** The columns a subject is made of, in order. */
const SUBJECT_COLUMNS = ['kind', 'code', 'field', 'source_id', 'profile_id', 'message'] as const;

/** The SQL expression of a row's subject (the migrations fold old rows with it); `separator`: SQL for U+001F. */
export function warningSubjectSql(separator: string): string {
  return SUBJECT_COLUMNS.map((c) => (c === 'kind' || c === 'message' ? c : `coalesce(${c}, '')`)).join(` || ${separator} || `);
}

/** A warning to upsert: its subject, how many times it happened and when it was last seen. */
export interface FoldedWarning extends NewWarning {
  subject: string;
  count: number;
  lastSeenAt: string;
}

/** The subject of a warning: its fields joined by U+001F (as the migrations' SQL builds it). */
export function warningSubject(w: NewWarning): string {
  return [w.kind, w.code ?? '', w.field ?? '', w.sourceId ?? '', w.profileId ?? '', w.message].join('\u001f');
}

/**
 * Folds warnings of one write into one entry per subject (first example kept, counts summed, first and last
 * times kept), in the order each subject first appears. Why before the upsert: PostgreSQL cannot update one
 * row twice in a statement, and SQLite then writes each subject's row once per transaction.
 */
export function foldWarnings(warnings: readonly NewWarning[]): FoldedWarning[] {
  const bySubject = new Map<string, FoldedWarning>();
  for (const w of warnings) {
    const subject = warningSubject(w);
    const count = w.count ?? 1;
    const lastSeenAt = w.lastSeenAt ?? w.createdAt;
    const folded = bySubject.get(subject);
    if (!folded) {
      bySubject.set(subject, { ...w, subject, count, lastSeenAt });
      continue;
    }
    folded.count += count;
    if (w.createdAt < folded.createdAt) folded.createdAt = w.createdAt;
    if (lastSeenAt > folded.lastSeenAt) folded.lastSeenAt = lastSeenAt;
  }
  // In subject order: concurrent PostgreSQL writers then lock shared rows in one order (no deadlock).
  return [...bySubject.values()].sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
}

/** The plan's warnings as rows to store. */
export function planWarnings({ event, sourceId, plan }: ApplyCommon, profileId: string | undefined, at: string): NewWarning[] {
  return plan.warnings.map((warning) => ({
    kind: warning.kind,
    message: warning.message,
    sourceId,
    messageId: event.messageId,
    profileId: warning.profileId ?? profileId,
    createdAt: at,
  }));
}

/**
 * The storage port of the audit log: append-only, hash-chained entries (access/audit-chain.ts seals them).
 * `appendAudit` reads the last entry and writes the next one under the store's write lock, so two writers
 * can never chain to the same predecessor; seq has no gaps (a missing row breaks `kin audit verify`).
 */
import type { AuditEntry } from '@kin/core/api/access-api.ts';
import type { Page } from './storage.ts';

/** What a caller appends; the store gives it seq, prevHash and hash. */
export type AuditDraft = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

/** Filters of `GET /v1/audit`. */
export interface AuditQuery {
  actor?: string;
  action?: string;
  /** ISO 8601: entries at or after. */
  since?: string;
  cursor?: string;
  limit: number;
}

/** The audit port of a store. */
export interface AuditStore {
  /** Appends one entry sealed by `seal(draft, seq, prevHash)` (`undefined`: the log is empty); answers it. */
  appendAudit(draft: AuditDraft, seal: (draft: AuditDraft, seq: number, prevHash: string | undefined) => AuditEntry): Promise<AuditEntry>;
  /** Entries in seq order, filtered. */
  listAudit(query: AuditQuery): Promise<Page<AuditEntry>>;
  /** Up to `limit` entries after `afterSeq`, in seq order, unfiltered (`kin audit verify`). */
  scanAudit(afterSeq: number, limit: number): Promise<AuditEntry[]>;
}

/**
 * The WHERE clause of `listAudit` (without the word WHERE; empty when unfiltered) and its parameters; `mark(n)`
 * writes the n-th placeholder (`?` or `$n`).
 */
export function auditWhere(
  query: AuditQuery,
  after: number | undefined,
  mark: (n: number) => string,
): { where: string; params: Array<string | number> } {
  const clauses: string[] = [];
  const params: Array<string | number> = [];
  const add = (sql: string, value: string | number) => {
    params.push(value);
    clauses.push(`${sql} ${mark(params.length)}`);
  };
  if (query.actor) add('actor_id =', query.actor);
  if (query.action) add('action =', query.action);
  if (query.since) add('at >=', query.since);
  if (after !== undefined) add('seq >', after);
  return { where: clauses.join(' AND '), params };
}

/** An audit row (either store) as an entry. */
export function toAuditEntry(row: Record<string, unknown>): AuditEntry {
  return {
    seq: Number(row.seq),
    at: row.at as string,
    actor: { id: row.actor_id as string, name: row.actor_name as string },
    action: row.action as string,
    target: row.target as string,
    requestId: row.request_id as string,
    changeHash: row.change_hash as string,
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
  };
}

/** The columns of an entry, in `AUDIT_COLUMNS` order. */
export function auditValues(e: AuditEntry): Array<string | number> {
  return [e.seq, e.at, e.actor.id, e.actor.name, e.action, e.target, e.requestId, e.changeHash, e.prevHash, e.hash];
}

/** Column names of the audit_log table, in insert order. */
export const AUDIT_COLUMNS = 'seq, at, actor_id, actor_name, action, target, request_id, change_hash, prev_hash, hash';

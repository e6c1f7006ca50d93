/**
 * The privacy port of the stores: privacy requests, the keys that drop events at the edge (tombstones of
 * deleted people, suppressions), the count of dropped events, and the one operation that deletes a whole
 * person. SQLite and PostgreSQL implement it (`sqlite-privacy.ts`, `postgres-privacy.ts`) and pass the
 * same suite (`privacy-store-conformance.ts`).
 *
 * Why keys and never values: a tombstone must outlive the person it forgets. A key is `type.hmac` (see
 * privacy/privacy-keys.ts): the edge recomputes it for each incoming identifier, and whoever holds the
 * database but not the server's secret cannot tell whose it was.
 */
import type { PrivacyOutcome, PrivacyRequest, PrivacyRequestType, PrivacyStatus, Warning } from '@kin/core/api/index.ts';
import type { Page } from './storage.ts';

type Row = Record<string, unknown>;

/** Why a key drops events: the person was deleted (forever) or is suppressed (until unsuppressed). */
export type PrivacyKeyKind = 'tombstone' | 'suppress';

/** One key of the edge list. */
export interface PrivacyKey {
  key: string;
  kind: PrivacyKeyKind;
  /** The request that wrote it (an unsuppress lifts the keys of the same suppress request together). */
  requestId: string;
}

/** A request as first stored (status `pending`). */
export interface NewPrivacyRequest {
  id: string;
  type: PrivacyRequestType;
  subject: { profileId: string | null; identifiers: string[] };
  reason?: string;
  requestedBy?: string;
  createdAt: string;
}

/** A change of a request's progress. */
export interface PrivacyProgress {
  status: PrivacyStatus;
  at: string;
  error?: string;
  outcome?: PrivacyOutcome;
  /** Replaces the subject's identifier list (a completed delete keeps none in clear). */
  identifiers?: string[];
}

/** What a delete removed. */
export interface DeletedPerson {
  /** Profile rows removed (the live one and every one merged into it). */
  profiles: number;
  /** Their ids: the privacy service then forgets their computed traits and audience memberships (person-rows.ts). */
  profileIds: string[];
  events: number;
  identifiers: number;
}

/** The privacy operations of a store. */
export interface PrivacyStore {
  createRequest(request: NewPrivacyRequest): Promise<void>;
  updateRequest(id: string, progress: PrivacyProgress): Promise<void>;
  findRequest(id: string): Promise<PrivacyRequest | undefined>;
  /** Newest first. */
  listRequests(query: { limit: number; cursor?: string }): Promise<Page<PrivacyRequest>>;

  /** Adds keys (a key already there with the same kind keeps its first request). */
  addKeys(keys: PrivacyKey[], at: string): Promise<void>;
  /**
   * Lifts the suppressions holding any of these keys: every `suppress` key of the same requests goes.
   * Tombstones stay. Returns the keys removed.
   */
  removeSuppressions(keys: string[]): Promise<string[]>;
  /** Every key, for the edge list (few: one per identifier of each deleted or suppressed person). */
  listKeys(): Promise<PrivacyKey[]>;

  /**
   * Deletes a whole person in one transaction: writes `tombstones` (kind `tombstone`), then removes the live
   * profile `profileId` (following merges) and every profile merged into it with their identifiers, traits,
   * trait history, consent, refusals (its own, and those of its identifiers on other profiles), timeline
   * entries, events, merge ledger entries, do-not-link rules,
   * device pairs, single-identifier tombstones (keyed digests) and warnings. `undefined` when no profile has this id
   * (the keys are written all the same).
   */
  deletePerson(profileId: string | null, tombstones: PrivacyKey[], at: string): Promise<DeletedPerson | undefined>;
  /** Warnings about these profiles (the export). */
  listProfileWarnings(profileIds: string[]): Promise<Warning[]>;
  /** Every profile id folded into this live one, itself included. */
  profileFamily(profileId: string): Promise<string[]>;

  /** Adds to the count of events dropped by privacy keys (`GET /v1/stats` `suppressedEvents`). */
  countSuppressed(n: number): Promise<void>;
  suppressedEvents(): Promise<number>;
  /**
   * Leaves no copy of removed rows in the database files where the store can help it (SQLite: the file is
   * rebuilt and its WAL truncated). `false` when that could not be finished (a reader held old WAL frames).
   */
  scrub(): Promise<boolean>;
}

/** A stored request as the API shows it. */
export function toPrivacyRequest(row: Row): PrivacyRequest {
  const status = row.status as PrivacyStatus;
  // SQLite keeps JSON as text; PostgreSQL's json columns arrive parsed.
  const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
  const outcome = row.outcome === null || row.outcome === undefined ? undefined : (json(row.outcome) as PrivacyRequest['store']['outcome']);
  const at = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));
  return {
    id: row.id as string,
    type: row.type as PrivacyRequest['type'],
    status,
    subject: { profileId: (row.profile_id as string | null) ?? null, identifiers: json(row.identifiers) as string[] },
    ...(row.reason ? { reason: row.reason as string } : {}),
    ...(row.requested_by ? { requestedBy: row.requested_by as string } : {}),
    createdAt: at(row.created_at),
    updatedAt: at(row.updated_at),
    ...(row.completed_at ? { completedAt: at(row.completed_at) } : {}),
    store: { status, ...(row.error ? { error: row.error as string } : {}), ...(outcome ? { outcome } : {}) },
    destinations: [],
  };
}

/** Statuses after which a request is done. */
export const FINAL_STATUSES: ReadonlySet<PrivacyStatus> = new Set(['completed', 'partial', 'failed']);

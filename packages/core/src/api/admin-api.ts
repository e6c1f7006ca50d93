/** Response shapes of the admin API's sources, warnings and overview routes. Type-only. */
import type { Identifier } from '../identity/identity-types.ts';

/** A source of events (one per channel or SDK install), authenticated by its write key. */
export interface Source {
  id: string;
  name: string;
  createdAt: string;
  revokedAt?: string;
}

/**
 * An ingestion warning (rejected item, refused identifier, cap reached…). Repeats of one subject (kind,
 * code, field, source, profile, message) are one record: `count` times, first at `createdAt`, last at
 * `lastSeenAt`; `messageId` is the first example's.
 */
export interface Warning {
  id: string;
  kind: string;
  code?: string;
  field?: string;
  message: string;
  sourceId?: string;
  messageId?: string;
  profileId?: string;
  createdAt: string;
  count: number;
  lastSeenAt: string;
}

/** `GET /v1/warnings?subjects=1`: a warning with what it is about (the person's name, the refused identifier). */
export interface WarningWithSubject extends Warning {
  subject?: { profileName?: string; identifier?: Identifier };
}

/**
 * Totals kept by the store (counters written in the same transaction as the rows they count, never a
 * COUNT(*)): events, live profiles, identifiers, merge ledger entries and warning occurrences.
 */
export interface Stats {
  events: number;
  profiles: number;
  externalIds: number;
  merges: number;
  warnings: number;
  /** Events dropped at the edge because one of their identifiers belongs to a deleted or suppressed person (docs/privacy.md). */
  suppressedEvents?: number;
}

/** Events of one source in one time bucket. */
export interface VolumeBucket {
  sourceId: string;
  /** Bucket start, ISO time. */
  bucket: string;
  events: number;
}

/** A source with its ingestion totals. */
export interface SourceOverview extends Source {
  events: number;
  lastEventAt: string | null;
}

/** `GET /v1/overview`. */
export interface Overview {
  stats: Stats;
  /** Events per source per minute over the last hour (empty minutes are absent). */
  volume: { since: string; bucketMinutes: number; buckets: VolumeBucket[] };
  sources: SourceOverview[];
}

/** `GET /v1/sources`, `GET /v1/rules/do-not-link` and other unpaged lists: every item at once. */
export interface DataList<T> {
  data: T[];
}

/** `POST /v1/sources`: the new source and its write key (shown this once; only its hash is kept). */
export interface SourceCreated {
  source: Source;
  writeKey: string;
}

/** `DELETE /v1/sources/{name}`: the source as revoked. */
export interface SourceRevoked {
  source: Source;
}

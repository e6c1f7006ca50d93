/**
 * The one storage interface. SQLite (embedded) and PostgreSQL (scale-out) implement it and pass the same
 * conformance suite (`storage-conformance.ts`). The identity core decides; a store applies a plan, inside
 * a callback-scoped transaction: commit when the callback resolves, roll back when it throws.
 */
import type { Identifier, IdentitySnapshot, ResolutionPlan, TrackingEvent } from '@kin/core';
import type { MatchingStore, MatchLink } from './matching-store.ts';

/** A source of events (one per channel or SDK install), authenticated by its write key. */
export interface SourceRecord {
  id: string;
  name: string;
  createdAt: string;
  revokedAt?: string;
}

/** Input to create a source. Only a hash of the write key is stored. */
export interface NewSource {
  name: string;
  writeKeyHash: string;
  createdAt: string;
}

/** An identifier as the profile API shows it. */
export interface ExternalIdView {
  type: string;
  value: string;
  sourceId: string;
  firstSeen: string;
  lastSeen: string;
}

/** One trait with the event time and source of its last change. */
export interface TraitView {
  key: string;
  value: unknown;
  timestamp: string;
  sourceId: string;
}

/** A profile as the profile API returns it. */
export interface ProfileView {
  id: string;
  externalIds: ExternalIdView[];
  traits: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** Every profile id ever folded into this one (directly or through earlier merges). */
  mergedFrom: string[];
}

/** An event as stored: the normalised tracking event plus where it came from and whom it belongs to. */
export interface StoredEvent extends TrackingEvent {
  sourceId: string;
  profileId?: string;
}

/** One entry of the merge ledger. */
export interface MergeRecord {
  id: string;
  survivorId: string;
  absorbedId: string;
  rule: string;
  via: Identifier[];
  messageId: string;
  sourceId: string;
  createdAt: string;
}

/** An ingestion warning (rejected item, refused identifier, cap reached…). */
export interface WarningRecord {
  id: string;
  kind: string;
  code?: string;
  field?: string;
  message: string;
  sourceId?: string;
  messageId?: string;
  profileId?: string;
  createdAt: string;
}

/** A warning to record; the store assigns the id. */
export type NewWarning = Omit<WarningRecord, 'id'>;

/** A page of results, newest first, with an opaque cursor. */
export interface Page<T> {
  data: T[];
  cursor: { next: string | null; hasMore: boolean };
}

/** Filters of the profile timeline. */
export interface EventQuery {
  limit: number;
  cursor?: string;
  type?: string;
  event?: string;
}

/** A profile found by search, with enough to show it in a list. */
export interface ProfileMatch {
  id: string;
  /** What matched: `identifier` (type:value) or `trait` (key). */
  matchedOn: string;
  externalIds: Array<{ type: string; value: string }>;
  traits: Record<string, unknown>;
}

/** Events of one source in one time bucket. */
export interface VolumeBucket {
  sourceId: string;
  /** Bucket start, ISO time. */
  bucket: string;
  events: number;
}

/** Per-source ingestion totals. */
export interface SourceActivity {
  sourceId: string;
  events: number;
  lastEventAt: string | null;
}

/** Counts read from the store. */
export interface StoreStats {
  events: number;
  profiles: number;
  externalIds: number;
  merges: number;
  warnings: number;
}

/** What the store needs to apply one resolved event. */
export interface ApplyInput {
  event: TrackingEvent;
  sourceId: string;
  plan: ResolutionPlan;
}

/** The operations available inside a write transaction. */
export interface StoreTx {
  /**
   * Claims (sourceId, messageId) pairs for de-duplication: `true` where the pair is new (and now claimed),
   * `false` where it was seen within the de-duplication window. Claims commit with the transaction.
   */
  claimMessageIds(sourceId: string, messageIds: string[]): Promise<boolean[]>;
  /** The part of the identity graph the resolver needs for these (normalised) identifiers. */
  loadSnapshot(identifiers: Identifier[]): Promise<IdentitySnapshot>;
  /** Applies the plan (profiles, merges, links, traits, ledger, warnings) and stores the event. */
  applyEvent(input: ApplyInput): Promise<{ profileId: string | undefined }>;
  addWarnings(warnings: NewWarning[]): Promise<void>;
  /** Records the probability and evidence of a matching merge in the same transaction (with `Store.matching`). */
  recordMatchLink?(link: MatchLink): Promise<void>;
}

/** The storage interface every adapter implements. */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema (idempotent). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs `fn` in one write transaction. Why callback-scoped: commit and rollback can never be forgotten,
   * and a crash mid-callback leaves nothing half-applied.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  createSource(source: NewSource): Promise<SourceRecord>;
  listSources(): Promise<SourceRecord[]>;
  /** Revokes the source; returns `undefined` when no active source has that name. */
  revokeSource(name: string, at: string): Promise<SourceRecord | undefined>;
  /** The active (not revoked) source whose write key has this hash. */
  findSourceByKeyHash(writeKeyHash: string): Promise<SourceRecord | undefined>;

  /** Current profile id for an identifier, or `undefined`. */
  findProfileIdByIdentifier(identifier: Identifier): Promise<string | undefined>;
  /** Follows merges: an absorbed profile id answers with its survivor. */
  findProfile(profileId: string): Promise<ProfileView | undefined>;
  listTraits(profileId: string): Promise<TraitView[]>;
  listProfileEvents(profileId: string, query: EventQuery): Promise<Page<StoredEvent>>;
  listProfileMerges(profileId: string): Promise<MergeRecord[]>;
  addWarnings(warnings: NewWarning[]): Promise<void>;
  listWarnings(query: { limit: number; cursor?: string; kind?: string }): Promise<Page<WarningRecord>>;
  stats(): Promise<StoreStats>;
  /**
   * Profiles whose identifier value (of any type, or of `type` when given) equals `value`, or whose trait
   * value equals `value` (strings compare exactly; the caller normalises identifiers first).
   */
  searchProfiles(query: { value: string; type?: string; limit: number }): Promise<ProfileMatch[]>;
  /** Events received since `since`, per source and per bucket of `bucketMinutes`. */
  eventVolume(query: { since: string; bucketMinutes: number }): Promise<VolumeBucket[]>;
  /** Events received per source and the time of the last one. */
  sourceActivity(): Promise<SourceActivity[]>;
  /** Removes de-duplication claims older than this time. Returns how many were removed. */
  pruneMessageIds(olderThan: string): Promise<number>;
  /** Probabilistic matching: review queue and match evidence (optional: see `matching-store.ts`). */
  readonly matching?: MatchingStore;
}

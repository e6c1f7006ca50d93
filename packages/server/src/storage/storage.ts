/**
 * The one storage interface. SQLite (embedded) and PostgreSQL (scale-out) implement it and pass the same
 * conformance suite (`storage-conformance.ts`). The identity core decides; a store applies a plan, inside
 * a callback-scoped transaction: commit when the callback resolves, roll back when it throws.
 */
import type { Identifier, IdentitySnapshot } from '@kin/core';
import type {
  DoNotLinkEntry as DoNotLinkRecord,
  ExternalId as ExternalIdView,
  IdentifierProvenance,
  Merge as MergeRecord,
  Page,
  Profile as ProfileView,
  ProfileExplanation,
  ProfileMatch,
  RefusedIdentifier as RefusalRecord,
  Source as SourceRecord,
  Stats as StoreStats,
  TimelineEvent as StoredEvent,
  Trait as TraitView,
  TraitChange,
  TraitHistory,
  VolumeBucket,
  Warning as WarningRecord,
} from '@kin/core/api/index.ts';
import type { AnalyticsStore } from './analytics-store.ts';
import type { MatchingStore } from './matching-store.ts';
import type { MessagingStore } from './messaging-store.ts';
import type { PrivacyStore } from './privacy-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { TokenStore } from './token-store.ts';
import type { LinksStore } from './links-store.ts';
import type { StoreTx } from './store-tx.ts';
import type { AudienceStore } from './audience-store.ts';

// The shapes the API answers with are the stores' read types: one contract, declared in core's api/.
export type {
  DoNotLinkRecord,
  ExternalIdView,
  IdentifierProvenance,
  MergeRecord,
  Page,
  ProfileExplanation,
  ProfileMatch,
  ProfileView,
  RefusalRecord,
  SourceRecord,
  StoredEvent,
  StoreStats,
  TraitChange,
  TraitHistory,
  TraitView,
  VolumeBucket,
  WarningRecord,
};

// The write transaction's types live in store-tx.ts; imported from here as before.
export type {
  ApplyCommon,
  ApplyInput,
  DetachedProfile,
  LedgerEntry,
  NewEventRow,
  ReplayEvent,
  ReplayedEventRow,
  StoreTx,
} from './store-tx.ts';
export { LAST_SEEN_GRANULARITY_MS } from './store-tx.ts';

/** Input to create a source. Only a hash of the write key is stored. */
export interface NewSource {
  name: string;
  writeKeyHash: string;
  createdAt: string;
}

/** Values kept per trait in its history (the newest by event time). */
export const TRAIT_HISTORY_KEPT = 20;

/** A warning to record; the store assigns the id. `count` (default 1) occurrences, the last at `lastSeenAt` (default `createdAt`). */
export type NewWarning = Omit<WarningRecord, 'id' | 'count' | 'lastSeenAt' | 'subject'> & { count?: number; lastSeenAt?: string };

/** Filters of the profile timeline. */
export interface EventQuery {
  limit: number;
  cursor?: string;
  type?: string;
  event?: string;
  /** Only events of these sources (ids). */
  sourceIds?: string[];
}

/** The trait keys the name search reads (see `profileIdsByName`). */
export const NAME_TRAIT_KEYS = ['firstName', 'lastName', 'name'] as const;

/** Orders of the profile list: by creation time (profile ids are time-ordered UUIDv7). */
export type ProfileOrder = 'newest' | 'oldest';

/** Per-source ingestion totals. */
export interface SourceActivity {
  sourceId: string;
  events: number;
  lastEventAt: string | null;
}

/** The storage interface every adapter implements. */
export interface Store {
  /** Creates or upgrades the schema (idempotent). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs `fn` in one write transaction. Why callback-scoped: commit and rollback can never be forgotten,
   * and a crash mid-callback leaves nothing half-applied.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Like `transaction`, but resolves once the commit is written, with `durable`, which settles once it is on
   * disk. Why: a group-commit loop can start the next transaction while the disk syncs the last one. A store
   * whose commit waits for the disk answers with `durable` already settled; acknowledge nothing before it.
   */
  transactionDeferred<T>(fn: (tx: StoreTx) => Promise<T>): Promise<{ result: T; durable: Promise<void> }>;

  createSource(source: NewSource): Promise<SourceRecord>;
  listSources(): Promise<SourceRecord[]>;
  /** Revokes the source; returns `undefined` when no active source has that name. */
  revokeSource(name: string, at: string): Promise<SourceRecord | undefined>;
  /** The active (not revoked) source whose write key has this hash; with `includeRevoked`, a revoked one too. */
  findSourceByKeyHash(writeKeyHash: string, options?: { includeRevoked?: boolean }): Promise<SourceRecord | undefined>;

  /** Current profile id for an identifier, or `undefined`. */
  findProfileIdByIdentifier(identifier: Identifier): Promise<string | undefined>;
  /** Follows merges: an absorbed profile id answers with its survivor. */
  findProfile(profileId: string): Promise<ProfileView | undefined>;
  listTraits(profileId: string): Promise<TraitView[]>;
  /** Every trait of the live profile (following merges), unset ones included, with its history; by key. */
  listTraitHistory(profileId: string): Promise<TraitHistory[]>;
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
  /**
   * Live profiles with a name trait (`NAME_TRAIT_KEYS`) that starts with `prefix` (already lower-cased), in
   * name order, then those whose full `name` has a later word (after its first space) that starts with it;
   * compared case-insensitively for ASCII letters, up to `limit`. Answered from a partial
   * index on the lower-cased name traits, so the write path pays only when a name trait changes.
   */
  profileIdsByName(query: { prefix: string; limit: number }): Promise<string[]>;
  /** A page of live profile ids in creation order (their number is `stats().profiles`). */
  listProfileIds(query: { order: ProfileOrder; limit: number; offset: number }): Promise<string[]>;
  /**
   * Events received since `since`, per source and per bucket of `bucketMinutes`. `since` should be the start
   * of a minute: the embedded store counts per minute, so it counts the whole minute `since` falls in.
   */
  eventVolume(query: { since: string; bucketMinutes: number }): Promise<VolumeBucket[]>;
  /** Events received per source and the time of the last one. */
  sourceActivity(): Promise<SourceActivity[]>;
  /** Removes de-duplication claims older than this time. Returns how many were removed. */
  pruneMessageIds(olderThan: string): Promise<number>;
  /** Removes warnings last seen before this time (retention). Returns how many records were removed. */
  pruneWarnings(olderThan: string): Promise<number>;

  /** The snapshot the resolver would get now, read outside any transaction (dry-run); writes nothing. */
  readSnapshot(identifiers: Identifier[]): Promise<IdentitySnapshot>;
  /** Provenance of every identifier, the ledger, refusals and rules of a live profile (follows merges). */
  explainProfile(profileId: string): Promise<ProfileExplanation | undefined>;
  findMerge(id: string): Promise<MergeRecord | undefined>;
  listDoNotLink(): Promise<DoNotLinkRecord[]>;
  /** Removes a rule; `false` when there is none with this id. */
  removeDoNotLink(id: string): Promise<boolean>;
  /** The identifier keys (`type:value`) of each live profile, sorted (replay reports compare them). */
  identifierPartition(): Promise<string[][]>;
  /** Probabilistic matching: review queue and match evidence (see `matching-store.ts`). */
  readonly matching: MatchingStore;
  /** Journeys, messaging policy, destinations and the delivery outbox (see `messaging-store.ts`). */
  readonly messaging: MessagingStore;
  /** Funnels, paths and attribution read the events of a time range through this (see `analytics-store.ts`). */
  readonly analytics: AnalyticsStore;
  /** Privacy requests, edge keys and whole-person deletes (see `privacy-store.ts`). */
  readonly privacy: PrivacyStore;
  /** Scoped admin tokens (see `token-store.ts`). */
  readonly tokens: TokenStore;
  /** The hash-chained audit log (see `audit-store.ts`). */
  readonly audit: AuditStore;
  /** Tracked links (see `links-store.ts`). */
  readonly links: LinksStore;
  /** Computed traits and audiences (see `audience-store.ts`). */
  readonly audiences: AudienceStore;
}

/** The reads of profiles, events, warnings and counts that every store answers on its read path. */
export type ProfileReads = Pick<
  Store,
  | 'findProfileIdByIdentifier'
  | 'findProfile'
  | 'listTraits'
  | 'listTraitHistory'
  | 'listProfileEvents'
  | 'listProfileMerges'
  | 'listWarnings'
  | 'stats'
  | 'searchProfiles'
  | 'profileIdsByName'
  | 'listProfileIds'
  | 'eventVolume'
  | 'sourceActivity'
>;

/** The identity graph's reads (snapshots, explanations, rules, the partition). */
export type IdentityReads = Pick<Store, 'readSnapshot' | 'explainProfile' | 'findMerge' | 'listDoNotLink' | 'identifierPartition'>;

/**
 * The one storage interface. SQLite (embedded) and PostgreSQL (scale-out) implement it and pass the same
 * conformance suite (`storage-conformance.ts`). The identity core decides; a store applies a plan, inside
 * a callback-scoped transaction: commit when the callback resolves, roll back when it throws.
 */
import type { EventFacts, Identifier, IdentitySnapshot, PreparedEvent, ResolutionPlan, TrackingEvent } from '@kin/core';
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
import type { MatchingStore, MatchLink } from './matching-store.ts';
import type { MessagingStore } from './messaging-store.ts';
import type { PrivacyStore } from './privacy-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { TokenStore } from './token-store.ts';
import type { LinkClickTx, LinksStore } from './links-store.ts';
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

/** Input to create a source. Only a hash of the write key is stored. */
export interface NewSource {
  name: string;
  writeKeyHash: string;
  createdAt: string;
}

/** Values kept per trait in its history (the newest by event time). */
export const TRAIT_HISTORY_KEPT = 20;

/** A stored event as a replay re-resolves it. */
export interface ReplayEvent {
  seq: number;
  sourceId: string;
  event: TrackingEvent;
  unverified?: { types: string[]; reason: string };
}

/** A profile row removed by a detach or reset, remembered so a replay can give its id back. */
export interface DetachedProfile {
  id: string;
  createdAt: string;
  /** `sourceId\u0000messageId` of the event that created it, when known. */
  createdBy?: string;
}

/** An undo or split ledger entry to record. */
export interface LedgerEntry {
  rule: 'undo' | 'split';
  survivorId: string;
  absorbedId: string;
  via: Identifier[];
  ruleId: string;
  createdAt: string;
}

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

/**
 * What the store needs to apply one resolved event: a new event (stored as `payload`), or a stored one
 * re-resolved (`replay`). Why the payload apart from `event`: the writer reads only the facts resolution
 * needs (the writer thread is handed just those), while the row keeps the whole event as the caller sent it.
 */
export type ApplyInput = ApplyCommon & (NewEventRow | ReplayedEventRow);

/** What both kinds of `ApplyInput` carry. */
export interface ApplyCommon {
  event: EventFacts;
  sourceId: string;
  plan: ResolutionPlan;
  /** Identity verification that failed or was missing for this event (kept for replays and explain). */
  unverified?: { types: string[]; reason: string } | undefined;
}

/** A new event: its row is written with `payload`, the whole event as JSON text. */
export interface NewEventRow {
  payload: string;
  replay?: undefined;
}

/**
 * Re-resolution of a stored event (undo, split, replay): the event row `seq` gets the profile instead
 * of a new row, no warnings are written, and a new profile takes `profileIdForNew` when given.
 */
export interface ReplayedEventRow {
  replay: { seq: number; profileIdForNew?: string };
  payload?: undefined;
}

/** The operations available inside a write transaction. */
/**
 * An identifier's lastSeen is rewritten only when an event is at least this much later than the stored value
 * (or older than firstSeen), in every store. Why an hour: on shop traffic about every other event moved a
 * lastSeen by a minute, each a write at a random place of the identifiers table (measured: a quarter of the
 * WAL per event); the limits' windows are whole days, and an hour is what a profile page shows.
 */
export const LAST_SEEN_GRANULARITY_MS = 3_600_000;

export interface StoreTx {
  /**
   * Claims (sourceId, messageId) pairs for de-duplication: `true` where the pair is new (and now claimed),
   * `false` where it was seen within the de-duplication window. Claims commit with the transaction.
   */
  claimMessageIds(sourceId: string, messageIds: string[]): Promise<boolean[]>;
  /**
   * The part of the identity graph the resolver needs for these (normalised) identifiers. `beforeSeq`
   * (replays): count only device/user pairs recorded by earlier events. `deviceTypes`: the only types
   * whose device/user pairs are looked up (all but user_id when absent).
   */
  loadSnapshot(identifiers: Identifier[], options?: { beforeSeq?: number; deviceTypes?: readonly string[] }): Promise<IdentitySnapshot>;
  /**
   * Batch read-ahead: locks (in one sorted order) and reads the identities of a whole batch's prepared events
   * (their `snapshotKeys`) in one call, so the `loadSnapshot` calls that follow answer from memory. A store
   * whose reads are local (SQLite's graph cache) does nothing here. Why the events and not their keys: such a
   * store then never computes them (an array and a sort per event).
   */
  prefetch(events: readonly PreparedEvent[]): Promise<void>;
  /** The name of a source (ids never change name), or `undefined`; for the policy's `traitSources`. */
  sourceName(sourceId: string): Promise<string | undefined>;
  /** Applies the plan (profiles, merges, links, traits, ledger, warnings) and stores the event. */
  applyEvent(input: ApplyInput): Promise<{ profileId: string | undefined }>;
  addWarnings(warnings: NewWarning[]): Promise<void>;
  /** A ledger entry by id, or `undefined`. */
  findMerge(id: string): Promise<MergeRecord | undefined>;
  /**
   * Detaches a live profile (following merges) for a replay: deletes its identifiers, traits, consent and
   * refusals, unassigns its events and removes its profile rows (and those merged into it). Returns the
   * events to replay in seq order and the removed profiles, or `undefined` when no profile has this id.
   */
  detachProfile(profileId: string): Promise<{ events: ReplayEvent[]; profiles: DetachedProfile[] } | undefined>;
  /** Full replay: empties the graph (keeps events, tombstones, do-not-link rules, undo/split entries). */
  resetGraph(): Promise<DetachedProfile[]>;
  /** Stored events after `afterSeq`, in seq order. */
  listReplayEvents(afterSeq: number, limit: number): Promise<ReplayEvent[]>;
  /** Points removed profile ids at live ones (ids that a replay did not give back). */
  forwardProfiles(pairs: Array<{ from: DetachedProfile; to: string }>, at: string): Promise<void>;
  addDoNotLink(rule: Omit<DoNotLinkRecord, 'id'>): Promise<string>;
  recordLedger(entry: LedgerEntry): Promise<string>;
  /** Marks ledger entries of these profiles (merges they survived) as undone by `ledgerId`. */
  markMergesUndone(profileIds: string[], ledgerId: string): Promise<void>;
  /** Removes an identifier from its profile and refuses it from now on; `false` when the profile does not hold it. */
  tombstone(profileId: string, identifier: Identifier, at: string): Promise<boolean>;
  /**
   * Marks profiles for the computed-trait and audience evaluator, in this transaction: a change of which events
   * a profile has that the event feed does not show as new events of it (replays, matching merges). The marks
   * stay until an evaluator recomputed them, so one started later still sees them (see audience-engine.ts).
   */
  markForRecompute(profileIds: readonly string[]): Promise<void>;
  /** Records the probability and evidence of a matching merge in the same transaction (with `Store.matching`). */
  recordMatchLink(link: MatchLink): Promise<void>;
  /** Tracked-link clicks in the same transaction as their events (with `Store.links`; see links-store.ts). */
  links: LinkClickTx;
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

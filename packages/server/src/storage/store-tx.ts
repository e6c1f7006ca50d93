/**
 * The write transaction of the storage interface (storage.ts `Store.transaction`): what a store needs to apply
 * one resolved event (`ApplyInput`), and the operations a transaction offers (`StoreTx`).
 */
import type { EventFacts, Identifier, IdentitySnapshot, PreparedEvent, ResolutionPlan, TrackingEvent } from '@kin/core';
import type { DoNotLinkEntry as DoNotLinkRecord, Merge as MergeRecord } from '@kin/core/api/index.ts';
import type { MatchLink } from './matching-store.ts';
import type { LinkClickTx } from './links-store.ts';
import type { NewWarning } from './storage.ts';

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

/**
 * An identifier's lastSeen is rewritten only when an event is at least this much later than the stored value
 * (or older than firstSeen), in every store. Why an hour: on shop traffic about every other event moved a
 * lastSeen by a minute, each a write at a random place of the identifiers table (measured: a quarter of the
 * WAL per event); the limits' windows are whole days, and an hour is what a profile page shows.
 */
export const LAST_SEEN_GRANULARITY_MS = 3_600_000;

/** The operations available inside a write transaction. */
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

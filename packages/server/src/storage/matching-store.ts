/**
 * The storage port of probabilistic matching: reading person traits of live profiles, the review queue,
 * and the probability and evidence behind every merge matching made. A store offers it as
 * `store.matching`.
 */
import type { EvaluatorLease } from './audience-store.ts';
import type { Page } from './storage.ts';

/** Evidence of one field for one pair: the level the comparison reached and its weight (log2 Bayes factor). */
export interface FieldEvidenceView {
  field: string;
  level: string;
  weight: number;
}

/** Where a review item stands. */
export type ReviewStatus = 'open' | 'accepted' | 'rejected';

/** A pair of profiles matching was unsure about, waiting for a person's decision. */
export interface ReviewItem {
  id: string;
  runId: string;
  /** Profile ids as they were when the item was queued (they follow merges when read). */
  aProfile: string;
  bProfile: string;
  probability: number;
  /** Why it was not linked: `below-link-threshold`, `merge-not-supported`, `limit` (refused by the identity policy). */
  reason: string;
  evidence: FieldEvidenceView[];
  status: ReviewStatus;
  createdAt: string;
  decidedAt?: string;
}

/** The probability and evidence behind one merge made by matching (`match`) or by a review (`review`). */
export interface MatchLink {
  /** The message id of the ledger entry (`match:<run>:<a>:<b>`). */
  messageId: string;
  runId: string;
  rule: 'match' | 'review';
  survivorId: string;
  absorbedId: string;
  probability: number;
  evidence: FieldEvidenceView[];
  createdAt: string;
}

/** A live profile with the traits matching reads, each with the source that set it. */
export interface TraitProfile {
  id: string;
  traits: Array<{ key: string; value: unknown; sourceId: string }>;
}

/** The matching port of a store. */
export interface MatchingStore {
  /** Live profiles holding at least one of `keys`, ordered by id, after `after`; only those traits. */
  scanProfileTraits(query: { keys: string[]; after?: string; limit: number }): Promise<TraitProfile[]>;
  /** The live profile each id answers with (itself, or the survivor it was merged into); unknown ids are left out. */
  liveProfileIds(ids: string[]): Promise<Record<string, string>>;
  addReviewItems(items: ReviewItem[]): Promise<void>;
  /** Review items, oldest first. */
  listReviewItems(query: { status?: ReviewStatus; limit: number; cursor?: string }): Promise<Page<ReviewItem>>;
  /** Every review item's pair and status (matching skips pairs already queued or decided). */
  listReviewPairs(): Promise<Array<{ aProfile: string; bProfile: string; status: ReviewStatus }>>;
  findReviewItem(id: string): Promise<ReviewItem | undefined>;
  /** Records a decision on an open item; `undefined` when the item is not open (or unknown). */
  decideReviewItem(id: string, status: 'accepted' | 'rejected', at: string): Promise<ReviewItem | undefined>;
  /** Match links of merges whose survivor or absorbed profile is one of these ids. */
  listMatchLinks(profileIds: string[]): Promise<MatchLink[]>;
  /** Review items naming one of these profiles (as queued), with their status. */
  reviewPairsOf(profileIds: string[]): Promise<Array<{ aProfile: string; bProfile: string; status: ReviewStatus }>>;

  // The persistent blocking index of incremental matching (match-keys.ts; kept by the write path).
  /** The stored blocking keys of a profile; `undefined` when it is not indexed (no person attribute). */
  matchKeysOfProfile(profileId: string): Promise<string[] | undefined>;
  /** Profiles sharing one of these keys, newest (largest id) first per key, at most `limit` in all. */
  profilesByMatchKeys(keys: string[], limit: number): Promise<string[]>;
  /**
   * The same profiles with each one's record hash (`matchIndexEntryOf`: changes whenever its compared values
   * do; `null` before the backfill hashed it) and stored normalised record, so the matcher reads the traits
   * only of those it has neither cached nor stored normalised.
   */
  candidatesByMatchKeys(keys: string[], limit: number): Promise<MatchCandidate[]>;
  /** The person traits (`keys`) of these profiles, as `scanProfileTraits` answers them. */
  profileTraits(ids: string[], keys: string[]): Promise<TraitProfile[]>;
  /** Profiles whose keys changed on arrival and that the matcher has not looked at since, oldest change first. */
  pendingMatches(limit: number): Promise<PendingMatch[]>;
  /** Marks these profiles looked at, unless re-keyed since (their seq moved on), and adds `totals` to the stored totals in the same write. */
  settleMatches(done: PendingMatch[], totals?: MatchTotals): Promise<void>;
  /** What incremental matching did since the database was made (every follower, every process), and how many profiles wait. */
  matchTotals(): Promise<MatchTotals & { pending: number }>;
  /** Whether incremental matching is switched on for this database (every writer keeps the index only while it is). */
  incrementalMatching(): Promise<boolean>;
  /**
   * Switches incremental matching on or off for every process writing to this database; answers whether it
   * changed. Both ways the index is emptied; on, every profile with a person trait is marked for the backfill
   * (`backfillMatchIndex`), which keys it from its traits as they are then. Why both ways: off, no writer
   * keeps the index, so what it held goes stale.
   */
  switchIncrementalMatching(on: boolean): Promise<boolean>;
  /** Computes the keys of up to `limit` profiles indexed without keys (the switch's backfill rows); answers how many. */
  backfillMatchIndex(limit: number): Promise<number>;
  /**
   * A new lease of this process: only its holder matches pending profiles, so with several servers or
   * followers on one database no pending profile is matched twice (see match-follower.ts).
   */
  matcherLease(): EvaluatorLease;
}

/** Counts of incremental matching: pending profiles matched, merges made, pairs sent to review, merges refused, profiles skipped. */
export interface MatchTotals {
  matched: number;
  merged: number;
  /** Pairs sent to the review queue. */
  queued: number;
  /** Merges the identity policy refused (sent to review instead). */
  refused: number;
  /** Pending profiles settled without matching (could not be matched; before the switch, migration 40/36, also arrivals while off). */
  skipped: number;
}

/** The outcomes `match_totals` counts, in the order reports list them. */
export const MATCH_OUTCOMES = ['matched', 'merged', 'queued', 'refused', 'skipped'] as const;

/** Totals read from rows of `match_totals` (outcome, count); an outcome without a row is 0. */
export function matchTotalsOf(rows: ReadonlyArray<Record<string, unknown>>): MatchTotals {
  const totals: MatchTotals = { matched: 0, merged: 0, queued: 0, refused: 0, skipped: 0 };
  for (const row of rows)
    if ((MATCH_OUTCOMES as readonly unknown[]).includes(row['outcome'])) totals[row['outcome'] as keyof MatchTotals] = Number(row['count']);
  return totals;
}

/** A profile found through the blocking index, with the hash of its match record. */
export interface MatchCandidate {
  profileId: string;
  recordHash: string | null;
  /**
   * Its normalised record as the write path stored it with that hash (core's `encodeNormalised`); `null`
   * before the backfill reached it. The matcher decodes it instead of reading and normalising the traits.
   */
  normalised: string | null;
}

/** A profile waiting for incremental matching, with the seq of its last re-key. */
export interface PendingMatch {
  profileId: string;
  seq: number;
}

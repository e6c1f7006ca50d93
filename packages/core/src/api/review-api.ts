/** Request and response shapes of the review queue (`/v1/review…`), shared by the server and the dashboard. Type-only. */
import type { Identifier } from '../identity/identity-types.ts';
import type { Page } from './page-api.ts';

/** Evidence of one field for one pair: the comparison level reached and its weight (log2 Bayes factor). */
export interface ReviewFieldEvidence {
  field: string;
  level: string;
  weight: number;
}

/** One side of a pair as it is now (it follows merges), or `missing` when the profile is gone. */
export type ReviewProfileSummary =
  { id: string; traits: Record<string, unknown>; externalIds: Identifier[]; missing?: undefined } | { id: string; missing: true };

/** A pair matching was unsure about, with both profiles as they are now. */
export interface ReviewItemView {
  id: string;
  runId: string;
  aProfile: string;
  bProfile: string;
  probability: number;
  /** Why it was not linked: `below-link-threshold`, `merge-not-supported`, `limit`. */
  reason: string;
  evidence: ReviewFieldEvidence[];
  status: 'open' | 'accepted' | 'rejected';
  createdAt: string;
  decidedAt?: string;
  a: ReviewProfileSummary;
  b: ReviewProfileSummary;
}

/** `GET /v1/review` (oldest first). */
export type ReviewPage = Page<ReviewItemView>;

/** A profile an accept would merge: its id and how many identifiers it holds. */
export interface ReviewEffectSide {
  id: string;
  identifiers: number;
}

/**
 * `GET /v1/review/{id}/effect`: what accepting the item would do, decided by the resolver on a read-only
 * snapshot, so nothing is written: merge `absorbed` into `survivor`, nothing (already one profile),
 * refused by the identity policy (with why), or a profile is gone.
 */
export type ReviewEffect =
  | { kind: 'merge'; survivor: ReviewEffectSide; absorbed: ReviewEffectSide }
  | { kind: 'same'; profileId: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'missing' };

/** `POST /v1/review/bulk` body: one decision for every open item at or above `minProbability`. */
export interface ReviewBulkRequest {
  decision: 'accept' | 'reject';
  /** Inclusive, between 0 and 1. */
  minProbability: number;
  /** Count only: nothing is decided. */
  dryRun?: boolean;
}

/** `POST /v1/review/bulk` answer: how many items matched, how many were decided, and the ones the policy refused. */
export interface ReviewBulkResult {
  dryRun: boolean;
  matched: number;
  decided: number;
  refused: Array<{ id: string; reason: string }>;
}

/** `POST /v1/review/{id}`: the item as decided (without the profile summaries) and, after an accept, the merged profile. */
export interface ReviewDecided {
  item: Omit<ReviewItemView, 'a' | 'b'>;
  profile?: ReviewProfileSummary;
}

/** `POST /v1/match/run` (and `kin match`): what one matching run compared, linked, merged and queued. */
export interface MatchRunSummary {
  runId: string;
  /** Profiles with person traits that were compared. */
  profiles: number;
  candidatePairs: number;
  /** Pairs the engine linked. */
  linkedPairs: number;
  /** Merges applied (ledger entries with rule `match`). */
  merges: number;
  /** Review items added (below the link threshold, or refused by the identity policy). */
  queued: number;
  /** Linked pairs the identity policy refused (queued for review). */
  refused: number;
  /** Pairs skipped because a reviewer rejected them. */
  skippedRejected: number;
  /** Links that joined two clusters by their accumulated evidence (entity-centric pass). */
  entityLinks: number;
  seconds: number;
  /** With `explainModel`: the model report, as printed lines. */
  model?: string[];
}

/** What incremental matching did, by outcome (the store's totals: every follower, over restarts). */
export interface MatchFollowerTotals {
  /** Pending profiles matched. */
  matched: number;
  /** Merges made. */
  merged: number;
  /** Pairs sent to the review queue. */
  queued: number;
  /** Merges the identity policy refused (sent to review instead). */
  refused: number;
  /** Pending profiles settled without matching (could not be matched, or arrived while matching was off under an earlier version). */
  skipped: number;
}

/** `GET /v1/match/status` (and `kin match status`): whether incremental matching is on, what waits, and what it did. */
export interface MatchStatus {
  incremental: boolean;
  linkThreshold: number;
  reviewThreshold: number;
  minFields: number;
  /** Profiles waiting to be matched. */
  pending: number;
  totals: MatchFollowerTotals;
}

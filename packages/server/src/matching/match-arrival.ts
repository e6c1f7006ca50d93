/**
 * Incremental matching of one arriving profile (a record just imported, or an identify with person
 * traits): its stored blocking keys (match-keys.ts) find the stored profiles sharing one, at most
 * `MAX_CANDIDATES`, newest first (their normalised records from the follower's cache while their hash
 * holds, match-candidate-cache.ts); core's `scoreNormalised` scores it against them with the learnt model;
 * links merge through the resolver (`previewThenMerge`: one `decideAndApply`, so policy limits,
 * do-not-link rules and the ledger apply, rule `match`, with the probability and evidence in
 * `match_links`); pairs between the thresholds, and links the policy refuses, go to the review queue.
 * A pair already queued or decided is never queued again, and a rejected pair is never merged.
 */
import type { IdentityPolicy, IncrementalMatchPolicy } from '@kin/core';
import { scoreNormalised, type FellegiSunterParameters, type IncrementalMatch, type MatchRecord } from '@kin/core/matching/index.ts';
import type { ReviewItem } from '../storage/matching-store.ts';
import type { Store } from '../storage/storage.ts';
import { candidateRecords, type CandidateCache } from './match-candidate-cache.ts';
import { previewThenMerge } from './match-merge.ts';
import { MATCH_NORMALISER, MATCH_ROLES, MATCH_TRAIT_KEYS, profileToRecord, recordHashOf } from './match-profiles.ts';
import type { IdGenerator } from '../ports/ids.ts';

/** Stored profiles compared per arriving one (as the in-memory incremental matcher). */
export const MAX_CANDIDATES = 200;

/** The run id of incremental matching on ledger entries, match links and review items. */
export const INCREMENTAL_RUN = 'incremental';

/** Person fields of a match record: the columns that count towards `minFields`, grouped by field. */
const FIELD_OF: Readonly<Record<string, string>> = {
  first_name: 'name',
  middle_name: 'name',
  last_name: 'name',
  date_of_birth: 'dob',
  birth_year: 'dob',
  birth_month: 'dob',
  birth_day: 'dob',
  address: 'address',
  address_1: 'address',
  address_2: 'address',
  street_number: 'address',
  city: 'address',
  state: 'address',
  postcode: 'address',
  country: 'address',
  phone: 'phone',
  email: 'email',
  company: 'company',
};

/** How many person fields (name, date of birth, address, phone, email, company) a record holds. */
export function personFields(record: MatchRecord): number {
  return new Set(Object.keys(record.values).flatMap((c) => (FIELD_OF[c] !== undefined && record.values[c] !== '' ? [FIELD_OF[c]] : [])))
    .size;
}

/** What matching one arrival did. */
export interface ArrivalOutcome {
  /** Why nothing was compared, when nothing was. */
  skipped?: 'not-indexed' | 'too-few-fields';
  compared: number;
  /** The live profile ids merges ended in (for the audience evaluator). */
  merged: string[];
  /** Review items to add (the caller adds a turn's items in one write). */
  items: ReviewItem[];
  refused: number;
  /** Why the policy refused, for the first refusal (diagnostics). */
  refusal?: string;
}

/** What matching an arrival needs. */
export interface ArrivalDeps {
  store: Store;
  policy: IdentityPolicy;
  settings: IncrementalMatchPolicy;
  parameters: FellegiSunterParameters;
  /** The `kin.match` source id (ledger entries of matching). */
  sourceId: string;
  /** Source id → name, for match records. */
  sourceName: (id: string) => string;
  at: string;
  /** Pairs (`a|b`, sorted live ids) queued earlier in this turn and not yet stored. */
  queuedThisTurn: Set<string>;
  /** Candidate records kept across arrivals (the follower's). */
  cache: CandidateCache;
  /** Names review items. */
  ids: IdGenerator;
}

/** What scoring an arrival found, or why nothing was compared. */
export type ArrivalScore = { skipped: NonNullable<ArrivalOutcome['skipped']> } | { skipped?: undefined; scored: IncrementalMatch };

/** Scores one arriving profile against its candidates (reads only: the first half of `matchArrival`). */
export async function scoreArrival(
  deps: Pick<ArrivalDeps, 'store' | 'settings' | 'parameters' | 'sourceName' | 'cache'>,
  profileId: string,
): Promise<ArrivalScore> {
  const matching = deps.store.matching;
  const keys = await matching.matchKeysOfProfile(profileId);
  if (keys === undefined) return { skipped: 'not-indexed' };
  const [own] = await matching.profileTraits([profileId], [...MATCH_TRAIT_KEYS]);
  const record = own && profileToRecord(own, deps.sourceName);
  if (!record || personFields(record) < deps.settings.minFields) return { skipped: 'too-few-fields' };
  const found = (await matching.candidatesByMatchKeys(keys, MAX_CANDIDATES + 1))
    .filter((c) => c.profileId !== profileId)
    .slice(0, MAX_CANDIDATES);
  const candidates = await candidateRecords(matching, deps.cache, found);
  const normalised = MATCH_NORMALISER.normalise({ key: profileId, values: record.values });
  // An arrival is a candidate of the arrivals after it (an import's later rows): kept under the hash of what was read.
  deps.cache.set(profileId, recordHashOf(record), normalised);
  const scored = scoreNormalised(normalised, candidates, {
    roles: MATCH_ROLES,
    parameters: deps.parameters,
    linkThreshold: deps.settings.linkThreshold,
    reviewThreshold: deps.settings.reviewThreshold,
  });
  return { scored };
}

/** Matches one arriving profile (see the file comment); `seq` makes its ledger message ids unique. */
export async function matchArrival(deps: ArrivalDeps, profileId: string, seq: number): Promise<ArrivalOutcome> {
  const matching = deps.store.matching;
  const outcome: ArrivalOutcome = { compared: 0, merged: [], items: [], refused: 0 };
  const score = await scoreArrival(deps, profileId);
  if (score.skipped !== undefined) return { ...outcome, skipped: score.skipped };
  const scored = score.scored;
  outcome.compared = scored.compared;
  if (scored.links.length + scored.reviews.length === 0) return outcome;

  // Pairs already queued or decided (by the profiles they named, followed through merges).
  const named = [profileId, ...scored.links.map((l) => l.key), ...scored.reviews.map((r) => r.key)];
  const reviewed = await matching.reviewPairsOf(named);
  const live = await matching.liveProfileIds([...named, ...reviewed.flatMap((r) => [r.aProfile, r.bProfile])]);
  const liveOf = (id: string): string => live[id] ?? id;
  const pair = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);
  const known = new Set([...reviewed.map((r) => pair(liveOf(r.aProfile), liveOf(r.bProfile))), ...deps.queuedThisTurn]);
  const rejected = new Set(reviewed.filter((r) => r.status === 'rejected').map((r) => pair(liveOf(r.aProfile), liveOf(r.bProfile))));
  let self = liveOf(profileId);
  const items = outcome.items;
  const queue = (other: string, probability: number, reason: string, evidence: ReviewItem['evidence']): void => {
    const key = pair(self, other);
    if (known.has(key) || self === other) return;
    known.add(key);
    deps.queuedThisTurn.add(key);
    items.push({
      id: deps.ids.rowId(),
      runId: INCREMENTAL_RUN,
      aProfile: other,
      bProfile: self,
      probability,
      reason,
      evidence,
      status: 'open',
      createdAt: deps.at,
    });
  };

  for (const link of scored.links) {
    const other = liveOf(link.key);
    if (other === self || rejected.has(pair(self, other))) continue;
    const input = {
      store: deps.store,
      policy: deps.policy,
      sourceId: deps.sourceId,
      a: other,
      b: self,
      rule: 'match' as const,
      runId: INCREMENTAL_RUN,
      messageId: `match:${INCREMENTAL_RUN}:${seq}:${other}:${self}`,
      probability: link.probability,
      evidence: link.evidence,
      at: deps.at,
      // The follower's settle of this arrival is durable, and comes after: see MatchMergeInput.
      deferDurability: true,
    };
    // Decided first over a read-only snapshot: a merge the policy refuses costs no write transaction.
    const result = await previewThenMerge(input);
    if (result.kind === 'merged') {
      // Later links compare with the survivor; the absorbed side answers with it from now on.
      live[result.absorbedId] = result.survivorId;
      live[other] = result.survivorId;
      self = result.survivorId;
      outcome.merged.push(result.survivorId);
    } else if (result.kind === 'refused') {
      outcome.refused++;
      outcome.refusal ??= result.reason;
      queue(other, link.probability, 'limit', [...link.evidence]);
    }
  }
  for (const review of scored.reviews) {
    const other = liveOf(review.key);
    if (rejected.has(pair(self, other))) continue;
    queue(other, review.probability, 'below-link-threshold', [...review.evidence]);
  }
  return outcome;
}

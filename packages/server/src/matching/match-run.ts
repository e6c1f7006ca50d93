/**
 * `kin match run` / `POST /v1/match/run`: probabilistic matching of live profiles into the identity graph.
 *
 * 1. Live profiles with person traits become match records (key = profile id, source = the source that
 *    set most of their traits) and go through `matchRecords` (dedupe mode).
 * 2. Linked pairs (at or above the link threshold, inside one supported cluster), strongest first, are
 *    merged through the resolver (`mergeMatchedProfiles`): a ledger entry with rule `match`. A pair the
 *    policy refuses (limits, do-not-link) goes to the review queue instead.
 * 3. Pairs between the thresholds go to the review queue with their per-field evidence.
 * A pair rejected in review is never merged or queued again — neither directly nor through a cluster
 * that would join the two profiles.
 */
import type { IdentityPolicy } from '@kin/core';
import type { MatchRunSummary } from '@kin/core/api/index.ts';
import { matchRecords, type FieldEvidence, type MatchResult } from '@kin/core/matching/index.ts';
import { ensureImportSource } from '../import/import-source.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { Clock } from '../ports/clock.ts';
import type { ReviewItem } from '../storage/matching-store.ts';
import type { Store } from '../storage/storage.ts';
import { mergeMatchedProfiles } from './match-merge.ts';
import { formatModelReport } from './match-model-report.ts';
import { MATCH_ROLES, loadMatchRecords, profileIdOfKey } from './match-profiles.ts';

/** The source recorded on ledger entries made by matching and review. */
export const MATCH_SOURCE = 'kin.match';

/** Options of {@link runMatch}. */
export interface MatchRunOptions {
  store: Store;
  policy: IdentityPolicy;
  clock: Clock;
  /** Names the run and its review items. */
  ids: IdGenerator;
  linkThreshold?: number;
  reviewThreshold?: number;
  /** Only pairs with at least one profile from this source (by name) are linked or queued. */
  source?: string;
  runId?: string;
  /** Add the model report (m, u, Bayes factors, prior or data; why nothing was linked) to the summary. */
  explainModel?: boolean;
}

/** Unordered pair key. */
function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Runs matching and applies its decisions. */
export async function runMatch(options: MatchRunOptions): Promise<MatchRunSummary> {
  const started = performance.now();
  const matching = options.store.matching;
  const runId = options.runId ?? options.ids.rowId();
  const at = options.clock.now().toISOString();
  const sources = await options.store.listSources();
  const nameOf = new Map(sources.map((s) => [s.id, s.name]));
  const records = await loadMatchRecords(matching, (id) => nameOf.get(id) ?? id);
  const summary: MatchRunSummary = {
    runId,
    profiles: records.length,
    candidatePairs: 0,
    linkedPairs: 0,
    merges: 0,
    queued: 0,
    refused: 0,
    skippedRejected: 0,
    entityLinks: 0,
    seconds: 0,
  };
  if (records.length < 2)
    return {
      ...summary,
      seconds: (performance.now() - started) / 1000,
      ...(options.explainModel === true ? { model: ['nothing linked    fewer than two profiles with person traits'] } : {}),
    };
  const sourceOf = new Map(records.map((r) => [r.key, r.source ?? '']));
  const pid = profileIdOfKey;
  const result: MatchResult = matchRecords({
    records,
    roles: MATCH_ROLES,
    mode: 'dedupe',
    ...(options.linkThreshold !== undefined ? { linkThreshold: options.linkThreshold } : {}),
    ...(options.reviewThreshold !== undefined ? { reviewThreshold: options.reviewThreshold } : {}),
  });
  summary.candidatePairs = result.blocking.candidatePairs;
  summary.entityLinks = result.entityLinks;
  if (options.explainModel === true) summary.model = formatModelReport(result, records.length);
  const inScope = (a: string, b: string): boolean =>
    options.source === undefined || sourceOf.get(a) === options.source || sourceOf.get(b) === options.source;

  // Profiles follow merges: those made by this run (local) and earlier ones (the store).
  const survivorOf = new Map<string, string>();
  const find = (id: string): string => {
    let at = id;
    for (let next = survivorOf.get(at); next !== undefined && next !== at; next = survivorOf.get(at)) at = next;
    return at;
  };
  const reviewed = await matching.listReviewPairs();
  const live = await matching.liveProfileIds(reviewed.flatMap((r) => [r.aProfile, r.bProfile]));
  for (const [id, survivor] of Object.entries(live)) if (id !== survivor) survivorOf.set(id, survivor);
  const rejected = reviewed.filter((r) => r.status === 'rejected');
  // Pairs queued or decided, by their profiles at the time; compared through `find` when used, because
  // this run's merges may since have joined one side to another profile.
  const known: (readonly [string, string])[] = reviewed.map((r) => [r.aProfile, r.bProfile] as const);
  const isKnown = (a: string, b: string): boolean => known.some(([x, y]) => pairKey(find(x), find(y)) === pairKey(a, b));
  const isRejected = (a: string, b: string): boolean =>
    rejected.some((r) => {
      const x = find(r.aProfile);
      const y = find(r.bProfile);
      return (x === a && y === b) || (x === b && y === a);
    });

  const items: ReviewItem[] = [];
  const queue = (a: string, b: string, probability: number, reason: string, evidence: readonly FieldEvidence[]): void => {
    if (isKnown(a, b)) return;
    known.push([a, b]);
    items.push({
      id: options.ids.rowId(),
      runId,
      aProfile: a,
      bProfile: b,
      probability,
      reason,
      evidence: [...evidence],
      status: 'open',
      createdAt: at,
    });
  };

  const source = await ensureImportSource(options.store, MATCH_SOURCE, options.clock.now());
  for (const link of result.links) {
    if (!inScope(link.a, link.b)) continue;
    summary.linkedPairs++;
    const a = find(pid(link.a));
    const b = find(pid(link.b));
    if (a === b) continue;
    if (isRejected(a, b)) {
      summary.skippedRejected++;
      continue;
    }
    const evidence = result.explain(link.a, link.b)?.evidence ?? [];
    const outcome = await mergeMatchedProfiles({
      store: options.store,
      policy: options.policy,
      sourceId: source.id,
      a,
      b,
      rule: 'match',
      runId,
      messageId: `match:${runId}:${pid(link.a)}:${pid(link.b)}`,
      probability: link.probability,
      evidence,
      at,
    });
    if (outcome.kind === 'merged') {
      summary.merges++;
      survivorOf.set(outcome.absorbedId, outcome.survivorId);
      if (a !== outcome.survivorId && a !== outcome.absorbedId) survivorOf.set(a, outcome.survivorId);
      if (b !== outcome.survivorId && b !== outcome.absorbedId) survivorOf.set(b, outcome.survivorId);
    } else if (outcome.kind === 'same') {
      if (a !== outcome.profileId) survivorOf.set(a, outcome.profileId);
      if (b !== outcome.profileId) survivorOf.set(b, outcome.profileId);
    } else if (outcome.kind === 'refused') {
      summary.refused++;
      queue(a, b, link.probability, 'limit', evidence);
    }
  }
  for (const pair of result.reviews) {
    if (!inScope(pair.a, pair.b)) continue;
    const a = find(pid(pair.a));
    const b = find(pid(pair.b));
    if (a === b) continue;
    if (isRejected(a, b)) {
      summary.skippedRejected++;
      continue;
    }
    queue(a, b, pair.probability, pair.reason, pair.evidence);
  }
  // Later merges of this run may have joined an item's side to another profile: items name the
  // profiles as they are now, and one that has become a duplicate (or a single profile) is dropped.
  const settled: ReviewItem[] = [];
  const seen = new Set(reviewed.map((r) => pairKey(find(r.aProfile), find(r.bProfile))));
  for (const item of items) {
    const a = find(item.aProfile);
    const b = find(item.bProfile);
    if (a === b || seen.has(pairKey(a, b))) continue;
    seen.add(pairKey(a, b));
    settled.push({ ...item, aProfile: a, bProfile: b });
  }
  if (settled.length > 0) await matching.addReviewItems(settled);
  summary.queued = settled.length;
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

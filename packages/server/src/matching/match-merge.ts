/**
 * Merging two profiles on the strength of a match (or a reviewer's decision) as a normal ledger entry.
 *
 * Why through the resolver: the merge must obey the same policy as event-driven merges. We hand the
 * resolver a synthetic `identify` event carrying one identifier of each profile (no new identifiers);
 * it checks the type limits (two profiles with different user ids never merge under `user_id` limit 1)
 * and any do-not-link rule in the snapshot. If its plan does not merge the two, nothing is written and
 * the caller queues the pair for review instead. Otherwise the store applies the plan in one
 * transaction: ledger entry (rule `match` or `review`, message id `match:<run>:<a>:<b>`), the event in
 * the survivor's timeline, and the probability and evidence in `match_links`.
 */
import { sortIdentifiers } from '@kin/core';
import type { Identifier, IdentityPolicy, PlannedMerge, ResolutionPlan, TrackingEvent } from '@kin/core';
import type { FieldEvidenceView } from '../storage/matching-store.ts';
import type { Store, StoreTx } from '../storage/storage.ts';
import type { Decision } from '../pipeline/decide-apply.ts';
import { decide, decideAndApply } from '../pipeline/decide-apply.ts';

/** What one merge attempt needs. */
export interface MatchMergeInput {
  store: Store;
  policy: IdentityPolicy;
  /** Source recorded on the ledger entry (`kin.match`). */
  sourceId: string;
  a: string;
  b: string;
  rule: 'match' | 'review';
  runId: string;
  messageId: string;
  probability: number;
  evidence: readonly FieldEvidenceView[];
  at: string;
  /**
   * Answer once committed, without waiting for the disk (`transactionDeferred`). For a caller that makes
   * a later write durable before it counts the merge as done (incremental matching settles its arrivals
   * with a durable write, and an fsync covers every earlier commit): one fsync per turn, not per merge.
   */
  deferDurability?: boolean;
}

/** The outcome: merged, already one profile, refused by the policy (with why), or a profile is gone. */
export type MatchMergeOutcome =
  | { kind: 'merged'; survivorId: string; absorbedId: string }
  | { kind: 'same'; profileId: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'missing' };

/** One identifier of the profile (the first in type, value order): enough to designate it to the resolver. */
async function designator(store: Store, profileId: string): Promise<{ id: string; identifier: Identifier } | undefined> {
  const profile = await store.findProfile(profileId);
  const first = profile?.externalIds
    .map(({ type, value }) => ({ type, value }))
    .sort((x, y) => (x.type + '\u0000' + x.value < y.type + '\u0000' + y.value ? -1 : 1))[0];
  return profile && first ? { id: profile.id, identifier: first } : undefined;
}

/** One identifier of each profile, or why there is nothing to merge. */
type Designated = { a: Identifier; b: Identifier } | { outcome: MatchMergeOutcome };

async function designate(input: Pick<MatchMergeInput, 'store' | 'a' | 'b'>): Promise<Designated> {
  const [da, db] = await Promise.all([designator(input.store, input.a), designator(input.store, input.b)]);
  if (!da || !db) return { outcome: { kind: 'missing' } };
  if (da.id === db.id) return { outcome: { kind: 'same', profileId: da.id } };
  return { a: da.identifier, b: db.identifier };
}

/** Merges profiles `a` and `b` if the identity policy allows it. */
export async function mergeMatchedProfiles(input: MatchMergeInput): Promise<MatchMergeOutcome> {
  const designated = await designate(input);
  return 'outcome' in designated ? designated.outcome : mergeDesignated(input, designated);
}

/**
 * Decided first over a read-only snapshot, merged only when that decision merges (a merge the policy refuses
 * costs no write transaction; the transaction decides again, over what it holds, before it writes). The two
 * profiles are designated once for both steps (reading each profile twice was a sixth of incremental matching's
 * merge work).
 */
export async function previewThenMerge(input: MatchMergeInput): Promise<MatchMergeOutcome> {
  const designated = await designate(input);
  if ('outcome' in designated) return designated.outcome;
  const preview = await previewDesignated(input, designated);
  return preview.kind === 'merged' ? mergeDesignated(input, designated) : preview;
}

async function mergeDesignated(input: MatchMergeInput, { a, b }: { a: Identifier; b: Identifier }): Promise<MatchMergeOutcome> {
  const write = async (tx: StoreTx): Promise<MatchMergeOutcome> => {
    const { event, identifiers } = mergeEvent(input, a, b);
    let judged: Judgement = { outcome: { kind: 'missing' } };
    await decideAndApply(
      tx,
      { event, identifiers, refused: [] },
      { event, sourceId: input.sourceId, payload: JSON.stringify(event) },
      input.policy,
      {},
      (decision) => {
        judged = judge(decision, a, b, input.rule);
        return judged.plan;
      },
    );
    const { outcome } = judged;
    if (outcome.kind !== 'merged') return outcome;
    await tx.recordMatchLink({
      messageId: input.messageId,
      runId: input.runId,
      rule: input.rule,
      survivorId: outcome.survivorId,
      absorbedId: outcome.absorbedId,
      probability: input.probability,
      evidence: [...input.evidence],
      createdAt: input.at,
    });
    return outcome;
  };
  return input.deferDurability === true ? (await input.store.transactionDeferred(write)).result : input.store.transaction(write);
}

/**
 * What merging `a` and `b` would do, decided by the resolver over a read-only snapshot (nothing is written):
 * the review page shows it before a reviewer accepts.
 */
export async function previewMatchedMerge(
  input: Pick<MatchMergeInput, 'store' | 'policy' | 'a' | 'b' | 'rule' | 'runId' | 'messageId' | 'probability' | 'at'>,
): Promise<MatchMergeOutcome> {
  const designated = await designate(input);
  return 'outcome' in designated ? designated.outcome : previewDesignated(input, designated);
}

async function previewDesignated(
  input: Pick<MatchMergeInput, 'store' | 'policy' | 'rule' | 'runId' | 'messageId' | 'probability' | 'at'>,
  { a, b }: { a: Identifier; b: Identifier },
): Promise<MatchMergeOutcome> {
  const { event, identifiers } = mergeEvent(input, a, b);
  const decision = await decide(
    { loadSnapshot: (keys) => input.store.readSnapshot(keys) },
    { event, identifiers, refused: [] },
    input.policy,
  );
  return judge(decision, a, b, input.rule).outcome;
}

/** The synthetic `identify` event that designates both profiles to the resolver (one identifier of each). */
function mergeEvent(
  input: Pick<MatchMergeInput, 'policy' | 'rule' | 'runId' | 'messageId' | 'probability' | 'at'>,
  a: Identifier,
  b: Identifier,
): { event: TrackingEvent; identifiers: Identifier[] } {
  const identifiers = sortIdentifiers(input.policy, [a, b]);
  const event: TrackingEvent = {
    type: 'identify',
    messageId: input.messageId,
    context: {
      externalIds: identifiers.map((i) => ({ id: i.value, type: i.type })),
      match: { runId: input.runId, rule: input.rule, probability: input.probability },
    },
    timestamp: input.at,
    receivedAt: input.at,
  };
  return { event, identifiers };
}

/** What the resolver's decision means for a match merge, and the plan to write when it merges. */
interface Judgement {
  outcome: MatchMergeOutcome;
  plan?: ResolutionPlan;
}

/** Merges only when the plan merges the owners of `a` and `b`; the plan written then holds that merge alone. */
function judge({ snapshot, plan }: Decision, a: Identifier, b: Identifier, rule: MatchMergeInput['rule']): Judgement {
  const owner = (id: Identifier): string | undefined => snapshot.known.find((k) => k.type === id.type && k.value === id.value)?.profileId;
  const pa = owner(a);
  const pb = owner(b);
  if (pa === undefined || pb === undefined) return { outcome: { kind: 'missing' } };
  if (pa === pb) return { outcome: { kind: 'same', profileId: pa } };
  const merge = plan.merges.find((m) => (m.survivorId === pa && m.absorbedId === pb) || (m.survivorId === pb && m.absorbedId === pa));
  if (plan.target.kind !== 'existing' || merge === undefined) {
    const why = plan.refused.map((r) => `${r.reason}: ${r.detail}`).join('; ');
    return { outcome: { kind: 'refused', reason: why === '' ? 'the identity policy does not merge these profiles' : why } };
  }
  // Only the merge: no identifier is linked or touched (lastSeen means "seen on an event"), no trait set.
  const merges: PlannedMerge[] = [{ ...merge, rule: rule as PlannedMerge['rule'], via: [] }];
  return {
    outcome: { kind: 'merged', survivorId: merge.survivorId, absorbedId: merge.absorbedId },
    plan: { ...plan, merges, links: [], touches: [], traits: { set: {}, unset: [] }, warnings: [] },
  };
}

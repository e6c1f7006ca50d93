/**
 * A reviewer's decision on a queued pair. `accept` merges the two profiles (ledger rule `review`, through
 * the resolver like every merge); `reject` adds a do-not-link rule (reason `review`) between the two
 * profiles' identifier sets, so no event can join them either, and records the rejection, so matching
 * never proposes that pair again — directly or through a cluster (see `runMatch`).
 */
import type { Identifier, IdentityPolicy } from '@kin/core';
import { ensureImportSource } from '../import/import-source.ts';
import type { Clock } from '../ports/clock.ts';
import type { ReviewItem } from '../storage/matching-store.ts';
import type { Store } from '../storage/storage.ts';
import { mergeMatchedProfiles } from './match-merge.ts';
import { MATCH_SOURCE } from './match-run.ts';

/** A decision. */
export type ReviewDecision = 'accept' | 'reject';

/** What happened. */
export type ReviewOutcome =
  | { kind: 'not_found' }
  | { kind: 'already_decided'; item: ReviewItem }
  | { kind: 'refused'; reason: string }
  | { kind: 'decided'; item: ReviewItem; profileId?: string };

/** Applies a decision to review item `id`. */
export async function decideReview(options: {
  store: Store;
  policy: IdentityPolicy;
  clock: Clock;
  id: string;
  decision: ReviewDecision;
}): Promise<ReviewOutcome> {
  const matching = options.store.matching;
  const item = await matching.findReviewItem(options.id);
  if (!item) return { kind: 'not_found' };
  if (item.status !== 'open') return { kind: 'already_decided', item };
  const at = options.clock.now().toISOString();
  let profileId: string | undefined;
  if (options.decision === 'accept') {
    const source = await ensureImportSource(options.store, MATCH_SOURCE, options.clock.now());
    const outcome = await mergeMatchedProfiles({
      store: options.store,
      policy: options.policy,
      sourceId: source.id,
      a: item.aProfile,
      b: item.bProfile,
      rule: 'review',
      runId: item.runId,
      messageId: `review:${item.id}`,
      probability: item.probability,
      evidence: item.evidence,
      at,
    });
    if (outcome.kind === 'refused') return { kind: 'refused', reason: outcome.reason };
    if (outcome.kind === 'missing') return { kind: 'refused', reason: 'one of the profiles no longer exists' };
    profileId = outcome.kind === 'merged' ? outcome.survivorId : outcome.profileId;
  }
  if (options.decision === 'reject') {
    // A do-not-link rule between the two profiles' identifier sets: neither matching nor events may join them.
    const [a, b] = await Promise.all([options.store.findProfile(item.aProfile), options.store.findProfile(item.bProfile)]);
    if (a && b && a.id !== b.id) {
      const side = (p: typeof a): Identifier[] => p.externalIds.map(({ type, value }) => ({ type, value }));
      await options.store.transaction((tx) => tx.addDoNotLink({ sides: [side(a), side(b)], reason: 'review', createdAt: at }));
    }
  }
  const decided = await matching.decideReviewItem(item.id, options.decision === 'accept' ? 'accepted' : 'rejected', at);
  if (!decided) {
    const now = await matching.findReviewItem(item.id);
    return now ? { kind: 'already_decided', item: now } : { kind: 'not_found' };
  }
  return { kind: 'decided', item: decided, ...(profileId !== undefined ? { profileId } : {}) };
}

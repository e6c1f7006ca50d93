/**
 * One decision for every open review item at or above a probability (the dashboard's bulk action). The
 * matching ids are read first, then decided one by one through `decideReview`, so each accept is its own
 * ledger merge and the policy may still refuse some (they stay open and are reported).
 */
import type { IdentityPolicy } from '@kin/core';
import type { ReviewBulkResult } from '@kin/core/api/index.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../storage/storage.ts';
import type { ReviewDecision } from './review-decide.ts';
import { decideReview } from './review-decide.ts';

/** Decides (or with `dryRun`, counts) every open item with `probability >= minProbability`. */
export async function decideReviewBulk(options: {
  store: Store;
  policy: IdentityPolicy;
  clock: Clock;
  decision: ReviewDecision;
  minProbability: number;
  dryRun: boolean;
}): Promise<ReviewBulkResult> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await options.store.matching.listReviewItems({ status: 'open', limit: 500, ...(cursor ? { cursor } : {}) });
    for (const item of page.data) if (item.probability >= options.minProbability) ids.push(item.id);
    cursor = page.cursor.next ?? undefined;
  } while (cursor);
  const result: ReviewBulkResult = { dryRun: options.dryRun, matched: ids.length, decided: 0, refused: [] };
  if (options.dryRun) return result;
  for (const id of ids) {
    const outcome = await decideReview({
      store: options.store,
      policy: options.policy,
      clock: options.clock,
      id,
      decision: options.decision,
    });
    if (outcome.kind === 'decided') result.decided += 1;
    if (outcome.kind === 'refused') result.refused.push({ id, reason: outcome.reason });
  }
  return result;
}

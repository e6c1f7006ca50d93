/**
 * `kin match status`: whether incremental matching is on, how many profiles wait for it, and what the
 * followers did since the database was made (the store's `match_totals`, summed over every follower and
 * restart; `/metrics` shows the same counts per process since it started).
 */
import type { IdentityPolicy, IncrementalMatchPolicy } from '@kin/core';
import type { MatchStatus } from '@kin/core/api/index.ts';
import type { MatchingStore, MatchTotals } from '../storage/matching-store.ts';
import { matchSettings } from './match-follower.ts';

/** The policy's thresholds with the database's switch (what every writer and follower goes by), and the stored totals. */
export async function storedMatchState(
  matching: MatchingStore,
  policy: IdentityPolicy,
): Promise<{ totals: MatchTotals & { pending: number }; settings: IncrementalMatchPolicy }> {
  const [totals, incremental] = await Promise.all([matching.matchTotals(), matching.incrementalMatching()]);
  return { totals, settings: { ...matchSettings(policy), incremental } };
}

/** The status as `GET /v1/match/status` answers it (the dashboard's review page shows it). */
export function matchStatusOf(totals: MatchTotals & { pending: number }, settings: IncrementalMatchPolicy): MatchStatus {
  return {
    incremental: settings.incremental,
    linkThreshold: settings.linkThreshold,
    reviewThreshold: settings.reviewThreshold,
    minFields: settings.minFields,
    pending: totals.pending,
    totals: { matched: totals.matched, merged: totals.merged, queued: totals.queued, refused: totals.refused, skipped: totals.skipped },
  };
}

/** The status as printed lines; the last line is one JSON object for scripts. */
export function formatMatchStatus(totals: MatchTotals & { pending: number }, settings: IncrementalMatchPolicy): string[] {
  return [
    `incremental matching  ${settings.incremental ? 'on' : 'off'} (link at p >= ${settings.linkThreshold}, review at p >= ${settings.reviewThreshold}, at least ${settings.minFields} person fields)`,
    `pending               ${totals.pending} profiles waiting to be matched`,
    `matched               ${totals.matched} profiles: ${totals.merged} merges, ${totals.queued} pairs sent to review (${totals.refused} merges refused by the identity policy)`,
    `skipped               ${totals.skipped} profiles settled without matching (could not be matched, or arrived while it was off under an earlier version)`,
    JSON.stringify({ incremental: settings.incremental, ...totals }),
  ];
}

/**
 * Deterministic replay: stored events are re-resolved in their original order (seq) through the same
 * prepare → decideAndApply path as ingestion (decide-apply.ts), updating each event row instead of
 * inserting one. Undo, split and `kin replay` are all built from it, so there is one definition of what a
 * graph is: what the events produce under the current rules.
 *
 * Why ids come back: a profile created by event m during the online run is created by the same event m
 * during the replay when nothing before it changed, and then it takes its old id, so links and bookmarks
 * keep working. An old id whose creating event now lands on another profile is forwarded there (like an
 * absorbed id after a merge).
 */
import type { RefusalReason, ResolutionPlan } from '@kin/core';
import type { DetachedProfile, ReplayEvent, StoreTx } from '../storage/storage.ts';
import type { ResolveDeps } from './event-apply.ts';
import { prepareOne, rankedSourceName } from './event-apply.ts';
import type { ApplyTarget } from './decide-apply.ts';
import { decideAndApply } from './decide-apply.ts';

/** The state a replay carries across events and batches (transactions). */
export interface ReplayState {
  /** `sourceId\u0000messageId` of the event that created each detached profile -> its old id. */
  reuse: Map<string, string>;
  /** The same keys -> the profile the event resolved to during the replay. */
  landed: Map<string, string | undefined>;
  /** The profile the first replayed event with a profile went to (where orphaned ids are forwarded). */
  firstLanded: string | undefined;
  /** Profiles the replay resolved events to. */
  profileIds: Set<string>;
  /** Refusals per reason, for reports. */
  refused: Partial<Record<RefusalReason, number>>;
  events: number;
}

/** A fresh replay state for these detached profiles. */
export function startReplay(detached: DetachedProfile[]): ReplayState {
  const reuse = new Map<string, string>();
  for (const p of detached) if (p.createdBy !== undefined) reuse.set(p.createdBy, p.id);
  return { reuse, landed: new Map(), firstLanded: undefined, profileIds: new Set(), refused: {}, events: 0 };
}

/** Re-resolves these stored events, in the order given (callers pass seq order), inside `tx`. */
export async function replayEvents(tx: StoreTx, events: ReplayEvent[], deps: ResolveDeps, state: ReplayState): Promise<void> {
  const reading = deps.sourceRegions?.ensure(events.map((stored) => stored.sourceId));
  if (reading) await reading;
  const deviceTypes = deps.policy.sharedDevice.deviceTypes;
  for (const stored of events) {
    const { event, sourceId, seq } = stored;
    const sourceName = await rankedSourceName(tx, sourceId, deps.policy);
    const prepared = prepareOne(event, sourceId, deps, stored.unverified);
    if (sourceName !== undefined) prepared.sourceName = sourceName;
    const key = `${sourceId}\u0000${event.messageId}`;
    const { plan, profileId } = await decideAndApply(
      tx,
      prepared,
      { event, sourceId, unverified: stored.unverified, replay: { seq } },
      deps.policy,
      { beforeSeq: seq, deviceTypes },
      (decision, target) => reuseOldId(decision.plan, target, state, key),
    );
    state.events++;
    for (const r of plan.refused) state.refused[r.reason] = (state.refused[r.reason] ?? 0) + 1;
    if (profileId !== undefined) {
      state.profileIds.add(profileId);
      state.firstLanded ??= profileId;
    }
    state.landed.set(key, profileId);
  }
}

/** A profile the replay creates takes the old id its creating event had, when there is one (once). */
function reuseOldId(plan: ResolutionPlan, target: ApplyTarget, state: ReplayState, key: string): ResolutionPlan {
  const oldId = plan.target.kind === 'new' ? state.reuse.get(key) : undefined;
  if (oldId !== undefined && target.replay) {
    state.reuse.delete(key);
    target.replay.profileIdForNew = oldId;
  }
  return plan;
}

/** Forwards the detached ids the replay did not give back to where their creating event went. */
export async function finishReplay(tx: StoreTx, detached: DetachedProfile[], state: ReplayState, at: string): Promise<void> {
  const pairs: Array<{ from: DetachedProfile; to: string }> = [];
  for (const profile of detached) {
    const reused = profile.createdBy === undefined ? false : !state.reuse.has(profile.createdBy);
    if (reused) continue;
    const to = (profile.createdBy === undefined ? undefined : state.landed.get(profile.createdBy)) ?? state.firstLanded;
    if (to !== undefined) pairs.push({ from: profile, to });
  }
  await tx.forwardProfiles(pairs, at);
  // Ids given back were marked by their events; the others lost their events (their stored state must go).
  await tx.markForRecompute(detached.map((p) => p.id));
}

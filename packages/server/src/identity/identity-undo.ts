/**
 * Undo a merge, split a profile: both record a do-not-link rule between the parts, detach the live
 * profile and replay its events (see event-replay.ts). Neither old nor new events join the parts again
 * until an admin removes the rule. Both are ledger entries themselves (rule `undo` / `split`).
 */
import type { Identifier } from '@kin/core';
import { identifierKey } from '@kin/core';
import type { ResolveDeps } from '../pipeline/event-apply.ts';
import { finishReplay, replayEvents, startReplay } from '../pipeline/event-replay.ts';
import type { Store, StoreTx } from '../storage/storage.ts';

/** What an undo or split did, or why it could not. */
export type SeparationResult =
  | { ok: true; ledgerId: string; ruleId: string; profileIds: string[]; events: number }
  | { ok: false; code: 'not_found' | 'conflict' | 'invalid'; message: string };

/** Undoes one merge of the ledger. */
export async function undoMerge(store: Store, mergeId: string, deps: ResolveDeps, at: string): Promise<SeparationResult> {
  return store.transaction(async (tx) => {
    const merge = await tx.findMerge(mergeId);
    if (!merge) return { ok: false, code: 'not_found', message: 'no merge has this id' };
    if (merge.rule === 'undo' || merge.rule === 'split')
      return { ok: false, code: 'conflict', message: `a ${merge.rule} entry cannot be undone; remove its do-not-link rule instead` };
    if (merge.undoneBy !== undefined)
      return { ok: false, code: 'conflict', message: `this merge was undone already (ledger entry ${merge.undoneBy})` };
    if (!merge.sides)
      return { ok: false, code: 'conflict', message: 'this merge was recorded before Kin kept merge sides; split the profile instead' };
    return separate(tx, {
      profileId: merge.survivorId,
      sides: [merge.sides.absorbed, merge.sides.survivor],
      kind: 'undo',
      survivorId: merge.survivorId,
      absorbedId: merge.absorbedId,
      deps,
      at,
    });
  });
}

/** Splits the given identifiers (with their events and the traits those set) out of a profile. */
export async function splitProfile(
  store: Store,
  profileId: string,
  identifiers: Identifier[],
  deps: ResolveDeps,
  at: string,
): Promise<SeparationResult> {
  const profile = await store.findProfile(profileId);
  if (!profile) return { ok: false, code: 'not_found', message: 'no profile matches this ref' };
  const held = new Set(profile.externalIds.map(identifierKey));
  const missing = identifiers.filter((id) => !held.has(identifierKey(id)));
  if (missing.length > 0)
    return { ok: false, code: 'invalid', message: `the profile does not hold ${missing.map((m) => `${m.type}:${m.value}`).join(', ')}` };
  const chosen = new Set(identifiers.map(identifierKey));
  const rest = profile.externalIds.filter((id) => !chosen.has(identifierKey(id))).map(({ type, value }) => ({ type, value }));
  if (rest.length === 0) return { ok: false, code: 'invalid', message: 'a split must leave at least one identifier on each side' };
  return store.transaction((tx) =>
    separate(tx, {
      profileId: profile.id,
      sides: [identifiers, rest],
      kind: 'split',
      survivorId: profile.id,
      absorbedId: profile.id,
      deps,
      at,
    }),
  );
}

interface Separation {
  profileId: string;
  sides: [Identifier[], Identifier[]];
  kind: 'undo' | 'split';
  survivorId: string;
  absorbedId: string;
  deps: ResolveDeps;
  at: string;
}

async function separate(tx: StoreTx, s: Separation): Promise<SeparationResult> {
  const ruleId = await tx.addDoNotLink({ sides: s.sides, reason: s.kind, createdAt: s.at });
  const detached = await tx.detachProfile(s.profileId);
  if (!detached) throw new Error(`profile ${s.profileId} vanished inside the transaction`);
  const ledgerId = await tx.recordLedger({
    rule: s.kind,
    survivorId: s.survivorId,
    absorbedId: s.absorbedId,
    via: s.sides[0],
    ruleId,
    createdAt: s.at,
  });
  await tx.markMergesUndone(
    detached.profiles.map((p) => p.id),
    ledgerId,
  );
  const state = startReplay(detached.profiles);
  await replayEvents(tx, detached.events, s.deps, state);
  await finishReplay(tx, detached.profiles, state, s.at);
  return { ok: true, ledgerId, ruleId, profileIds: [...state.profileIds].sort(), events: state.events };
}

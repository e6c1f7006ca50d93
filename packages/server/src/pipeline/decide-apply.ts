/**
 * The one decide → apply step of Kin. Every write to the identity graph goes through `decideAndApply`:
 * ingestion (event-apply.ts: embedded group commit and NATS worker), replay (event-replay.ts: undo, split,
 * `kin replay`) and matching merges (match-merge.ts); the dry-run route runs its `decide` half alone.
 *
 * Why one place: what a graph is must be the same whichever way an event arrives. The snapshot is read
 * through the same transaction that then writes the plan, so every plan names only what that transaction
 * holds (the PostgreSQL store refuses any other, see postgres-writes.ts).
 *
 * Computed traits and audiences: the evaluator follows new events (the store's event feed), so an ingested
 * event needs nothing more. Every other write here (a replay of stored rows for undo, split or `kin replay`;
 * a matching or review merge, perhaps made while no evaluator runs) marks the profiles it changed in the same
 * transaction, and the evaluator recomputes them whenever it runs next (audience-engine.ts).
 *
 * Hot path: ingestion calls this for every event (about 15k/s). The caller hands in an already prepared
 * event, a fixed-shape write target and snapshot options made once per batch; no closure per event.
 */
import { compareTypeValue, identifierKey, resolve, snapshotKeys } from '@kin/core';
import type { Identifier, IdentityPolicy, IdentitySnapshot, PreparedEvent, ResolutionPlan } from '@kin/core';
import type { ApplyCommon, NewEventRow, ReplayedEventRow, StoreTx } from '../storage/storage.ts';
import { afterLinkApply, clickForSnapshot, linkApplyNeeded, withoutNoIdentity } from './link-click-apply.ts';

/** How the snapshot is read: `beforeSeq` for a replay (the graph as it was), `deviceTypes` for the shared-device rules. */
export type SnapshotOptions = NonNullable<Parameters<StoreTx['loadSnapshot']>[1]>;

/** What the snapshot is read from: a write transaction, or the store's read side for a dry-run (without clicks). */
export type SnapshotSource = Pick<StoreTx, 'loadSnapshot'> & Partial<Pick<StoreTx, 'links'>>;

/** The decision on one event: the snapshot of its identifiers and the core's plan over it. */
export interface Decision {
  snapshot: IdentitySnapshot;
  plan: ResolutionPlan;
}

/** The decide half: reads the snapshot of the event's identifiers and runs core `resolve`. Writes nothing. */
export async function decide(
  source: SnapshotSource,
  prepared: PreparedEvent,
  policy: IdentityPolicy,
  options?: SnapshotOptions,
): Promise<Decision> {
  return decided(await snapshotOf(source, prepared, options), prepared, policy);
}

/**
 * The snapshot `prepared` is decided over. Why not async, with the click's branch apart: nearly no event names a
 * click, and an async call (or an awaited click read) would cost every event a promise more than its snapshot's.
 */
function snapshotOf(source: SnapshotSource, prepared: PreparedEvent, options: SnapshotOptions | undefined): Promise<IdentitySnapshot> {
  return prepared.linkClick === undefined
    ? source.loadSnapshot(snapshotKeys(prepared), options)
    : snapshotWithClick(source, prepared, options);
}

/** The snapshot of an event that names a link click. */
async function snapshotWithClick(
  source: SnapshotSource,
  prepared: PreparedEvent,
  options: SnapshotOptions | undefined,
): Promise<IdentitySnapshot> {
  const click = await clickForSnapshot(source, prepared);
  // R14: the click's anchor is read with the event's identifiers, so the snapshot reaches the clicked profile.
  const keys = click?.anchor ? withKey(snapshotKeys(prepared), click.anchor) : snapshotKeys(prepared);
  const snapshot = await source.loadSnapshot(keys, options);
  if (click !== undefined) snapshot.linkClick = click;
  return snapshot;
}

/** The resolver's plan over a snapshot read for `prepared`. */
function decided(snapshot: IdentitySnapshot, prepared: PreparedEvent, policy: IdentityPolicy): Decision {
  return { snapshot, plan: resolve(snapshot, prepared, policy) };
}

/** The keys plus one more, de-duplicated and in key order (the order stores lock in). */
function withKey(keys: Identifier[], extra: Identifier): Identifier[] {
  if (keys.some((k) => identifierKey(k) === identifierKey(extra))) return keys;
  return [...keys, extra].sort(compareTypeValue);
}

/** What is written besides the plan (`ApplyInput` without it): a new event row with its payload, or a replayed one. */
export type ApplyTarget = Omit<ApplyCommon, 'plan'> & (NewEventRow | ReplayedEventRow);

/**
 * Between decide and apply (matching merges, replay): answers the plan to write (the decided one or a
 * narrower one) or `undefined` to write nothing. It may set `target.replay.profileIdForNew`.
 */
export type Refine = (decision: Decision, target: ApplyTarget) => ResolutionPlan | undefined;

/** The outcome of one event: the plan decided (before any refinement), and the profile written, if any. */
export interface Applied {
  plan: ResolutionPlan;
  /** The profile the event went to; `undefined` for no profile, or when `refine` wrote nothing. */
  profileId: string | undefined;
  /** False when `refine` answered `undefined`. */
  written: boolean;
}

/** Decides one prepared event inside `tx` and applies the plan through it. */
export async function decideAndApply(
  tx: StoreTx,
  prepared: PreparedEvent,
  target: ApplyTarget,
  policy: IdentityPolicy,
  options?: SnapshotOptions,
  refine?: Refine,
): Promise<Applied> {
  // `decide`'s two steps, without its async call: one promise less per event.
  const decision = decided(await snapshotOf(tx, prepared, options), prepared, policy);
  const refined = refine ? refine(decision, target) : decision.plan;
  if (refined === undefined) return { plan: decision.plan, profileId: undefined, written: false };
  const plan = withoutNoIdentity(refined, target.sourceId);
  const { profileId } = await tx.applyEvent({ ...target, plan });
  if (linkApplyNeeded(plan, target.sourceId)) {
    await afterLinkApply(tx, { prepared, plan, sourceId: target.sourceId, replay: target.replay !== undefined, profileId });
  }
  // Only ingestion comes without `refine`; replays and matching merges do (see the top of this file).
  if (refine) await tx.markForRecompute(changedProfiles(plan, profileId));
  return { plan: decision.plan, profileId, written: true };
}

/** The profiles a written plan changed: the event's profile and both sides of each merge. */
function changedProfiles(plan: ResolutionPlan, profileId: string | undefined): string[] {
  const ids = plan.merges.flatMap((m) => [m.survivorId, m.absorbedId]);
  if (profileId !== undefined) ids.push(profileId);
  return ids;
}

/**
 * The one decide → apply step of Kin. Every write to the identity graph goes through `decideAndApply`:
 * ingestion (event-apply.ts: embedded group commit and NATS worker), replay (event-replay.ts: undo, split,
 * `kin replay`) and matching merges (match-merge.ts); the dry-run route runs its `decide` half alone.
 *
 * Why one place: what a graph is must be the same whichever way an event arrives. The snapshot is read
 * through the same transaction that then writes the plan, so every plan names only what that transaction
 * holds (the PostgreSQL store refuses any other, see postgres-writes.ts).
 *
 * Hot path: ingestion calls this for every event (about 15k/s). The caller hands in an already prepared
 * event, a fixed-shape write target and snapshot options made once per batch; no closure per event.
 */
import { resolve, snapshotKeys } from '@kin/core';
import type { IdentityPolicy, IdentitySnapshot, PreparedEvent, ResolutionPlan } from '@kin/core';
import type { ApplyCommon, ApplyInput, ReplayedEventRow, StoreTx } from '../storage/storage.ts';

/** How the snapshot is read: `beforeSeq` for a replay (the graph as it was), `deviceTypes` for the shared-device rules. */
export type SnapshotOptions = NonNullable<Parameters<StoreTx['loadSnapshot']>[1]>;

/** What the snapshot is read from: a write transaction, or the store's read side for a dry-run. */
export type SnapshotSource = Pick<StoreTx, 'loadSnapshot'>;

/** The decision on one event: the snapshot of its identifiers and the core's plan over it. */
export interface Decision {
  snapshot: IdentitySnapshot;
  plan: ResolutionPlan;
}

/** The decide half: reads the snapshot of the event's identifiers and runs core `resolve`. Writes nothing. */
export async function decide(source: SnapshotSource, prepared: PreparedEvent, policy: IdentityPolicy, options?: SnapshotOptions): Promise<Decision> {
  const snapshot = await source.loadSnapshot(snapshotKeys(prepared), options);
  return { snapshot, plan: resolve(snapshot, prepared, policy) };
}

/**
 * What is written besides the plan: a replay target, or a new event with its payload text when the caller
 * made it already (off the writer thread); otherwise it is made here from `event`, which must then be whole.
 */
export type ApplyTarget = Omit<ApplyCommon, 'plan'> & { replay?: ReplayedEventRow['replay'] | undefined; payload?: string | undefined };

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
  const decision = await decide(tx, prepared, policy, options);
  const plan = refine ? refine(decision, target) : decision.plan;
  if (plan === undefined) return { plan: decision.plan, profileId: undefined, written: false };
  const common = { event: target.event, sourceId: target.sourceId, plan, unverified: target.unverified };
  const input: ApplyInput = target.replay ? { ...common, replay: target.replay } : { ...common, payload: target.payload ?? JSON.stringify(target.event) };
  const { profileId } = await tx.applyEvent(input);
  return { plan: decision.plan, profileId, written: true };
}

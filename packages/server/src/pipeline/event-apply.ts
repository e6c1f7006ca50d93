/**
 * The write step shared by every pipeline (embedded group commit, NATS worker): inside one transaction,
 * claim messageIds, then for each new event decide (the pure core) and apply (the store).
 */
import { prepareEvent, resolve, snapshotKeys } from '@kin/core';
import type { IdentityPolicy, TrackingEvent } from '@kin/core';
import type { StoreTx } from '../storage/storage.ts';

/** What resolution needs besides the store: the policy and the identifier normaliser. */
export interface ResolveDeps {
  policy: IdentityPolicy;
  normalize: (type: string, raw: unknown) => string | undefined;
}

/** Counts of one applied group of events. */
export interface ApplyOutcome {
  accepted: number;
  duplicates: number;
  /** Profile each event resolved to, in input order (`undefined` for duplicates and identity-less events). */
  profileIds: Array<string | undefined>;
}

/** Applies the events of one source inside `tx`; a repeated messageId is acknowledged, never applied twice. */
export async function applyEvents(tx: StoreTx, sourceId: string, events: TrackingEvent[], deps: ResolveDeps): Promise<ApplyOutcome> {
  const claims = await tx.claimMessageIds(
    sourceId,
    events.map((event) => event.messageId),
  );
  const outcome: ApplyOutcome = { accepted: 0, duplicates: 0, profileIds: [] };
  for (const [index, event] of events.entries()) {
    if (!claims[index]) {
      outcome.duplicates++;
      outcome.profileIds.push(undefined);
      continue;
    }
    const prepared = prepareEvent(event, deps.policy, deps.normalize);
    const snapshot = await tx.loadSnapshot(snapshotKeys(prepared));
    const plan = resolve(snapshot, prepared, deps.policy);
    const { profileId } = await tx.applyEvent({ event, sourceId, plan });
    outcome.accepted++;
    outcome.profileIds.push(profileId);
  }
  return outcome;
}

/**
 * The write step shared by every pipeline (embedded group commit, NATS worker): inside one transaction,
 * claim messageIds, then for each new event decide and apply it (decide-apply.ts).
 */
import { prepareEvent } from '@kin/core';
import type { IdentifierNormalizer, IdentityPolicy, PreparedEvent, TrackingEvent } from '@kin/core';
import type { SourceRegions } from '../identity/source-regions.ts';
import type { StoreTx } from '../storage/storage.ts';
import { decideAndApply } from './decide-apply.ts';
import type { ApplyOutcome, Submission, UnverifiedIdentity, WholeSubmission } from './ingest-port.ts';

/** What resolution needs besides the store: the policy, the identifier normaliser, the sources' phone regions. */
export interface ResolveDeps {
  policy: IdentityPolicy;
  normalize: IdentifierNormalizer;
  /** Per-source phone regions (policy `sources.<name>.defaultPhoneRegion`); absent when no source has one. */
  sourceRegions?: SourceRegions;
}

/** What an event needs before the write transaction and without the store, made ahead by `prepareSubmission`. */
export interface PreparedSubmission {
  /** Parallel to `events`: identifiers extracted and normalised. */
  events: PreparedEvent[];
  /** Parallel to `events`: each event as stored (`JSON.stringify`). */
  payloads: string[];
}

/** Per-event extras of `applyEvents`. */
export interface ApplyEventsOptions {
  /** Parallel to `events`: the verification outcome of each (see identity-verify.ts). */
  unverified?: Array<UnverifiedIdentity | undefined>;
  /** Made ahead (off the writer thread); made here when absent. */
  prepared?: PreparedSubmission;
}

/** One event's identifiers, extracted and normalised under the policy (unverified types refused). */
export function prepareOne(
  event: TrackingEvent,
  sourceId: string,
  deps: ResolveDeps,
  unverified: UnverifiedIdentity | undefined,
): PreparedEvent {
  const phoneRegion = deps.sourceRegions?.regionOf(sourceId);
  return prepareEvent(event, deps.policy, deps.normalize, {
    ...(unverified ? { unverified } : {}),
    ...(phoneRegion ? { phoneRegion } : {}),
  });
}

/** The pure, store-free part of applying events: extraction, normalisation, serialisation. */
export function prepareSubmission(
  sourceId: string,
  events: TrackingEvent[],
  deps: ResolveDeps,
  unverified?: Array<UnverifiedIdentity | undefined>,
): PreparedSubmission {
  const payloads = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) payloads[i] = JSON.stringify(events[i]);
  if (unverified) return { events: events.map((event, index) => prepareOne(event, sourceId, deps, unverified[index])), payloads };
  // Without verification outcomes every event of the source has the same options: made once, not per event.
  const phoneRegion = deps.sourceRegions?.regionOf(sourceId);
  const options = phoneRegion ? { phoneRegion } : {};
  const prepared = new Array<PreparedEvent>(events.length);
  for (let i = 0; i < events.length; i++) prepared[i] = prepareEvent(events[i]!, deps.policy, deps.normalize, options);
  return { events: prepared, payloads };
}

/** Applies the events of one source inside `tx`; a repeated messageId is acknowledged, never applied twice. */
export async function applyEvents(
  tx: StoreTx,
  sourceId: string,
  events: TrackingEvent[],
  deps: ResolveDeps,
  options: ApplyEventsOptions = {},
): Promise<ApplyOutcome> {
  const [outcome] = await applyEventGroups(tx, [{ sourceId, events, ...options }], deps);
  return outcome!;
}

/** The events of one source, for `applyEventGroups`. */
export type EventGroup = Submission;

/**
 * Applies several sources' events inside `tx` (one outcome per group, in order). Every messageId is claimed
 * first; then, when the store can, the identities of all new events are locked and read at once
 * (`prefetch`, in one sorted order, so concurrent batches cannot deadlock on each other's identifiers);
 * then each event is decided and applied in input order.
 */
export async function applyEventGroups(tx: StoreTx, groups: EventGroup[], deps: ResolveDeps): Promise<ApplyOutcome[]> {
  const reading = deps.sourceRegions?.ensure(groups.map((group) => group.sourceId));
  if (reading) await reading;
  const work: Array<{ group: EventGroup; claims: boolean[] }> = [];
  for (const group of groups) {
    const messageIds = group.events.map((event) => event.messageId);
    work.push({ group, claims: await tx.claimMessageIds(group.sourceId, messageIds) });
  }
  const prepared = work.map(({ group, claims }) => {
    const ahead = group.prepared;
    // Whole events when nothing was made ahead (the union says so); else their facts and payloads.
    const whole = ahead ? undefined : (group as WholeSubmission).events;
    return group.events.map((event, index) => {
      if (!claims[index]) return undefined;
      const unverified = group.unverified?.[index];
      // The write target of decideAndApply too (no second object per event).
      return {
        event,
        sourceId: group.sourceId,
        unverified,
        payload: ahead ? ahead.payloads[index]! : JSON.stringify(whole![index]),
        prepared: ahead ? ahead.events[index]! : prepareOne(whole![index]!, group.sourceId, deps, unverified),
      };
    });
  });
  const fresh: PreparedEvent[] = [];
  for (const items of prepared) for (const item of items) if (item) fresh.push(item.prepared);
  await tx.prefetch(fresh);
  const outcomes: ApplyOutcome[] = [];
  const snapshotOptions = { deviceTypes: deps.policy.sharedDevice.deviceTypes };
  for (const [g, { group }] of work.entries()) {
    const outcome: ApplyOutcome = { accepted: 0, duplicates: 0, profileIds: [] };
    const sourceName = await rankedSourceName(tx, group.sourceId, deps.policy);
    for (const item of prepared[g]!) {
      if (!item) {
        outcome.duplicates++;
        outcome.profileIds.push(undefined);
        continue;
      }
      const { plan, profileId } = await decideAndApply(
        tx,
        sourceName === undefined ? item.prepared : { ...item.prepared, sourceName },
        item,
        deps.policy,
        snapshotOptions,
      );
      if (plan.refused.length > 0) outcome.refused = (outcome.refused ?? 0) + plan.refused.length;
      outcome.accepted++;
      outcome.profileIds.push(profileId);
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

/**
 * The source's name when the policy ranks trait sources (`traitSources`), else `undefined`: the resolver
 * then leaves trait ranks out, and no lookup is made on the hot path. A source without a name (removed)
 * ranks as its id.
 */
export async function rankedSourceName(
  tx: Pick<StoreTx, 'sourceName'>,
  sourceId: string,
  policy: IdentityPolicy,
): Promise<string | undefined> {
  if (Object.keys(policy.traitSources).length === 0) return undefined;
  return (await tx.sourceName(sourceId)) ?? sourceId;
}

/**
 * Replays a generated data set through the real write path (validation, `applyEvents`, a real store) and
 * measures what the identity policy made of it: profiles per person, and every refusal by kind. Used by
 * the identity-outcome test and by `npm run measure:identity` (see docs/identity.md).
 */
import { validateEvent } from '@kin/core';
import type { IdentityPolicy, TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import type { Store } from '../storage/storage.ts';

/** One generated event and the source that sends it. */
export interface OutcomeEvent {
  source: string;
  event: Record<string, unknown>;
}

/** What a replay produced. */
export interface IdentityOutcome {
  people: number;
  profiles: number;
  /** profiles / people. */
  ratio: number;
  /** Profiles holding a person-level identifier (a type outside `sharedDevice.deviceTypes`). */
  personProfiles: number;
  /** Profiles of anonymous and device ids only: visitors who never said who they are. */
  anonymousProfiles: number;
  /** personProfiles / people. */
  personRatio: number;
  /**
   * The resolver's refusals (explain keeps them; `invalid` and `blocked` placeholder values are left out:
   * they are not decisions about people), by `type reason: detail` (values left out), sorted by key.
   */
  refusals: Record<string, number>;
  /** Message ids of the events that raised a refusal. */
  refusedMessageIds: Set<string>;
  rejected: number;
}

/** Options of `replayForOutcome`. */
export interface ReplayOptions {
  store: Store;
  policy: IdentityPolicy;
  events: OutcomeEvent[];
  people: number;
  /** Events per transaction of one source (the demo's batches are per source and time window). */
  groupSize?: number;
}

/** Validates and applies the events in order (consecutive events of one source share a transaction), then measures. */
export async function replayForOutcome(options: ReplayOptions): Promise<IdentityOutcome> {
  const deps = { policy: options.policy, normalize: normalizerFor(options.policy) };
  const groupSize = options.groupSize ?? 50;
  let rejected = 0;
  const events = options.events;
  for (let i = 0; i < events.length;) {
    const source = events[i]!.source;
    const group: TrackingEvent[] = [];
    while (i < events.length && events[i]!.source === source && group.length < groupSize) {
      const raw = events[i++]!.event;
      const valid = validateEvent(raw, { receivedAt: new Date(String(raw['timestamp'])), newMessageId: () => `gen-${i}` });
      if (valid.ok) group.push(valid.event);
      else rejected++;
    }
    if (group.length > 0) await options.store.transaction((tx) => applyEvents(tx, source, group, deps));
  }
  // Refusals come from explain (one record per refused identifier and event), reached through every profile.
  const refusals: Record<string, number> = {};
  const refusedMessageIds = new Set<string>();
  const partition = await options.store.identifierPartition();
  for (const keys of partition) {
    const first = keys[0]!;
    const colon = first.indexOf(':');
    const profileId = await options.store.findProfileIdByIdentifier({ type: first.slice(0, colon), value: first.slice(colon + 1) });
    const explained = profileId === undefined ? undefined : await options.store.explainProfile(profileId);
    for (const r of explained?.refusals ?? []) {
      if (r.reason === 'blocked') continue;
      const key = `${r.type} ${r.reason}: ${r.detail.replace(/seen with \d+/, 'seen with N')}`;
      refusals[key] = (refusals[key] ?? 0) + 1;
      refusedMessageIds.add(r.messageId);
    }
  }
  const profiles = (await options.store.stats()).profiles;
  const deviceTypes = new Set(options.policy.sharedDevice.deviceTypes);
  const personProfiles = partition.filter((keys) => keys.some((key) => !deviceTypes.has(key.slice(0, key.indexOf(':'))))).length;
  const sorted = Object.fromEntries(Object.entries(refusals).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    people: options.people,
    profiles,
    ratio: profiles / options.people,
    personProfiles,
    anonymousProfiles: profiles - personProfiles,
    personRatio: personProfiles / options.people,
    refusals: sorted,
    refusedMessageIds,
    rejected,
  };
}

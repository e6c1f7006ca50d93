/**
 * `Audience Entered` / `Audience Exited` on the profile's timeline, so journeys and destinations can react.
 * They are stored like tracked events of an internal source (`kin-audiences`), attached to the profile by a
 * plan that changes nothing else. Why they carry the profile's user or anonymous id: an undo or split replays
 * a profile's events through identity resolution, and an event without an identifier would lose its profile.
 */
import type { Identifier, ResolutionPlan, TrackingEvent } from '@kin/core';
import { AUDIENCE_ENTERED, AUDIENCE_EXITED } from '@kin/core';
import { hashSecret, newSecret } from '../http/secret-compare.ts';
import type { PlannedEvent } from '../pipeline/ingest-port.ts';
import type { Store } from '../storage/storage.ts';

/** The name of the internal source the audience events belong to. */
export const AUDIENCE_SOURCE = 'kin-audiences';

/** One entry or exit to record. */
export interface AudienceChange {
  profileId: string;
  key: string;
  kind: 'entered' | 'exited';
  at: string;
  /** The profile's identifiers (one user or anonymous id is copied onto the event). */
  identifiers: readonly Identifier[];
}

/** The id of the internal source, created on first use. */
export async function audienceSourceId(store: Store, at: string): Promise<string> {
  const existing = (await store.listSources()).find((s) => s.name === AUDIENCE_SOURCE && !s.revokedAt);
  if (existing) return existing.id;
  // Nobody sends with this key: it is never shown, only its hash is stored.
  return (await store.createSource({ name: AUDIENCE_SOURCE, writeKeyHash: hashSecret(newSecret('kin_internal_')), createdAt: at })).id;
}

/** The start of the messageId of every event `recordAudienceChanges` writes. */
const MESSAGE_ID_PREFIX = 'kin-audience:';

/**
 * True for an `Audience Entered` / `Audience Exited` event this module wrote. Why it matters: such an event is
 * attached to its profile by a plan that changes no identity and no trait, so it changes no computed state
 * unless a definition reads its name; the evaluator need not recompute the profile it just recomputed.
 */
export function isRecordedAudienceEvent(event: Pick<TrackingEvent, 'event' | 'messageId'>): boolean {
  return (event.event === AUDIENCE_ENTERED || event.event === AUDIENCE_EXITED) && event.messageId.startsWith(MESSAGE_ID_PREFIX);
}

/** Writes planned events somewhere: the ingest writer (`PlannedEventWriter`) or a transaction of the store. */
export type PlannedEventSink = (events: PlannedEvent[]) => Promise<void>;

/** Writes planned events in one transaction of `store`. */
export function storeSink(store: Store): PlannedEventSink {
  return (events) =>
    store.transaction(async (tx) => {
      for (const event of events) await tx.applyEvent(event);
    });
}

/** Writes the events of `changes` together, through `sink`. */
export async function recordAudienceChanges(sink: PlannedEventSink, sourceId: string, changes: readonly AudienceChange[]): Promise<void> {
  if (changes.length === 0) return;
  await sink(
    changes.map((change) => {
      const event = audienceEvent(change);
      return { event, payload: JSON.stringify(event), sourceId, plan: attachPlan(change.profileId) };
    }),
  );
}

function audienceEvent(change: AudienceChange): TrackingEvent {
  const userId = change.identifiers.find((i) => i.type === 'user_id')?.value;
  const anonymousId = userId === undefined ? change.identifiers.find((i) => i.type === 'anonymous_id')?.value : undefined;
  return {
    type: 'track',
    event: change.kind === 'entered' ? AUDIENCE_ENTERED : AUDIENCE_EXITED,
    messageId: `${MESSAGE_ID_PREFIX}${change.key}:${change.profileId}:${change.kind}:${change.at}`,
    ...(userId !== undefined ? { userId } : {}),
    ...(anonymousId !== undefined ? { anonymousId } : {}),
    properties: { audience: change.key },
    timestamp: change.at,
    receivedAt: change.at,
  };
}

function attachPlan(profileId: string): ResolutionPlan {
  return {
    target: { kind: 'existing', profileId },
    merges: [],
    links: [],
    touches: [],
    refused: [],
    traits: { set: {}, unset: [] },
    warnings: [],
  };
}

/**
 * `User Deleted` to every active destination that takes events (webhook, Segment): the hook the privacy
 * work calls when a person asks to be forgotten. The delivery carries ids only, never traits.
 */
import type { Delivery, PrivacyDestinationStatus, PrivacyStatus } from '@kin/core';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { MessagingStore } from '../storage/messaging-store.ts';
import type { Store } from '../storage/storage.ts';
import type { PrivacyDownstream } from '../privacy/privacy-downstream.ts';
import { profileRefs, profileTrack } from './message-event.ts';

/** Queues one `User Deleted` delivery per supporting destination; returns how many. */
export async function enqueueUserDeleted(options: {
  store: Store;
  messaging: MessagingStore;
  profileId: string;
  clock: Clock;
  ids: IdGenerator;
  /** A stable delivery id per destination (a re-run queues nothing twice); a fresh one when absent. */
  deliveryIdOf?: (destinationId: string) => string;
}): Promise<number> {
  const profile = await options.store.findProfile(options.profileId);
  if (!profile) return 0;
  const { userId, anonymousId } = profileRefs(profile);
  const at = options.clock.now().toISOString();
  const targets = (await options.messaging.listDestinations()).filter(
    (d) => d.status === 'active' && (d.type === 'webhook' || d.type === 'segment'),
  );
  const deliveries = targets.map((d) => {
    const id = options.deliveryIdOf ? options.deliveryIdOf(d.id) : `dlv_${options.ids.profileId()}`;
    // The transports send `payload.event` (as every other delivery's payload holds it).
    const refs = { ...(userId ? { userId } : {}), ...(anonymousId ? { anonymousId } : {}) };
    return {
      id,
      destinationId: d.id,
      profileKey: profile.id,
      kind: 'user_deleted' as const,
      payload: { event: profileTrack({ event: 'User Deleted', messageId: id, at, refs, properties: { profileId: profile.id } }) },
      createdAt: at,
    };
  });
  await options.messaging.enqueueDeliveries(deliveries);
  return deliveries.length;
}

const PROGRESS: Record<Delivery['status'], PrivacyStatus> = {
  pending: 'pending',
  in_flight: 'running',
  delivered: 'completed',
  failed: 'failed',
};

/** The privacy service's downstream port over the outbox: one `User Deleted` delivery per request and destination. */
export function userDeletedDownstream(options: {
  store: Store;
  messaging: MessagingStore;
  clock: Clock;
  ids: IdGenerator;
}): PrivacyDownstream {
  const deliveryId = (requestId: string, destinationId: string) => `dlv_del_${requestId}_${destinationId}`;
  return {
    async userDeleted(requestId, profileId) {
      await enqueueUserDeleted({ ...options, profileId, deliveryIdOf: (destinationId) => deliveryId(requestId, destinationId) });
    },
    async statuses(requestId) {
      const destinations = await options.messaging.listDestinations();
      const deliveries = await Promise.all(destinations.map((d) => options.messaging.findDelivery(deliveryId(requestId, d.id))));
      return deliveries
        .filter((d): d is Delivery => d !== undefined)
        .map((d): PrivacyDestinationStatus => ({
          destinationId: d.destinationId,
          status: PROGRESS[d.status],
          ...(d.lastError ? { error: d.lastError } : {}),
          updatedAt: d.updatedAt,
        }));
    },
  };
}

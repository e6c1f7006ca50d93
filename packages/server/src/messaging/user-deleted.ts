/**
 * `User Deleted` to every active destination that takes events (webhook, Segment): the hook the privacy
 * work calls when a person asks to be forgotten. The delivery carries ids only, never traits.
 */
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { MessagingStore } from '../storage/messaging-store.ts';
import type { Store } from '../storage/storage.ts';
import { profileRefs, profileTrack } from './message-event.ts';

/** Queues one `User Deleted` delivery per supporting destination; returns how many. */
export async function enqueueUserDeleted(options: { store: Store; messaging: MessagingStore; profileId: string; clock: Clock; ids: IdGenerator }): Promise<number> {
  const profile = await options.store.findProfile(options.profileId);
  if (!profile) return 0;
  const { userId, anonymousId } = profileRefs(profile);
  const at = options.clock.now().toISOString();
  const targets = (await options.messaging.listDestinations()).filter((d) => d.status === 'active' && (d.type === 'webhook' || d.type === 'segment'));
  const deliveries = targets.map((d) => {
    const id = `dlv_${options.ids.profileId()}`;
    const refs = { ...(userId ? { userId } : {}), ...(anonymousId ? { anonymousId } : {}) };
    return { id, destinationId: d.id, profileKey: profile.id, kind: 'user_deleted' as const, payload: profileTrack({ event: 'User Deleted', messageId: id, at, refs, properties: { profileId: profile.id } }), createdAt: at };
  });
  await options.messaging.enqueueDeliveries(deliveries);
  return deliveries.length;
}

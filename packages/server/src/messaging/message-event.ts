/**
 * The events Kin sends out about a profile, in the Segment spec: `Message Sent` (a journey's message to its
 * channel's destination), `Message Decided` (on the profile's own timeline) and `User Deleted` (privacy).
 * Each carries the profile's `userId` and `anonymousId` when it has them, so the receiving tool can join it.
 */
import type { TrackingEvent } from '@kin/core';
import type { ProfileView } from '../storage/storage.ts';

/** The ids a receiving tool joins on, and the contact points of a profile. */
export interface ProfileRefs {
  userId?: string;
  anonymousId?: string;
  email?: string;
}

/** The first user id, anonymous id and email of a profile (identifiers first, then traits). */
export function profileRefs(profile: Pick<ProfileView, 'externalIds' | 'traits'>): ProfileRefs {
  const first = (type: string) => profile.externalIds.find((x) => x.type === type)?.value;
  const email = first('email') ?? (typeof profile.traits['email'] === 'string' ? profile.traits['email'] : undefined);
  const userId = first('user_id');
  const anonymousId = first('anonymous_id');
  return { ...(userId ? { userId } : {}), ...(anonymousId ? { anonymousId } : {}), ...(email ? { email } : {}) };
}

/** A Segment-spec track event about a profile. `messageId` is the delivery id: receivers de-duplicate on it. */
export function profileTrack(options: {
  event: string;
  messageId: string;
  at: string;
  refs: ProfileRefs;
  properties: Record<string, unknown>;
}): TrackingEvent {
  const { refs } = options;
  return {
    type: 'track',
    event: options.event,
    messageId: options.messageId,
    timestamp: options.at,
    ...(refs.userId ? { userId: refs.userId } : {}),
    ...(refs.anonymousId ? { anonymousId: refs.anonymousId } : {}),
    properties: options.properties,
    // An email-only profile is still found: the resolver reads `context.traits.email` of any event.
    ...(refs.email && !refs.userId && !refs.anonymousId ? { context: { traits: { email: refs.email } } } : {}),
  } as TrackingEvent;
}

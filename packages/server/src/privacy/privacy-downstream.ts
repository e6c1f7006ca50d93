/**
 * The privacy service's port to destinations: a delete tells every destination that supports it (a
 * `User Deleted` delivery through the messaging outbox), and a request read shows each one's progress.
 * The composition root adapts the messaging lane to it (`messaging/user-deleted.ts`); without messaging
 * there is none and `destinations` stays empty.
 */
import type { PrivacyDestinationStatus, PrivacyRequest } from '@kin/core';

/** What the privacy service needs from the destinations. */
export interface PrivacyDownstream {
  /** Queues `User Deleted` for the profile (called before the store deletes it); at most once per request and destination. */
  userDeleted(requestId: string, profileId: string): Promise<void>;
  /** Progress per destination of the request's deliveries (none queued: empty). */
  statuses(requestId: string): Promise<PrivacyDestinationStatus[]>;
}

/** The request with its destinations; a completed request with a failed destination is `partial`. */
export function withDestinations(request: PrivacyRequest, destinations: PrivacyDestinationStatus[]): PrivacyRequest {
  const failed = destinations.some((d) => d.status === 'failed');
  return { ...request, destinations, ...(failed && request.status === 'completed' ? { status: 'partial' as const } : {}) };
}

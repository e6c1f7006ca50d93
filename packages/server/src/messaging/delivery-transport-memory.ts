/**
 * The in-memory twin of the destinations' transports: records what would have been sent and answers with
 * a chosen status; Kin's own timeline still goes to `inner` (the real ingest path).
 */
import type { ClaimedDelivery, StoredDestination } from '../storage/messaging-store.ts';
import type { AttemptResult } from './delivery-retry.ts';
import type { DeliveryTransport } from './delivery-transports.ts';

/** One recorded send. */
export interface RecordedSend {
  destinationId: string;
  deliveryId: string;
  attempt: number;
  payload: unknown;
}

/** A recording transport; `answer` decides each attempt's result (default 200). */
export function memoryTransport(
  inner: DeliveryTransport,
  answer: (d: ClaimedDelivery, destination: StoredDestination) => AttemptResult = () => ({ status: 200 }),
): DeliveryTransport & { sent: RecordedSend[] } {
  const sent: RecordedSend[] = [];
  return {
    sent,
    timeline: (deliveries) => inner.timeline(deliveries),
    async send(destination, delivery) {
      sent.push({ destinationId: destination.id, deliveryId: delivery.id, attempt: delivery.attempts, payload: delivery.payload });
      return answer(delivery, destination);
    },
    close: () => inner.close(),
  };
}

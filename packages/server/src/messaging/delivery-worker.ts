/**
 * The delivery worker: leases due deliveries from the outbox (the head of each destination-and-profile
 * queue, so a profile's deliveries leave in order), sends each through its destination's transport and
 * records the outcome (`delivery-retry.ts`). Any number of workers may run against one store: a lease is
 * held by one worker (PostgreSQL `FOR UPDATE SKIP LOCKED`), and a worker that dies leaves its lease to
 * expire, after which another sends again — at least once, with the same idempotency key.
 */
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { ClaimedDelivery, MessagingStore } from '../storage/messaging-store.ts';
import { TIMELINE_DESTINATION } from './journey-advance.ts';
import { attemptOutcome } from './delivery-retry.ts';
import type { DeliveryTransport } from './delivery-transports.ts';

/** What the worker needs. */
export interface DeliveryWorkerDeps {
  messaging: MessagingStore;
  transport: DeliveryTransport;
  clock: Clock;
  logger: Logger;
  /** Deliveries leased per pass (default 100). */
  batch?: number;
  /** How long a lease holds before another worker may take the delivery (default 60 s). */
  leaseMs?: number;
  /** Attempts in flight at once (default 16). */
  concurrency?: number;
}

/** The worker. */
export interface DeliveryWorker {
  /** Leases and sends one batch; returns how many were attempted. */
  tick(): Promise<number>;
}

/** Creates a worker. */
export function createDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const { messaging: m, clock } = deps;
  const concurrency = deps.concurrency ?? 16;

  async function attempt(delivery: ClaimedDelivery): Promise<void> {
    const destination = delivery.destinationId === TIMELINE_DESTINATION ? 'timeline' : await m.findDestination(delivery.destinationId);
    const now = () => clock.now();
    if (destination === undefined) {
      await m.finishDelivery(delivery.id, { status: 'failed', at: now().toISOString(), lastError: 'the destination no longer exists' });
      return;
    }
    const result = await deps.transport.send(destination, delivery);
    const outcome = attemptOutcome(delivery.attempts, result, now());
    if (outcome.disableDestination && destination !== 'timeline') {
      await m.setDestinationStatus(destination.id, 'disabled', `410 Gone on delivery ${delivery.id}`);
      deps.logger.warn('destination disabled (410)', { destination: destination.id });
    }
    await m.finishDelivery(delivery.id, {
      status: outcome.status,
      at: now().toISOString(),
      ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
      ...(result.status !== undefined ? { lastStatus: result.status } : {}),
      ...(outcome.lastError ? { lastError: outcome.lastError } : {}),
    });
  }

  return {
    async tick() {
      const active = (await m.listDestinations()).filter((d) => d.status === 'active').map((d) => d.id);
      const leased = await m.leaseDeliveries({ now: clock.now().toISOString(), limit: deps.batch ?? 100, leaseMs: deps.leaseMs ?? 60_000, destinationIds: [TIMELINE_DESTINATION, ...active] });
      let next = 0;
      const lanes = Array.from({ length: Math.min(concurrency, leased.length) }, async () => {
        while (next < leased.length) {
          const delivery = leased[next++] as ClaimedDelivery;
          await attempt(delivery).catch((error: unknown) => deps.logger.error('delivery attempt failed', { delivery: delivery.id, error: error instanceof Error ? error.name : 'unknown' }));
        }
      });
      await Promise.all(lanes);
      return leased.length;
    },
  };
}

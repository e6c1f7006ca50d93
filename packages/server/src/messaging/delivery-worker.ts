/**
 * The delivery worker: leases due deliveries from the outbox (the head of each destination-and-profile
 * queue, so a profile's deliveries leave in order), sends each through its destination's transport and
 * records the outcomes (`delivery-retry.ts`) in one transaction per batch. Any number of workers may run
 * against one store: a lease is held by one worker (PostgreSQL `FOR UPDATE SKIP LOCKED`), and a worker that
 * dies leaves its lease to expire, after which another sends again — at least once, with the same
 * idempotency key.
 */
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { ClaimedDelivery, DeliveryResult, MessagingStore } from '../storage/messaging-store.ts';
import { TIMELINE_DESTINATION } from './journey-advance.ts';
import type { AttemptResult } from './delivery-retry.ts';
import { attemptOutcome } from './delivery-retry.ts';
import type { DeliveryTransport } from './delivery-transports.ts';

/** What the worker needs. */
export interface DeliveryWorkerDeps {
  messaging: MessagingStore;
  transport: DeliveryTransport;
  clock: Clock;
  logger: Logger;
  /** Deliveries leased per pass (default 200). */
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

  return {
    async tick() {
      const destinations = new Map((await m.listDestinations()).filter((d) => d.status === 'active').map((d) => [d.id, d]));
      const leased = await m.leaseDeliveries({ now: clock.now().toISOString(), limit: deps.batch ?? 200, leaseMs: deps.leaseMs ?? 60_000 });
      const results: Array<{ id: string; result: DeliveryResult }> = [];
      const disabled = new Set<string>();
      const record = (delivery: ClaimedDelivery, attempt: AttemptResult) => {
        const outcome = attemptOutcome(delivery.attempts, attempt, clock.now());
        if (outcome.disableDestination) disabled.add(delivery.destinationId);
        results.push({
          id: delivery.id,
          result: {
            status: outcome.status,
            at: clock.now().toISOString(),
            ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
            ...(attempt.status !== undefined ? { lastStatus: attempt.status } : {}),
            ...(outcome.lastError ? { lastError: outcome.lastError } : {}),
          },
        });
      };
      // Kin's own timeline entries go to the ingest path together: one write for the whole batch.
      const timeline = leased.filter((d) => d.destinationId === TIMELINE_DESTINATION);
      if (timeline.length > 0) {
        const attempt = await deps.transport.timeline(timeline);
        for (const d of timeline) record(d, attempt);
      }
      const outward = leased.filter((d) => d.destinationId !== TIMELINE_DESTINATION);
      let next = 0;
      const lanes = Array.from({ length: Math.min(concurrency, outward.length) }, async () => {
        while (next < outward.length) {
          const delivery = outward[next++] as ClaimedDelivery;
          const destination = destinations.get(delivery.destinationId);
          const attempt: AttemptResult = destination
            ? await deps.transport
                .send(destination, delivery)
                .catch((error: unknown) => ({ error: error instanceof Error ? error.name : 'send failed' }))
            : { status: 410, error: 'the destination is gone' };
          record(delivery, attempt);
        }
      });
      await Promise.all(lanes);
      for (const id of disabled) {
        await m.setDestinationStatus(id, 'disabled', '410 Gone');
        deps.logger.warn('destination disabled (410)', { destination: id });
      }
      await m.finishDeliveries(results);
      return leased.length;
    },
  };
}

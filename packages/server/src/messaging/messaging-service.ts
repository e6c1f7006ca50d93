/**
 * Runs journeys and delivery in a process: the journey runner and a delivery worker in one loop that polls
 * every `pollMs` while idle and goes on at once while there is work. `Message Decided` reaches the
 * profile's timeline through the ingest port as events of the `kin-journeys` source (created on first start).
 */
import { createFollowerLoop } from '../pipeline/follower-loop.ts';
import type { Ingestor } from '../pipeline/ingest-port.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { Logger } from '../ports/logger.ts';
import { createSourceWithKey } from '../sources/source-keys.ts';
import type { MessagingStore } from '../storage/messaging-store.ts';
import type { Store } from '../storage/storage.ts';
import type { DeliveryWorker } from './delivery-worker.ts';
import { createDeliveryWorker } from './delivery-worker.ts';
import type { EmailLinkTracker } from '../links/email-links.ts';
import { createDeliveryTransports } from './delivery-transports.ts';
import type { DeliveryTransport } from './delivery-transports.ts';
import type { JourneyRunner } from './journey-runner.ts';
import { createJourneyRunner } from './journey-runner.ts';

/** The source whose events are Kin's own (`Message Decided`). */
export const MESSAGING_SOURCE = 'kin-journeys';

/** A running messaging loop. */
export interface MessagingService {
  runner: JourneyRunner;
  worker: DeliveryWorker;
  /** Runs passes until neither the runner nor the worker has work (tests with a fixed clock call it). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** The id of the `kin-journeys` source, created when missing. */
export async function messagingSourceId(store: Store, at: Date): Promise<string> {
  const found = (await store.listSources()).find((s) => s.name === MESSAGING_SOURCE && !s.revokedAt);
  if (found) return found.id;
  const created = await createSourceWithKey(store, MESSAGING_SOURCE, at);
  if (created) return created.source.id;
  return messagingSourceId(store, at);
}

/** Starts the loop (`pollMs` 0: build it without polling; `settle` still runs it). */
export async function startMessaging(deps: {
  store: Store;
  messaging: MessagingStore;
  ingestor: Ingestor;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  pollMs: number;
  /** Delivery lease (default 60 s). */
  leaseMs?: number;
  /** The destinations' transports (default: the real ones, `delivery-transports.ts`). */
  transport?: DeliveryTransport;
  /** For the real transports: emails' links become tracked links (links/email-links.ts). */
  emailLinks?: EmailLinkTracker;
}): Promise<MessagingService> {
  const timelineSourceId = await messagingSourceId(deps.store, deps.clock.now());
  const transport =
    deps.transport ??
    createDeliveryTransports({
      clock: deps.clock,
      ingestor: deps.ingestor,
      timelineSourceId,
      ...(deps.emailLinks ? { emailLinks: deps.emailLinks } : {}),
    });
  const runner = createJourneyRunner(deps);
  const worker = createDeliveryWorker({
    messaging: deps.messaging,
    transport,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}),
  });
  const pass = async (): Promise<boolean> => {
    const ran = await runner.tick();
    const sent = await worker.tick();
    return ran.events + ran.advanced + sent > 0;
  };
  // No duty pause: on at once while busy, `pollMs` while idle or after a failed pass.
  const loop = createFollowerLoop({
    turn: pass,
    pollMs: deps.pollMs,
    errorPauseMs: deps.pollMs,
    immediateStart: true,
    onError: (error) => deps.logger.error('messaging pass failed', { error: error instanceof Error ? error.name : 'unknown' }),
  });
  if (deps.pollMs > 0) loop.start();

  return {
    runner,
    worker,
    async settle() {
      await loop.drain({ maxTurns: 10_000 });
    },
    async close() {
      await loop.stop();
      await runner.close();
      await transport.close();
    },
  };
}

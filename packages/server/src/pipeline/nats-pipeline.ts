/**
 * The scale-out roles of one process over NATS JetStream: a collector (the HTTP API publishes), a worker
 * (pulls, resolves, writes), or both (`kin serve --pipeline`). `main.ts` and the worker command build
 * them here; both make sure the stream exists.
 */
import type { NatsConnection } from 'nats';
import type { KinConfig } from '../config.ts';
import { reaching } from '../ops/startup-error.ts';
import type { Logger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import type { ResolveDeps } from './event-apply.ts';
import type { NatsCollector } from './nats-collector.ts';
import { createNatsCollector } from './nats-collector.ts';
import { connectNats, ensureStream } from './nats-stream.ts';
import type { FailedEventsCounter } from './nats-dead-letter.ts';
import type { NatsWorker } from './nats-worker.ts';
import { startNatsWorker } from './nats-worker.ts';
import type { PrivacyList } from '../privacy/privacy-list.ts';
import { openNatsPrivacyList, privacyBucketOf } from './nats-privacy-list.ts';
import { createPrivacyGate } from '../privacy/privacy-gate.ts';
import { privacyKeyerFor } from '../privacy/privacy-setup.ts';

/** The running roles. */
export interface NatsPipeline {
  collector: NatsCollector | undefined;
  worker: NatsWorker | undefined;
  /** The privacy list every collector and worker follows (see nats-privacy-list.ts). */
  privacyList: PrivacyList;
  /** NATS connected (and, for a worker, its consumer answers). */
  natsReady(): Promise<boolean>;
  /** Collector first (no new events), then the worker (finishes its batch), then the connection (drained). */
  close(): Promise<void>;
}

/** Connects to `url` and starts the requested roles. */
export async function startNatsPipeline(options: {
  url: string;
  config: Pick<KinConfig, 'nats' | 'db' | 'privacySecret'>;
  store: Store;
  resolve: ResolveDeps;
  logger: Logger;
  roles: { collector: boolean; worker: boolean };
  name: string;
  failedEvents?: FailedEventsCounter;
}): Promise<NatsPipeline> {
  const nc: NatsConnection = await reaching('NATS', options.url, () => connectNats(options.url, options.name));
  try {
    await reaching('NATS JetStream', options.url, () => ensureStream(nc, options.config.nats));
    const collector = options.roles.collector ? createNatsCollector({ nc, nats: options.config.nats, store: options.store }) : undefined;
    // Collectors drop at the edge; workers check again what was published before a person was listed.
    const privacyList = await openNatsPrivacyList({
      nc,
      bucket: privacyBucketOf(options.config.nats.stream),
      logger: options.logger,
      refill: async () => [...new Set((await options.store.privacy.listKeys()).map((k) => k.key))],
    });
    const privacy = options.store.privacy;
    const count = async (n: number) => privacy.countSuppressed(n);
    const gate = createPrivacyGate({
      list: privacyList,
      keyer: privacyKeyerFor({
        db: options.config.db,
        ...(options.config.privacySecret ? { secret: options.config.privacySecret } : {}),
        logger: options.logger,
      }),
      policy: options.resolve.policy,
      normalize: options.resolve.normalize,
      count,
    });
    const worker = options.roles.worker
      ? await startNatsWorker({
          nc,
          nats: options.config.nats,
          store: options.store,
          resolve: options.resolve,
          logger: options.logger,
          privacy: { readable: () => privacyList.readable(), drops: (event) => gate.drops(event), count },
          ...(options.failedEvents ? { failedEvents: options.failedEvents } : {}),
        })
      : undefined;
    return {
      collector,
      worker,
      privacyList,
      async natsReady() {
        if (nc.isClosed()) return false;
        if (collector && !collector.connected()) return false;
        if (!privacyList.readable()) return false;
        try {
          await nc.flush();
          return worker ? (await worker.lag()) !== undefined : true;
        } catch {
          return false;
        }
      },
      async close() {
        await collector?.close();
        await privacyList.close();
        await worker?.close();
        await nc.drain().catch(() => undefined);
      },
    };
  } catch (error) {
    await nc.close().catch(() => undefined);
    throw error;
  }
}

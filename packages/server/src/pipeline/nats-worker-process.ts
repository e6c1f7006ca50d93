/**
 * Composition of a worker process (`kin worker`): config -> store -> metrics -> worker -> ops server.
 * Like `main.ts` for the API processes; a worker has no API, only /health, /ready and /metrics.
 */
import type { KinConfig } from '../config.ts';
import { loadPolicy, resolveDepsFor } from '../identity/policy-load.ts';
import { createKinMetrics, instrumentStore } from '../ops/kin-metrics.ts';
import { metricsTokenHashes, serveWorkerOps, storeReachable } from '../ops/ops-routes.ts';
import type { Clock } from '../ports/clock.ts';
import { systemClock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import { createJsonLogger } from '../ports/logger.ts';
import type { StoreKind } from '../storage/store-ingestor.ts';
import { openStore, storeKind } from '../storage/store-open.ts';
import type { NatsPipeline } from './nats-pipeline.ts';
import { startNatsPipeline } from './nats-pipeline.ts';

/** A running worker process. */
export interface RunningWorker {
  /** Base URL of the ops endpoints. */
  url: string;
  /** Which database the worker writes to (for the start line). */
  storeKind: StoreKind;
  pipeline: NatsPipeline;
  /** Stops fetching, commits and acks the batch in hand, closes NATS and the store. */
  close(): Promise<void>;
}

/** Starts a worker with its ops server. */
export async function startKinWorker(options: { config: Readonly<KinConfig>; logger?: Logger; clock?: Clock }): Promise<RunningWorker> {
  const { config } = options;
  if (!config.pipeline) throw new Error('a worker needs config.pipeline (a nats:// URL)');
  const logger = options.logger ?? createJsonLogger();
  const policy = loadPolicy(config.policyFile);
  let pipeline: NatsPipeline | undefined;
  const metrics = createKinMetrics({ consumerLag: async () => pipeline?.worker?.lag() });
  const rawStore = await openStore(config.db, config.privacySecret ? { privacySecret: config.privacySecret } : {});
  const store = instrumentStore(rawStore, metrics, options.clock ?? systemClock);
  try {
    pipeline = await startNatsPipeline({
      url: config.pipeline,
      config,
      store,
      resolve: resolveDepsFor(policy, store),
      logger,
      roles: { collector: false, worker: true },
      name: 'kin-worker',
      failedEvents: metrics.failedEvents,
    });
  } catch (error) {
    await rawStore.close();
    throw error;
  }
  const running = pipeline;
  const ops = await serveWorkerOps({
    port: config.port,
    host: config.host,
    metrics,
    tokenHashes: metricsTokenHashes([config.metricsToken, config.adminToken]),
    server: config.server,
    ready: async () => {
      if (!(await storeReachable(store))) return 'the store does not answer';
      if (!(await running.natsReady())) return 'the event stream does not answer';
      return (await running.worker?.stuck()) ?? true;
    },
  }).catch(async (error: unknown) => {
    await running.close();
    await rawStore.close();
    throw error;
  });
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  logger.info('kin worker started', { port: ops.port, store: storeKind(config.db), stream: config.nats.stream });
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${ops.port}`,
    storeKind: storeKind(config.db),
    pipeline: running,
    close() {
      closing ??= (async () => {
        await running.close();
        await new Promise<void>((done) => ops.server.close(() => done()));
        await rawStore.close();
      })();
      return closing;
    },
  };
}

/**
 * Composition root: config -> ports -> store -> pipeline -> app -> listen. Only this file (and test
 * harnesses) builds adapters.
 */
import type { AddressInfo } from 'node:net';
import type { KinConfig } from './config.ts';
import type { KinApp } from './http/app.ts';
import { adminReadThread } from './http/admin-read-thread.ts';
import { createApp } from './http/app.ts';
import { startMessaging } from './messaging/messaging-service.ts';
import { userDeletedDownstream } from './messaging/user-deleted.ts';
import { createAudienceEngine } from './audiences/audience-engine.ts';
import { audienceThread } from './audiences/audience-thread.ts';
import { applyMatchSwitch, createMatchFollower, type MatchFollower } from './matching/match-follower.ts';
import type { Admission } from './http/admission-control.ts';
import { createAdmission } from './http/admission-control.ts';
import { listen } from './http/server-listen.ts';
import { createSourceAuth } from './http/auth.ts';
import { loadPolicy, resolveDepsFor } from './identity/policy-load.ts';
import { createIdentityVerifier } from './identity/identity-verify.ts';
import type { Clock } from './ports/clock.ts';
import { systemClock } from './ports/clock.ts';
import type { IdGenerator } from './ports/ids.ts';
import { createIdGenerator } from './ports/ids.ts';
import type { Logger } from './ports/logger.ts';
import { createJsonLogger } from './ports/logger.ts';
import type { FirstStart } from './sources/credentials.ts';
import { ensureCredentials } from './sources/credentials.ts';
import type { Store } from './storage/storage.ts';
import { openStoreWithIngestor } from './storage/store-open.ts';
import type { StoreKind, StoreWritePath } from './storage/store-ingestor.ts';
import { sameThreadWritePath } from './storage/store-ingestor.ts';
import { countIngest, createKinMetrics, instrumentIngestor, instrumentStore } from './ops/kin-metrics.ts';
import { metricsTokenHashes, mountMetrics, storeReachable } from './ops/ops-routes.ts';
import { guardStore } from './ops/service-unavailable.ts';
import { startRetentionPrune } from './ops/retention-prune.ts';
import type { NatsPipeline } from './pipeline/nats-pipeline.ts';
import { startNatsPipeline } from './pipeline/nats-pipeline.ts';
import { startPrivacy } from './privacy/privacy-setup.ts';
import { createEmailLinkTracker } from './links/email-links.ts';
import { createClickQueue } from './links/link-click-queue.ts';
import type { LinkHit } from './links/link-events.ts';
import { createServerWithLinks } from './links/link-fast-path.ts';
import { createLinkService } from './links/link-service.ts';

/** A running Kin. */
export interface RunningKin {
  url: string;
  port: number;
  store: Store;
  /** Which database the store is (for the start line). */
  storeKind: StoreKind;
  app: KinApp;
  /** What first start created (admin token, first write key), to be shown once. */
  firstStart: FirstStart | undefined;
  /** Incremental matching (absent on a collector); tests drain it. */
  matcher?: MatchFollower;
  /** Stops accepting, drains in-flight work, closes the store. */
  close(): Promise<void>;
}

/** Starts Kin in one process (embedded mode). */
export async function startKin(options: {
  config: Readonly<KinConfig>;
  logger?: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Mounts extra routes (dashboard, SDK) — passed by the CLI so tests can start a bare API. */
  extra?: (app: KinApp) => void;
  /** With `config.pipeline`: `collector` runs no worker (`kin collect`); default both. */
  role?: 'all' | 'collector';
}): Promise<RunningKin> {
  const { config } = options;
  const logger = options.logger ?? createJsonLogger();
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? createIdGenerator();
  const policy = loadPolicy(config.policyFile);
  let pipeline: NatsPipeline | undefined;
  // The admission gate reports refusals to the metrics, which read its in-flight figures at scrape time.
  const admission: Admission = createAdmission(
    { ...config.admission, maxRequestBytes: config.limits.maxRequestBytes },
    { refused: () => metrics.overloaded.inc() },
  );
  const metrics = createKinMetrics({
    consumerLag: async () => pipeline?.worker?.lag(),
    inFlight: () => admission.inFlight(),
    matchTotals: () => matcher?.stats,
  });
  const opened = await openStoreWithIngestor(config.db, {
    dedupMemory: config.dedupMemory,
    timelineTail: config.timelineTail,
    ingestThread: config.ingestThread,
    ...(config.privacySecret ? { privacySecret: config.privacySecret } : {}),
  });
  const store = instrumentStore(guardStore(opened.store), metrics, clock);
  const resolveDeps = resolveDepsFor(policy, store);
  const { normalize, sourceRegions } = resolveDeps;
  const { adminTokenHash, created } = await ensureCredentials({
    db: config.db,
    store,
    adminToken: config.adminToken,
    declaredKeys: config.writeKeys,
    now: clock.now(),
    logger,
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  if (config.pipeline) {
    const roles = { collector: true, worker: options.role !== 'collector' };
    pipeline = await startNatsPipeline({
      url: config.pipeline,
      config,
      store,
      resolve: resolveDeps,
      logger,
      roles,
      name: 'kin',
      failedEvents: metrics.failedEvents,
    }).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
  }
  // The NATS collector publishes; without one the store builds its own write path (the SQLite file's writer
  // thread, else group commit), asked nothing about which database it is.
  const writePath: StoreWritePath = pipeline?.collector
    ? sameThreadWritePath(pipeline.collector, resolveDeps)
    : await opened
        .createIngestor({
          store,
          resolve: resolveDeps,
          groupCommit: config.groupCommit,
          onCommit: ({ merges }) => metrics.merges.inc(merges),
          onDeath: (error, deathsInARow) =>
            logger.error('the ingest writer thread died; starting another', { error: `${error.name}: ${error.message}`, deathsInARow }),
        })
        .catch(async (error: unknown) => {
          await store.close();
          throw error;
        });
  const ingestor = instrumentIngestor(writePath.ingestor, metrics, { clock, resolution: writePath.offThread });
  // The dashboard's heavy reads run on a read thread, never on the HTTP thread's loop (a SQLite file or PostgreSQL).
  const reads = opened.sharedWithThreads
    ? adminReadThread({ dbPath: config.db, policy, analyticsTimeoutMs: config.analytics.timeoutMs })
    : undefined;
  const auth = createSourceAuth(store, clock);
  const privacy = await startPrivacy({
    store,
    db: config.db,
    ...(config.privacySecret ? { secret: config.privacySecret } : {}),
    ...(pipeline?.privacyList ? { list: pipeline.privacyList } : {}),
    downstream: userDeletedDownstream({ store, messaging: store.messaging, clock, ids }),
    policy,
    normalize,
    clock,
    ids,
    logger,
  });
  // Hits go to the write path, which makes their events (a writer thread: there, as they cross; else here),
  // counted as instrumentIngestor counts submissions (countIngest).
  const linkClicks = createClickQueue({
    logger,
    handOver: (hits: LinkHit[]) => countIngest(metrics, hits.length, () => writePath.linkHits(hits)),
  });
  const linkService = createLinkService({ store, links: store.links, clock, ids, config: config.links, clicks: linkClicks, normalize });
  // Computed traits and audiences follow the committed events off the write path (audience-engine.ts), on a
  // thread of their own for a database another thread can open, on the system clock (audience-thread.ts).
  const audiences =
    opened.sharedWithThreads && clock === systemClock
      ? audienceThread(
          { db: config.db, tuning: { dedupMemory: config.dedupMemory, timelineTail: config.timelineTail } },
          logger,
          writePath.planned,
        )
      : createAudienceEngine({ store, clock, logger });
  audiences.start();
  // Incremental matching follows the profiles the write path re-keyed, off the write path (match-follower.ts).
  // Its switch is the database's, read by every writer; a server sets it to its policy's at start.
  const matcher =
    options.role === 'collector'
      ? undefined
      : createMatchFollower({ store, policy, clock, ids, logger, onMerged: (ids) => audiences.profilesChanged(ids) });
  if (matcher) await applyMatchSwitch(store, policy);
  matcher?.start();
  const app = createApp({
    linksConfig: config.links,
    linkClicks,
    linkService,
    config,
    store,
    ingestor,
    auth,
    adminTokenHash,
    admission,
    onClientAbort: () => metrics.clientAborts.inc(),
    onRateLimited: (limit, count) => metrics.rateLimited.inc({ limit }, count),
    clock,
    ids,
    logger,
    normalize,
    policy,
    ...(sourceRegions ? { sourceRegions } : {}),
    verifier: createIdentityVerifier(policy),
    ...(reads ? { reads } : {}),
    privacy,
    audiences,
    ready: async () => (await storeReachable(store)) && (pipeline ? await pipeline.natsReady() : true) && writePath.ready(),
    extra: (app) => {
      mountMetrics(app, metrics, [adminTokenHash, ...metricsTokenHashes([config.metricsToken])]);
      options.extra?.(app);
    },
  });

  // The origin of tracked links in emails when KIN_LINKS_BASE_URL is not set: this server's, once it listens.
  const listening: { origin?: string } = {};
  // Journeys and delivery run beside the API (not in extra collectors of a pipeline: `role: 'collector'`).
  const messaging =
    config.messagingPollMs > 0 && options.role !== 'collector'
      ? await startMessaging({
          store,
          messaging: store.messaging,
          ingestor,
          clock,
          ids,
          logger,
          pollMs: config.messagingPollMs,
          leaseMs: config.deliveryLeaseSeconds * 1000,
          emailLinks: createEmailLinkTracker({ service: linkService, origin: () => config.links.baseUrl ?? listening.origin, normalize }),
        })
      : undefined;

  const stopPrune = startRetentionPrune({
    store,
    clock,
    logger,
    dedupWindowDays: config.dedupWindowDays,
    warningsRetentionDays: config.warningsRetentionDays,
  });

  // Stops the work beside the HTTP server: what feeds the write path first, the store last.
  const stopWork = async (): Promise<void> => {
    stopPrune();
    await messaging?.close();
    await linkClicks.close();
    await matcher?.stop();
    await audiences.stop();
    await ingestor.close();
    await reads?.close();
    await pipeline?.close();
    await store.close();
  };

  const server = await listen({ fetch: app.fetch, config, createServer: createServerWithLinks(linkService, logger) }).catch(
    async (error: unknown) => {
      await stopWork();
      throw error;
    },
  );
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  listening.origin = `http://${host}:${port}`;
  logger.info('kin started', { port, store: opened.kind });

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    storeKind: opened.kind,
    app,
    firstStart: created,
    ...(matcher ? { matcher } : {}),
    close() {
      closing ??= (async () => {
        stopPrune();
        await new Promise<void>((done) => {
          server.close(() => done());
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        });
        await stopWork();
      })();
      return closing;
    },
  };
}

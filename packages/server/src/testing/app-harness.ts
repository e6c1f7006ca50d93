/**
 * In-process test harness: the real Hono app over an in-memory SQLite store and the same-thread
 * group-commit ingestor, called through `app.request()` — no socket, no writer thread, no temporary
 * file. Use it for breadth (each route's happy, error and security cases); use `kin-harness.ts` (real
 * socket, writer thread) for the end-to-end paths.
 */
import { parseConfig } from '../config.ts';
import type { KinApp } from '../http/app.ts';
import { createApp } from '../http/app.ts';
import { createAdmission } from '../http/admission-control.ts';
import { createSourceAuth } from '../http/auth.ts';
import { hashSecret } from '../http/secret-compare.ts';
import { createIdentityVerifier } from '../identity/identity-verify.ts';
import { loadPolicy, normalizerFor } from '../identity/policy-load.ts';
import { createGroupCommitIngestor } from '../pipeline/group-commit.ts';
import type { Ingestor } from '../pipeline/ingest-port.ts';
import type { Clock } from '../ports/clock.ts';
import { systemClock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import { createIdGenerator } from '../ports/ids.ts';
import { memoryLogger } from '../ports/logger.ts';
import { createSourceWithKey } from '../sources/source-keys.ts';
import type { Store } from '../storage/storage.ts';
import type { AudienceEngine } from '../audiences/audience-engine.ts';
import { createAudienceEngine } from '../audiences/audience-engine.ts';
import { openStore } from '../storage/store-open.ts';
import { userDeletedDownstream } from '../messaging/user-deleted.ts';
import type { KinPrivacy } from '../privacy/privacy-setup.ts';
import { startPrivacy } from '../privacy/privacy-setup.ts';

/** An in-process Kin for tests. */
export interface TestApp {
  app: KinApp;
  store: Store;
  /** The app's ingest path (journeys write `Message Decided` through it). */
  ingestor: Ingestor;
  adminToken: string;
  writeKey: string;
  logLines: string[];
  /** The computed-trait and audience evaluator, not started: tests call `drain()`. */
  audiences: AudienceEngine;
  /** The privacy service, gate and list the app uses. */
  privacy: KinPrivacy;
  /** A request with the admin token. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** POST JSON to a tracking route with the write key as HTTP Basic user. */
  track(path: string, body: unknown, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Builds the app over a fresh in-memory store, with one source (`web`) and a known admin token. */
export async function createTestApp(
  options: { clock?: Clock; ids?: IdGenerator; env?: Record<string, string>; extra?: (app: KinApp) => void } = {},
): Promise<TestApp> {
  const adminToken = 'test-admin-token-0123456789';
  const config = parseConfig({ KIN_DB: ':memory:', KIN_ADMIN_TOKEN: adminToken, ...options.env });
  const clock = options.clock ?? systemClock;
  const logger = memoryLogger();
  const policy = loadPolicy(config.policyFile);
  const normalize = normalizerFor(policy);
  const store = await openStore(':memory:', { dedupMemory: config.dedupMemory, timelineTail: config.timelineTail });
  const writeKey = 'test-write-key-web-0123';
  await createSourceWithKey(store, 'web', clock.now(), writeKey);
  const ingestor = createGroupCommitIngestor({ store, policy, normalize });
  const ids = options.ids ?? createIdGenerator();
  const downstream = { downstream: userDeletedDownstream({ store, messaging: store.messaging, clock, ids }) };
  const privacy = await startPrivacy({ store, db: ':memory:', policy, normalize, clock, ids, logger, ...downstream });
  const audiences = createAudienceEngine({ store, clock, logger });
  const app = createApp({
    config,
    store,
    ingestor,
    auth: createSourceAuth(store, clock),
    adminTokenHash: hashSecret(adminToken),
    admission: createAdmission({ ...config.admission, maxRequestBytes: config.limits.maxRequestBytes }, { refused: () => {} }),
    clock,
    ids,
    logger,
    privacy,
    normalize,
    policy,
    verifier: createIdentityVerifier(policy),
    ...(options.extra ? { extra: options.extra } : {}),
    linksConfig: config.links,
    audiences,
  });
  const basic = 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
  return {
    app,
    store,
    ingestor,
    adminToken,
    writeKey,
    logLines: logger.lines,
    audiences,
    privacy,
    admin: async (path, init = {}) =>
      app.request(path, { ...init, headers: { authorization: `Bearer ${adminToken}`, ...(init.headers as Record<string, string>) } }),
    track: async (path, body, init = {}) =>
      app.request(path, {
        method: 'POST',
        body: JSON.stringify(body),
        ...init,
        headers: { authorization: basic, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
      }),
    async close() {
      await audiences.stop();
      await ingestor.close();
      await store.close();
    },
  };
}

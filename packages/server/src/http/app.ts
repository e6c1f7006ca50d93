/**
 * The HTTP application: tracking routes (write keys), admin routes (admin token), health, one error handler.
 * Why route patterns in logs: a request path can hold an email (`/v1/profiles/email:…`); logs carry the
 * matched pattern, the status and timings, never paths, payloads, tokens or keys.
 *
 * Why CORS on the tracking routes only: browsers on shop origins post events there; the admin API is read
 * by the dashboard from Kin's own origin, so no other origin may read it (no `Access-Control-Allow-Origin`).
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { KinConfig } from '../config.ts';
import type { Ingestor } from '../pipeline/ingest-port.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { Logger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import { adminRoutes } from './admin-routes.ts';
import type { SourceAuth } from './auth.ts';
import { accessGuard } from './access-guard.ts';
import { auditRoutes } from './audit-routes.ts';
import { publicRoute } from './route-scope.ts';
import { createTokenAuth } from './token-auth.ts';
import { tokenRoutes } from './token-routes.ts';
import type { Admission } from './admission-control.ts';
import { ApiError, statusOf } from './error-catalog.ts';
import { ClientAbortError } from './request-body.ts';
import { securityHeaders } from './security-headers.ts';
import { insightRoutes } from './insight-routes.ts';
import { analyticsRoutes } from './analytics-routes.ts';
import { identityRoutes } from './identity-routes.ts';
import type { IdentityPolicy } from '@kin/core';
import { DEFAULT_POLICY } from '@kin/core';
import { HEAVY_ADMIN_PATHS, createAdminLimits } from '../limits/admin-limits.ts';
import { createWriteKeyLimits } from '../limits/write-key-limits.ts';
import type { IdentityVerifier } from '../identity/identity-verify.ts';
import type { SourceRegions } from '../identity/source-regions.ts';
import { messagingRoutes } from './messaging-routes.ts';
import { importRoutes } from './import-routes.ts';
import { reviewRoutes } from './review-routes.ts';
import { profileRoutes } from './profile-routes.ts';
import { privacyRoutes } from './privacy-routes.ts';
import type { PrivacyGate } from '../privacy/privacy-gate.ts';
import type { PrivacyService } from '../privacy/privacy-requests.ts';
import { audienceRoutes } from './audience-routes.ts';
import type { AudienceEngine } from '../audiences/audience-engine.ts';
import type { AdminReads } from './admin-reads.ts';
import { inlineAdminReads } from './admin-reads.ts';
import { TRACKING_PATHS, trackingRoutes } from './tracking-routes.ts';
import { linkRoutes } from './link-routes.ts';
import type { ClickQueue } from '../links/link-click-queue.ts';
import type { LinkService } from '../links/link-service.ts';
import type { LinksConfig } from '../config.ts';

/** Everything the app is built from (the composition root passes it). */
export interface AppDeps {
  config: Pick<KinConfig, 'limits' | 'rateLimits'> & Partial<Pick<KinConfig, 'analytics'>>;
  /** Ingest admission on the tracking routes (built by the composition root, which also reads its load). */
  admission: Admission;
  /** Called with what a rate limit refused: write-key events, or one admin request (a metric). */
  onRateLimited?: (limit: 'events' | 'admin' | 'admin-heavy', count: number) => void;
  /** Called once per request whose client closed the connection mid-body (a metric; never an error line). */
  onClientAbort?: () => void;
  store: Store;
  ingestor: Ingestor;
  auth: SourceAuth;
  adminTokenHash: string;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  normalize: (type: string, raw: unknown) => string | undefined;
  /** The identity policy (dry-run, undo, split); the defaults when absent. */
  policy?: IdentityPolicy;
  /** Per-source phone regions (undo and split replays); absent when no source has one. */
  sourceRegions?: SourceRegions;
  /** Identity verification per source (policy `sources`); none when absent. */
  verifier?: IdentityVerifier;
  /** The dashboard's heavy reads; inline when absent (embedded mode passes the read thread, admin-read-thread.ts). */
  reads?: AdminReads;
  /** Privacy requests and the edge that drops deleted and suppressed people's events (absent: no privacy routes). */
  privacy?: { service: PrivacyService; gate: PrivacyGate };
  /** Readiness check beyond "the process answers" (e.g. database and NATS reachable). */
  ready?: () => Promise<boolean>;
  /** Tracked links: their configuration, and the click queue the composition root drains on stop. */
  linksConfig?: LinksConfig;
  linkClicks?: ClickQueue;
  linkService?: LinkService;
  /** The computed-trait and audience evaluator (audience-engine.ts); its routes answer 501 without it. */
  audiences?: AudienceEngine;
  /** Extra routes mounted last (SDK bundle, dashboard, metrics). */
  extra?: (app: KinApp) => void;
}

/** The app's context variables (the access guard adds `principal` and `auditTarget`, see access-guard.ts). */
export type AppEnv = { Variables: { requestId: string } };

/** The Kin HTTP app. */
export type KinApp = Hono<AppEnv>;

/** Builds the app. */
export function createApp(deps: AppDeps): KinApp {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const requestId = deps.ids.requestId();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    await next();
  });

  app.use('*', securityHeaders);

  const trackingCors = cors({
    origin: '*',
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Content-Encoding'],
    maxAge: 86400,
  });
  for (const path of TRACKING_PATHS) {
    app.use(path, trackingCors);
    app.use(path, (c, next) => (c.req.method === 'POST' ? deps.admission.middleware(c, next) : next()));
  }

  // Rate limits per admin token (limits/admin-limits.ts): heavy routes are marked first, then counted once the
  // guard has found who calls.
  const onRefused = deps.onRateLimited;
  const adminLimits = createAdminLimits({ config: deps.config.rateLimits, clock: deps.clock, ...(onRefused ? { onRefused } : {}) });
  for (const path of HEAVY_ADMIN_PATHS) app.use(path, adminLimits.markHeavy);
  // Every route declares who may call it (route-scope.ts); the guard enforces it and audits writes (docs/access.md).
  const authenticate = createTokenAuth({ tokens: deps.store.tokens, adminTokenHash: deps.adminTokenHash, clock: deps.clock });
  const maxHashedBodyBytes = deps.config.limits.maxAdminBodyBytes;
  app.use(
    '*',
    accessGuard({
      authenticate,
      audit: deps.store.audit,
      clock: deps.clock,
      logger: deps.logger,
      targetKey: deps.adminTokenHash,
      maxHashedBodyBytes,
    }),
  );
  app.use('*', (c, next) => (c.get('principal') ? adminLimits.count(c, next) : next()));

  app.get('/health', publicRoute, (c) => c.json({ status: 'ok' }));
  app.get('/ready', publicRoute, async (c) => {
    const ok = deps.ready ? await deps.ready().catch(() => false) : true;
    return c.json({ status: ok ? 'ready' : 'not_ready' }, ok ? 200 : 503);
  });

  const policy = deps.policy ?? DEFAULT_POLICY;
  const rateLimits = createWriteKeyLimits({
    config: deps.config.rateLimits,
    policy,
    clock: deps.clock,
    ...(onRefused ? { onRefused } : {}),
  });
  app.route(
    '/',
    trackingRoutes({
      ...deps,
      limits: deps.config.limits,
      ipMode: policy.privacy.ip,
      rateLimits,
      ...(deps.privacy ? { privacyGate: deps.privacy.gate } : {}),
    }),
  );
  const maxBodyBytes = deps.config.limits.maxAdminBodyBytes;
  app.route('/', identityRoutes({ ...deps, maxEventBytes: deps.config.limits.maxEventBytes, maxBodyBytes }));
  const reads =
    deps.reads ?? inlineAdminReads({ ...deps, ...(deps.config.analytics ? { analyticsTimeoutMs: deps.config.analytics.timeoutMs } : {}) });
  app.route('/', profileRoutes({ ...deps, reads }));
  app.route('/', adminRoutes({ ...deps, maxBodyBytes }));
  app.route('/', insightRoutes({ ...deps, reads }));
  app.route('/', importRoutes(deps));
  app.route('/', reviewRoutes({ ...deps, maxBodyBytes }));
  app.route('/', messagingRoutes({ ...deps, maxBodyBytes }));
  if (deps.privacy) app.route('/', privacyRoutes({ ...deps, privacy: deps.privacy.service, maxBodyBytes }));
  app.route('/', tokenRoutes({ ...deps, maxBodyBytes }));
  app.route('/', auditRoutes(deps));
  app.route('/', linkRoutes({ ...deps, maxBodyBytes }));
  app.route('/', audienceRoutes({ ...deps, maxBodyBytes }));
  app.route('/', analyticsRoutes({ reads, maxBodyBytes }));
  deps.extra?.(app);

  app.notFound((c) => c.json(new ApiError('not_found', 'no such route').body(c.get('requestId')), 404));
  app.onError((error, c) => {
    const requestId = c.get('requestId');
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
      return c.json(error.body(requestId), statusOf(error.code));
    }
    // A client that went away mid-body (whatever then failed: a JSON read, an import stream) is not a fault of
    // Kin. Nobody reads this answer; the count is what an operator needs (kin_http_client_aborts_total).
    if (error instanceof ClientAbortError || c.req.raw.signal.aborted) {
      deps.onClientAbort?.();
      return c.json(new ApiError('invalid_json', 'the client closed the connection before the request body ended').body(requestId), 400);
    }
    deps.logger.error('unexpected error', { route: c.req.routePath, requestId, error: error instanceof Error ? error.name : 'unknown' });
    return c.json(new ApiError('internal_error', 'internal error').body(requestId), 500);
  });
  return app;
}

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
import { requireAdmin } from './auth.ts';
import type { Admission } from './admission-control.ts';
import { ApiError, statusOf } from './error-catalog.ts';
import { ClientAbortError } from './request-body.ts';
import { securityHeaders } from './security-headers.ts';
import { INSIGHT_PATHS, insightRoutes } from './insight-routes.ts';
import { IDENTITY_ADMIN_PATHS, identityRoutes } from './identity-routes.ts';
import type { IdentityPolicy } from '@kin/core';
import type { IdentityVerifier } from '../identity/identity-verify.ts';
import type { SourceRegions } from '../identity/source-regions.ts';
import { IMPORT_PATHS, importRoutes } from './import-routes.ts';
import { REVIEW_PATHS, reviewRoutes } from './review-routes.ts';
import { MESSAGING_PATHS, messagingRoutes } from './messaging-routes.ts';
import { profileRoutes } from './profile-routes.ts';
import type { AdminReads } from './admin-reads.ts';
import { inlineAdminReads } from './admin-reads.ts';
import { TRACKING_PATHS, trackingRoutes } from './tracking-routes.ts';

/** Everything the app is built from (the composition root passes it). */
export interface AppDeps {
  config: Pick<KinConfig, 'limits'>;
  /** Ingest admission on the tracking routes (built by the composition root, which also reads its load). */
  admission: Admission;
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
  /** Readiness check beyond "the process answers" (e.g. database and NATS reachable). */
  ready?: () => Promise<boolean>;
  /** Extra routes mounted last (SDK bundle, dashboard, metrics). */
  extra?: (app: KinApp) => void;
}

/** The app's context variables. */
export type AppEnv = { Variables: { requestId: string } };

/** The Kin HTTP app. */
export type KinApp = Hono<AppEnv>;

/** Paths that need the admin token. */
export const ADMIN_PATHS = ['/v1/profiles/*', '/v1/stats', '/v1/warnings', '/v1/sources', '/v1/sources/*', ...INSIGHT_PATHS, ...IMPORT_PATHS, ...IDENTITY_ADMIN_PATHS, ...REVIEW_PATHS, ...MESSAGING_PATHS];

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

  const trackingCors = cors({ origin: '*', allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Authorization', 'Content-Type', 'Content-Encoding'], maxAge: 86400 });
  for (const path of TRACKING_PATHS) {
    app.use(path, trackingCors);
    app.on('POST', path, deps.admission.middleware);
  }

  const guard = requireAdmin(deps.adminTokenHash);
  for (const path of ADMIN_PATHS) app.use(path, guard);

  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    const ok = deps.ready ? await deps.ready().catch(() => false) : true;
    return c.json({ status: ok ? 'ready' : 'not_ready' }, ok ? 200 : 503);
  });

  app.route('/', trackingRoutes({ ...deps, limits: deps.config.limits }));
  const maxBodyBytes = deps.config.limits.maxAdminBodyBytes;
  app.route('/', identityRoutes({ ...deps, maxEventBytes: deps.config.limits.maxEventBytes, maxBodyBytes }));
  const reads = deps.reads ?? inlineAdminReads(deps);
  app.route('/', profileRoutes({ ...deps, reads }));
  app.route('/', adminRoutes({ ...deps, maxBodyBytes }));
  app.route('/', insightRoutes({ ...deps, reads }));
  app.route('/', importRoutes(deps));
  app.route('/', reviewRoutes({ ...deps, maxBodyBytes }));
  app.route('/', messagingRoutes({ ...deps, maxBodyBytes }));
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

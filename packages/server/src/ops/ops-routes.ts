/**
 * Operations endpoints. `/health` and `/ready` are in app.ts for the API processes; this module adds
 * `/metrics` there, and serves all three for a worker, which has no API.
 *
 * Why `/metrics` needs a token: metric labels and counts describe traffic per process, and a scrape
 * endpoint open to the internet invites load. It accepts `KIN_METRICS_TOKEN` (give Prometheus this one,
 * not the admin token: it can read nothing else) or the admin token.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KinConfig } from '../config.ts';
import type { KinApp } from '../http/app.ts';
import { DEFAULT_SECURITY_HEADERS } from '../http/security-headers.ts';
import { capConnections, serverOptionsOf } from '../http/server-options.ts';
import { ApiError } from '../http/error-catalog.ts';
import { hashSecret, secretMatches } from '../http/secret-compare.ts';
import type { Store } from '../storage/storage.ts';
import type { KinMetrics } from './kin-metrics.ts';
import { cannotListen } from './startup-error.ts';
import { publicRoute } from '../http/route-scope.ts';

/** True when the store answers a trivial indexed query (readiness; the hash matches no key). */
export async function storeReachable(store: Store): Promise<boolean> {
  try {
    await store.findSourceByKeyHash('readiness-check');
    return true;
  } catch {
    return false;
  }
}

/** Hashes of the tokens `/metrics` accepts. */
export function metricsTokenHashes(tokens: Array<string | undefined>): string[] {
  return tokens.filter((t): t is string => Boolean(t)).map(hashSecret);
}

function bearerMatches(header: string | undefined, hashes: string[]): boolean {
  const value = header ?? '';
  const token = value.toLowerCase().startsWith('bearer ') ? value.slice(7).trim() : '';
  return token !== '' && hashes.some((hash) => secretMatches(token, hash));
}

/** Mounts `GET /metrics` (Prometheus text format) on the API app. */
export function mountMetrics(app: KinApp, metrics: KinMetrics, tokenHashes: string[]): void {
  app.get('/metrics', publicRoute, async (c) => {
    if (!bearerMatches(c.req.header('authorization'), tokenHashes)) {
      throw new ApiError('unauthorized', '/metrics needs the metrics token or the admin token (Authorization: Bearer …)');
    }
    return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  });
}

/** A worker's HTTP server: `/health`, `/ready` (store and NATS) and `/metrics`. */
export async function serveWorkerOps(options: {
  port: number;
  host: string;
  metrics: KinMetrics;
  tokenHashes: string[];
  /** `true` when ready, else why not (shown in the 503 body). */
  ready: () => Promise<true | string>;
  /** Connection cap and timeouts (as the API server's). */
  server: KinConfig['server'];
}): Promise<{ server: Server; port: number }> {
  const server = createServer(serverOptionsOf(options.server), (req, res) => {
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { ...DEFAULT_SECURITY_HEADERS, 'content-type': type });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, JSON.stringify({ error: { code: 'method_not_allowed', message: 'GET only' } }));
    if (path === '/health') return send(200, JSON.stringify({ status: 'ok' }));
    if (path === '/ready') {
      void options.ready().then(
        (ready) =>
          send(ready === true ? 200 : 503, JSON.stringify(ready === true ? { status: 'ready' } : { status: 'not_ready', reason: ready })),
        () => send(503, JSON.stringify({ status: 'not_ready' })),
      );
      return;
    }
    if (path === '/metrics') {
      if (!bearerMatches(req.headers.authorization, options.tokenHashes)) {
        return send(
          401,
          JSON.stringify({ error: { code: 'unauthorized', message: '/metrics needs the metrics token or the admin token' } }),
        );
      }
      void options.metrics.registry.metrics().then(
        (text) => send(200, text, options.metrics.registry.contentType),
        () => send(500, JSON.stringify({ error: { code: 'internal_error', message: 'metrics failed' } })),
      );
      return;
    }
    send(404, JSON.stringify({ error: { code: 'not_found', message: 'no such route' } }));
  });
  capConnections(server, options.server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(cannotListen(options.host, options.port, error)));
    server.listen(options.port, options.host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

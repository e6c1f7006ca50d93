/**
 * The redirect on node:http directly: `GET|HEAD /l/{code}` is answered before the request reaches Hono (no
 * Request/Response objects, no middleware chain), every other request goes to the app's listener. Why: a
 * redirect is the hottest and simplest route Kin has, and the web-standard adapter cost several times the
 * redirect itself (see docs/links.md, bench:links). The Hono route in http/link-routes.ts answers the same
 * through the same service for in-process callers (`app.request`).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, ServerOptions, ServerResponse } from 'node:http';
import type { Logger } from '../ports/logger.ts';
import type { LinkService } from './link-service.ts';

const CODE = /^[A-Za-z0-9_-]{1,64}$/;
const PLAIN_TOKEN = /^r=[A-Za-z0-9_.-]{1,128}$/;
// The answer's headers beside Location: no caching (each click counts), and no Referer to the destination
// (the URL holds the recipient token). A flat list (name, value, …): node:http takes it as it is.
const REDIRECT_HEADERS = [
  'cache-control',
  'no-store',
  'referrer-policy',
  'no-referrer',
  'x-content-type-options',
  'nosniff',
  'content-length',
  '0',
];

function redirect(res: ServerResponse, target: string): void {
  res.writeHead(302, ['location', target, ...REDIRECT_HEADERS]);
  res.end();
}

function answerJson(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify({ error: { code, message, field: 'code' } }));
}

function failed(res: ServerResponse, logger: Logger, error: unknown): void {
  logger.error('link redirect failed', { route: '/l/:code', error: error instanceof Error ? error.name : 'unknown' });
  answerJson(res, 503, 'service_unavailable', 'the link could not be read; try again');
}

/** Handles a link request, or answers `false` so the app takes it. */
function handleLink(req: IncomingMessage, res: ServerResponse, service: LinkService, logger: Logger): boolean {
  const url = req.url ?? '';
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !url.startsWith('/l/')) return false;
  const q = url.indexOf('?');
  const code = url.slice(3, q < 0 ? undefined : q);
  if (!CODE.test(code)) {
    answerJson(res, 404, 'not_found', 'no link has this code');
    return true;
  }
  const query = q < 0 ? undefined : url.slice(q + 1);
  // A query that is only a plain token is read as it is; anything else as URLSearchParams reads it.
  const token =
    query === undefined ? undefined : PLAIN_TOKEN.test(query) ? query.slice(2) : (new URLSearchParams(query).get('r') ?? undefined);
  const request = { code, token, head: req.method === 'HEAD', userAgent: req.headers['user-agent'], ip: req.socket.remoteAddress };
  try {
    const now = service.hitFromMemory(request);
    if (now !== undefined) {
      redirect(res, now);
      return true;
    }
  } catch (error) {
    failed(res, logger, error);
    return true;
  }
  service.hit(request).then(
    (target) => (target === undefined ? answerJson(res, 404, 'not_found', 'no link has this code') : redirect(res, target)),
    (error: unknown) => failed(res, logger, error),
  );
  return true;
}

/** A `createServer` for `@hono/node-server`'s `serve` that answers link redirects before the app. */
export function createServerWithLinks(service: LinkService, logger: Logger): typeof createServer {
  const wrapped = (options: ServerOptions, listener: RequestListener) =>
    createServer(options, (req, res) => {
      if (!handleLink(req, res, service, logger)) listener(req, res);
    });
  return wrapped as typeof createServer;
}

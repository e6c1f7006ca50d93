/**
 * The access guard: one middleware in front of every route. It finds the route a request matched (Hono
 * matches every handler of a request before the first runs), reads the route's declaration (route-scope.ts)
 * and answers 401/403 before any handler runs; a route registered without a declaration is for the bootstrap
 * admin token only. After a successful audited call (every write, and reads declared `audit: true` such as
 * exports) it appends an audit entry: the actor, the action, the target and a hash of the change — never the
 * request body itself.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app.ts';
import { matchedRoutes } from 'hono/route';
import { sealAuditEntry } from '../access/audit-chain.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { AuditStore } from '../storage/audit-store.ts';
import type { Principal, TokenAuth } from './token-auth.ts';
import { insufficientScope } from './token-auth.ts';
import type { RouteDeclaration } from './route-scope.ts';
import { actionOf, declarationOf } from './route-scope.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /** The caller of an admin route (set by the access guard). */
    principal: Principal;
    /** What an audited call acted on, when the route knows better than its path (e.g. the id it created). */
    auditTarget: string;
  }
}

/** What the guard needs. */
export interface AccessGuardDeps {
  authenticate: TokenAuth;
  audit: AuditStore;
  clock: Clock;
  logger: Logger;
  /** Key of the hashes that stand for identifier values in audit targets (a server-side secret). */
  targetKey: string;
  /** Request bodies up to this many bytes (with a Content-Length) enter the change hash; larger ones by length only. */
  maxHashedBodyBytes: number;
}

/** The route a request matched: its method, path pattern and declaration; `undefined` when none (a 404). */
export function matchedRoute(c: Context<AppEnv>): { method: string; path: string; declaration: RouteDeclaration | undefined } | undefined {
  for (const route of matchedRoutes(c)) {
    const declaration = declarationOf(route.handler);
    // Middleware (`app.use`) is registered for ALL methods and carries no declaration: not the route.
    if (declaration || route.method !== 'ALL') return { method: route.method, path: route.path, declaration };
  }
  return undefined;
}

/** Builds the guard (mounted once, on `*`, in app.ts). */
export function accessGuard(deps: AccessGuardDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const route = matchedRoute(c);
    const access = route?.declaration?.access;
    if (access === 'public') return next();
    const principal = await deps.authenticate(c.req.header('authorization'));
    // Undeclared: a route registered bare, or only middleware matched (an unknown path, or an `app.all`/`app.use`
    // that answers by itself). Only the bootstrap admin token passes; the route walk test names bare routes.
    if (access === undefined && !principal.bootstrap)
      throw insufficientScope('admin', 'no route that declares a scope answers this request: only the bootstrap admin token may call it');
    if (access !== undefined && access !== 'token' && !principal.scopes.includes(access)) throw insufficientScope(access);
    c.set('principal', principal);
    const audited = route?.declaration?.audit ?? !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
    if (!audited) return next();
    const pattern = route?.path ?? c.req.path;

    const body = await bodyDigest(c, deps.maxHashedBodyBytes);
    await next();
    if (c.res.status >= 400) return;
    const answer = createHash('sha256')
      .update(new Uint8Array(await c.res.clone().arrayBuffer()))
      .digest('hex');
    const url = new URL(c.req.url);
    const change = JSON.stringify([c.req.method, pattern, url.pathname, url.search, body, answer]);
    const action = route?.declaration?.action ?? actionOf(c.req.method, pattern);
    const draft = {
      at: deps.clock.now().toISOString(),
      actor: { id: principal.id, name: principal.name },
      action,
      target: c.get('auditTarget') ?? targetOf(pattern, url.pathname, deps.targetKey),
      requestId: c.get('requestId'),
      changeHash: createHash('sha256').update(change).digest('hex'),
    };
    await deps.audit.appendAudit(draft, sealAuditEntry).catch((error: unknown) => {
      // The change stands but went unrecorded: an operator must hear of it (the client gets a 500).
      deps.logger.error('audit append failed', {
        action,
        requestId: draft.requestId,
        error: error instanceof Error ? error.name : 'unknown',
      });
      throw error;
    });
  };
}

/** SHA-256 of a small request body (read from a copy; the handler reads the original), else its declared length. */
async function bodyDigest(c: Context<AppEnv>, max: number): Promise<string> {
  const length = Number(c.req.header('content-length') ?? NaN);
  if (!Number.isFinite(length) || length > max || !c.req.raw.body) return `unhashed:${c.req.header('content-length') ?? 'chunked'}`;
  return createHash('sha256')
    .update(new Uint8Array(await c.req.raw.clone().arrayBuffer()))
    .digest('hex');
}

/**
 * The audit target: the request path, with each parameter that is an identifier (`type:value`, such as
 * `email:ann@example.com`) replaced by its type and a keyed hash of its value, so the log holds no plain PII.
 */
export function targetOf(pattern: string, pathname: string, key: string): string {
  const names = pattern.split('/');
  return pathname
    .split('/')
    .map((segment, i) => {
      if (!names[i]?.startsWith(':')) return segment;
      const value = safeDecode(segment);
      const colon = value.indexOf(':');
      if (colon < 0) return segment;
      return `${value.slice(0, colon)}:#${createHmac('sha256', key)
        .update(value.slice(colon + 1))
        .digest('hex')
        .slice(0, 16)}`;
    })
    .join('/');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

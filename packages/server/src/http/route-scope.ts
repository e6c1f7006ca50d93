/**
 * How a route declares who may call it: its first handler is a declaration — `scope('profiles:read')`,
 * `anyToken` or `publicRoute` — e.g. `app.get('/v1/stats', scope('analytics:read'), handler)`. A declaration
 * is a pass-through middleware that carries the rule; the access guard (access-guard.ts) reads the rule of the
 * route a request matched before any handler runs. Why on the route and not in a path list: the rule travels
 * with the route wherever it is mounted, and a route registered without one is not open — the guard lets only
 * the bootstrap admin token through it, and the route walk test (access-guard.test.ts) fails naming it.
 */
import type { MiddlewareHandler } from 'hono';
import type { AccessScope } from '@kin/core/api/access-api.ts';

/** Who may call a route: holders of a scope, any valid token (`token`), or anyone (`public`). */
export type RouteAccess = AccessScope | 'token' | 'public';

/** A route's declaration. */
export interface RouteDeclaration {
  access: RouteAccess;
  /** Audit action name; default from the method and path (`POST /v1/merges/:id/undo` → `merges.undo`). */
  action?: string;
  /** Whether a successful call is audited; default: writes (not GET/HEAD) are, reads are not. Exports set true. */
  audit?: boolean;
}

const DECLARATION = Symbol('kin.routeDeclaration');

type Declared = MiddlewareHandler & { [DECLARATION]?: RouteDeclaration };

function declaration(rule: RouteDeclaration): MiddlewareHandler {
  const marker: Declared = (_c, next) => next();
  marker[DECLARATION] = rule;
  return marker;
}

/** A route for holders of `scope` (the bootstrap admin token holds every scope). */
export function scope(needed: AccessScope, options: Omit<RouteDeclaration, 'access'> = {}): MiddlewareHandler {
  return declaration({ ...options, access: needed });
}

/** A route for any valid token, whatever its scopes (e.g. `GET /v1/tokens/self`). */
export const anyToken: MiddlewareHandler = declaration({ access: 'token' });

/** A route anyone may call: tracking routes (they check the write key themselves), health, static assets. */
export const publicRoute: MiddlewareHandler = declaration({ access: 'public' });

/** The declaration a route handler carries; `undefined` for any other handler. */
export function declarationOf(handler: unknown): RouteDeclaration | undefined {
  return typeof handler === 'function' ? (handler as Declared)[DECLARATION] : undefined;
}

/** The default audit action of a route: its literal path segments after /v1, and a verb for the method. */
export function actionOf(method: string, pattern: string): string {
  const segments = pattern.split('/').filter((s) => s && s !== 'v1');
  const literals = segments.filter((s) => !s.startsWith(':'));
  const endsLiteral = segments.length > 0 && !segments.at(-1)!.startsWith(':');
  if (method === 'POST' && endsLiteral && literals.length > 1) return literals.join('.');
  const verb = { POST: 'create', DELETE: 'delete', PUT: 'update', PATCH: 'update' }[method] ?? method.toLowerCase();
  return [...literals, verb].join('.');
}

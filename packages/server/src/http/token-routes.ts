/**
 * Scoped admin tokens: `POST /v1/tokens` (the secret shown once), `GET /v1/tokens`, `DELETE /v1/tokens/{id}`,
 * `POST /v1/tokens/{id}/rotate`, and `GET /v1/tokens/self` (any token: who am I, what may I do — the
 * dashboard hides what its token cannot do). Why a holder may only grant, rotate or revoke tokens within its own
 * scopes: otherwise `tokens:write` alone would mint any scope, or rotate a stronger token and read its secret.
 */
import { Hono } from 'hono';
import type { IssuedToken, TokenRevoked, TokenSelf } from '@kin/core/api/access-api.ts';
import { issueToken, parseTokenRequest, rotateTokenSecret } from '../access/token-issue.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';
import type { TokenStore } from '../storage/token-store.ts';
import { ApiError } from './error-catalog.ts';
import { readAdminJson } from './request-body.ts';
import { anyToken, scope } from './route-scope.ts';
import type { Principal } from './token-auth.ts';
import { insufficientScope } from './token-auth.ts';

/** What the token routes need. */
export interface TokenRouteDeps {
  store: { tokens: TokenStore };
  clock: Clock;
  ids: IdGenerator;
  maxBodyBytes: number;
}

/** Throws 403 unless `principal` holds every scope of `scopes`. */
function mustHoldAll(principal: Principal, scopes: readonly string[]): void {
  const missing = scopes.find((s) => !(principal.scopes as readonly string[]).includes(s));
  if (missing) throw insufficientScope(missing, `a token may only grant, rotate or revoke scopes it holds itself; this needs ${missing}`);
}

/** Builds the token routes. */
export function tokenRoutes(deps: TokenRouteDeps): Hono {
  const app = new Hono();
  const tokens = deps.store.tokens;

  app.get('/v1/tokens/self', anyToken, (c) => {
    const p = c.get('principal');
    const self: TokenSelf = {
      id: p.id,
      name: p.name,
      scopes: [...p.scopes],
      bootstrap: p.bootstrap,
      ...(p.expiresAt ? { expiresAt: p.expiresAt } : {}),
    };
    return c.json(self);
  });

  app.get('/v1/tokens', scope('tokens:write'), async (c) => c.json({ data: await tokens.listTokens() }));

  app.post('/v1/tokens', scope('tokens:write'), async (c) => {
    const now = deps.clock.now();
    const parsed = parseTokenRequest(await readAdminJson(c.req.raw, deps.maxBodyBytes), now);
    if (!parsed.ok) throw new ApiError('invalid_token_request', parsed.message, parsed.field);
    mustHoldAll(c.get('principal'), parsed.request.scopes);
    const issued = await issueToken(tokens, parsed.request, { id: `tok_${deps.ids.rowId()}`, now });
    c.set('auditTarget', `token:${issued.token.id}`);
    return c.json(issued satisfies IssuedToken, 201);
  });

  /** The live token `id` names, when the caller holds all its scopes. */
  const liveToken = async (id: string, principal: Principal) => {
    const token = await tokens.findToken(id);
    if (!token || token.revokedAt) throw new ApiError('not_found', 'no live token has this id', 'id');
    mustHoldAll(principal, token.scopes);
    return token;
  };

  app.delete('/v1/tokens/:id', scope('tokens:write', { action: 'tokens.revoke' }), async (c) => {
    const token = await liveToken(c.req.param('id'), c.get('principal'));
    const revoked = await tokens.revokeToken(token.id, deps.clock.now().toISOString());
    if (!revoked) throw new ApiError('not_found', 'no live token has this id', 'id');
    return c.json({ token: revoked } satisfies TokenRevoked);
  });

  app.post('/v1/tokens/:id/rotate', scope('tokens:write'), async (c) => {
    const token = await liveToken(c.req.param('id'), c.get('principal'));
    const rotated = await rotateTokenSecret(tokens, token.id, deps.clock.now());
    if (!rotated) throw new ApiError('not_found', 'no live token has this id', 'id');
    return c.json(rotated satisfies IssuedToken);
  });
  return app;
}

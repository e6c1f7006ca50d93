/**
 * Admin authentication: the bootstrap admin token (KIN_ADMIN_TOKEN, every scope) or a scoped token from the
 * store. Secrets are compared by digest in constant time; a write key is never a token (it answers 401).
 */
import type { AccessScope } from '@kin/core/api/access-api.ts';
import { ACCESS_SCOPES } from '@kin/core/api/access-api.ts';
import type { Clock } from '../ports/clock.ts';
import type { TokenStore } from '../storage/token-store.ts';
import { ApiError } from './error-catalog.ts';
import { hashSecret, secretMatches } from './secret-compare.ts';

/** Who called: a token's id, name and scopes. */
export interface Principal {
  id: string;
  name: string;
  scopes: readonly AccessScope[];
  bootstrap: boolean;
  expiresAt?: string;
}

/** The bootstrap admin token's principal. */
export const BOOTSTRAP_PRINCIPAL: Principal = { id: 'admin', name: 'admin token', scopes: ACCESS_SCOPES, bootstrap: true };

/** Authenticates the `Authorization` header of an admin request. */
export type TokenAuth = (authorization: string | undefined) => Promise<Principal>;

/** Creates the authenticator; `401 unauthorized` without a bearer token, `invalid_token`, `expired_token`. */
export function createTokenAuth(deps: { tokens: TokenStore; adminTokenHash: string; clock: Clock }): TokenAuth {
  return async (authorization) => {
    const header = authorization ?? '';
    const secret = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
    if (!secret)
      throw new ApiError('unauthorized', 'this route needs a token (Authorization: Bearer …)', undefined, { 'WWW-Authenticate': 'Bearer' });
    if (secretMatches(secret, deps.adminTokenHash)) return BOOTSTRAP_PRINCIPAL;
    const token = await deps.tokens.findTokenBySecretHash(hashSecret(secret));
    if (!token || token.revokedAt || !secretMatches(secret, token.secretHash)) {
      throw new ApiError('invalid_token', 'the token is unknown or revoked', undefined, {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    if (token.expiresAt && Date.parse(token.expiresAt) <= deps.clock.now().getTime()) {
      throw new ApiError('expired_token', `the token expired at ${token.expiresAt}`, undefined, {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    return {
      id: token.id,
      name: token.name,
      scopes: token.scopes,
      bootstrap: false,
      ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}),
    };
  };
}

/** 403 `insufficient_scope` naming the scope a call needs. */
export function insufficientScope(scope: string, why = `this needs the ${scope} scope`): ApiError {
  return new ApiError('insufficient_scope', why, undefined, { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` });
}

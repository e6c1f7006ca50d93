/**
 * Issuing and rotating scoped admin tokens, shared by the HTTP routes (http/token-routes.ts) and the CLI
 * (cli/tokens-command.ts): one validation of a request, one shape of a new token, one place where a secret is
 * made and only its digest stored. A bad request is a value naming its field; each caller turns it into its
 * own error (400 `invalid_token_request`, or a CLI error).
 */
import { z } from 'zod';
import type { AccessScope, AccessToken, IssuedToken } from '@kin/core/api/access-api.ts';
import { ACCESS_SCOPES } from '@kin/core/api/access-api.ts';
import { checkAdminBody } from '../http/admin-body.ts';
import { hashSecret, newSecret } from '../http/secret-compare.ts';
import type { TokenStore } from '../storage/token-store.ts';

/** A valid request for a token. */
export interface TokenRequest {
  name: string;
  /** In ACCESS_SCOPES order, without repeats. */
  scopes: AccessScope[];
  expiresAt?: string;
}

/** What is wrong with a request, and where. */
export interface TokenRequestProblem {
  field: string | undefined;
  message: string;
}

const CreateToken = z.object({
  name: z.string().regex(/^[\p{L}\p{N} _.@-]{1,64}$/u, 'name must be 1-64 letters, digits, spaces, dots, dashes, underscores or @'),
  scopes: z.array(z.enum(ACCESS_SCOPES)).min(1, 'scopes must name at least one scope'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

/** Checks a request body (`{"name","scopes","expiresAt"?}`) at time `now`. */
export function parseTokenRequest(body: unknown, now: Date): { ok: true; request: TokenRequest } | ({ ok: false } & TokenRequestProblem) {
  const parsed = checkAdminBody(CreateToken, body ?? {});
  if (!parsed.ok) return { ok: false, field: parsed.field || undefined, message: parsed.message };
  const { name, expiresAt } = parsed.value;
  if (expiresAt && Date.parse(expiresAt) <= now.getTime())
    return { ok: false, field: 'expiresAt', message: 'expiresAt must be in the future' };
  const scopes = ACCESS_SCOPES.filter((s) => parsed.value.scopes.includes(s));
  return { ok: true, request: { name, scopes, ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}) } };
}

/** Stores a new token and answers it with its secret (the only time the secret exists outside the caller). */
export async function issueToken(tokens: TokenStore, request: TokenRequest, options: { id: string; now: Date }): Promise<IssuedToken> {
  const secret = newSecret('kin_tk_');
  const token: AccessToken = {
    id: options.id,
    name: request.name,
    scopes: request.scopes,
    createdAt: options.now.toISOString(),
    ...(request.expiresAt ? { expiresAt: request.expiresAt } : {}),
  };
  await tokens.createToken({ ...token, secretHash: hashSecret(secret) });
  return { token, secret };
}

/** Gives a live token a new secret (the old one stops at once); `undefined` when it is not live. */
export async function rotateTokenSecret(tokens: TokenStore, id: string, now: Date): Promise<IssuedToken | undefined> {
  const secret = newSecret('kin_tk_');
  const rotated = await tokens.rotateToken(id, hashSecret(secret), now.toISOString());
  return rotated ? { token: rotated, secret } : undefined;
}

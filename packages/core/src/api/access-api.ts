/**
 * Request and response shapes of the access API: scoped admin tokens (`/v1/tokens`) and the audit log
 * (`/v1/audit`). `ACCESS_SCOPES` is the one list of scopes (the server validates against it, the dashboard
 * reads a token's scopes from `GET /v1/tokens/self` to hide what it cannot do).
 */

/** Every scope a token can hold; the bootstrap admin token holds them all. */
export const ACCESS_SCOPES = [
  'profiles:read',
  'profiles:write',
  'analytics:read',
  'config:write',
  'privacy:read',
  'privacy:write',
  'audit:read',
  'tokens:write',
] as const;

/** One scope. */
export type AccessScope = (typeof ACCESS_SCOPES)[number];

/** `POST /v1/tokens` body. */
export interface CreateTokenRequest {
  name: string;
  scopes: AccessScope[];
  /** ISO 8601; absent = never expires. */
  expiresAt?: string;
}

/** A token as listed (never its secret). */
export interface AccessToken {
  id: string;
  name: string;
  scopes: AccessScope[];
  createdAt: string;
  expiresAt?: string;
  rotatedAt?: string;
  revokedAt?: string;
}

/** `POST /v1/tokens` and `POST /v1/tokens/{id}/rotate`: the secret, shown this once. */
export interface IssuedToken {
  token: AccessToken;
  secret: string;
}

/** `POST /v1/tokens/{id}/revoke`: the token as it is now (with `revokedAt`). */
export interface TokenRevoked {
  token: AccessToken;
}

/** `GET /v1/tokens/self`: who the presented token is and what it may do. */
export interface TokenSelf {
  id: string;
  name: string;
  scopes: AccessScope[];
  /** True for the bootstrap admin token (KIN_ADMIN_TOKEN), which holds every scope and cannot be rotated by the API. */
  bootstrap: boolean;
  expiresAt?: string;
}

/** One audit log entry: who did what to which target, chained to the entry before by `prevHash`. */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: { id: string; name: string };
  /** e.g. `sources.create`, `merges.undo`, `tokens.rotate`. */
  action: string;
  /** What the action was applied to (ids; identifier values appear only as keyed hashes). */
  target: string;
  requestId: string;
  /** SHA-256 of the change (route parameters, query, request body and answer): the body itself is never stored. */
  changeHash: string;
  prevHash: string;
  hash: string;
}

/** `GET /v1/audit/verify`: the whole chain holds, or the first entry that does not and why (as `kin audit verify`). */
export type AuditVerification = { ok: true; entries: number } | { ok: false; seq: number; reason: string };

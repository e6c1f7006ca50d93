/**
 * The storage port of scoped admin tokens: records keyed by the SHA-256 of their secret (the secret itself is
 * never stored). A revoked token keeps its row, so audit entries still name it.
 */
import type { AccessScope, AccessToken } from '@kin/core/api/access-api.ts';

/** A token as stored: its public record and the digest of its secret. */
export interface StoredToken extends AccessToken {
  secretHash: string;
}

/** The token port of a store. */
export interface TokenStore {
  createToken(token: StoredToken): Promise<void>;
  /** The token, revoked or not, whose secret has this digest; `undefined` when none. */
  findTokenBySecretHash(secretHash: string): Promise<StoredToken | undefined>;
  findToken(id: string): Promise<StoredToken | undefined>;
  /** Every token, oldest first. */
  listTokens(): Promise<AccessToken[]>;
  /** Marks a live token revoked; `undefined` when it is unknown or revoked already. */
  revokeToken(id: string, at: string): Promise<AccessToken | undefined>;
  /** Replaces a live token's secret digest (the old secret stops working at once); `undefined` when not live. */
  rotateToken(id: string, secretHash: string, at: string): Promise<AccessToken | undefined>;
}

/** The stored scopes column: a JSON array, kept in ACCESS_SCOPES order. */
export function scopesColumn(scopes: readonly AccessScope[]): string {
  return JSON.stringify(scopes);
}

/** A token row (either store: snake_case columns) as a `StoredToken`. */
export function toStoredToken(row: Record<string, unknown>): StoredToken {
  return {
    id: row.id as string,
    name: row.name as string,
    scopes: (typeof row.scopes === 'string' ? JSON.parse(row.scopes) : row.scopes) as AccessScope[],
    createdAt: row.created_at as string,
    ...(row.expires_at ? { expiresAt: row.expires_at as string } : {}),
    ...(row.rotated_at ? { rotatedAt: row.rotated_at as string } : {}),
    ...(row.revoked_at ? { revokedAt: row.revoked_at as string } : {}),
    secretHash: row.secret_hash as string,
  };
}

/** A stored token without its digest (what the API shows). */
export function publicToken(token: StoredToken): AccessToken {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    createdAt: token.createdAt,
    ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}),
    ...(token.rotatedAt ? { rotatedAt: token.rotatedAt } : {}),
    ...(token.revokedAt ? { revokedAt: token.revokedAt } : {}),
  };
}

/**
 * Write-key authentication. Write keys can only write (tracking routes); admin routes need a bearer token
 * (token-auth.ts, access-guard.ts).
 * Why a short cache: the CLI may create or revoke a source in another process; a key is re-checked against
 * the store at most `ttlMs` after it was last looked up.
 */
import type { Clock } from '../ports/clock.ts';
import type { SourceRecord, Store } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';
import { hashSecret } from './secret-compare.ts';

/** Finds the active source of a write key. */
export interface SourceAuth {
  authenticate(writeKey: string | undefined): Promise<SourceRecord>;
  /** Drops cached keys (after a local create or revoke). */
  forget(): void;
}

/** Creates the write-key authenticator. */
export function createSourceAuth(store: Store, clock: Clock, ttlMs = 5000): SourceAuth {
  const cache = new Map<string, { source: SourceRecord | undefined; until: number }>();
  return {
    async authenticate(writeKey) {
      if (!writeKey) throw new ApiError('unauthorized', 'a write key is required (HTTP Basic user name, or writeKey in the body)');
      const hash = hashSecret(writeKey);
      const now = clock.now().getTime();
      let entry = cache.get(hash);
      if (!entry || entry.until < now) {
        entry = { source: await store.findSourceByKeyHash(hash), until: now + ttlMs };
        if (cache.size > 10_000) cache.clear();
        cache.set(hash, entry);
      }
      if (!entry.source) throw new ApiError('unauthorized', 'unknown or revoked write key');
      return entry.source;
    },
    forget: () => cache.clear(),
  };
}

/** The write key an SDK sent: HTTP Basic user name (empty password), else `writeKey` in the body. */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    if (user) return user;
  }
  if (body && typeof body === 'object' && typeof (body as { writeKey?: unknown }).writeKey === 'string') {
    return (body as { writeKey: string }).writeKey;
  }
  return undefined;
}

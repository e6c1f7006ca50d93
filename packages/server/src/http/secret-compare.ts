/** Secrets are compared by their SHA-256 digests in constant time, and stored only as digests. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Hex SHA-256 of a secret (what the store keeps for write keys). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time equality of a presented secret and a stored digest. */
export function secretMatches(presented: string, expectedHash: string): boolean {
  const a = Buffer.from(hashSecret(presented), 'hex');
  const b = Buffer.from(expectedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A new random secret with a readable prefix, e.g. `kin_wk_…` for write keys. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

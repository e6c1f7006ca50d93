/** Small helpers shared by the storage adapters: cursors and de-duplication keys. */
import * as crypto from 'node:crypto';

/** Opaque cursor for (time, seq) keyset pagination. */
export function encodeCursor(parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** Reads a cursor made by `encodeCursor`; `undefined` when it is not one. */
export function decodeCursor(cursor: string): Array<string | number> | undefined {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'string' || typeof p === 'number')) {
      return parts as Array<string | number>;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** SHA-1 of a string; `crypto.hash` (Node >= 20.12) when there is one. */
const sha1: (text: string) => Buffer =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha1', text, 'buffer') : (text) => crypto.createHash('sha1').update(text).digest();

/**
 * A 63-bit key for (source, messageId): positive, so it fits a signed 64-bit integer column. Stored keys
 * depend on it: the bytes hashed (source, NUL, messageId in UTF-8) must never change. Why the one-shot
 * `hash`: a `createHash` object per event cost more than the digest itself.
 */
export function messageKey(sourceId: string, messageId: string): bigint {
  const digest = sha1(`${sourceId}\u0000${messageId}`);
  return digest.readBigInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
}

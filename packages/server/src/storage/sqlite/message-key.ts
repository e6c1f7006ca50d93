/** The de-duplication key of (source, messageId) in the SQLite store's `message_ids` (see sqlite-message-ids.ts). */
import * as crypto from 'node:crypto';

/** SHA-1 of a string; `crypto.hash` (Node >= 20.12) when there is one. */
const sha1: (text: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha1', text, 'buffer')
    : (text) => crypto.createHash('sha1').update(text).digest();

/**
 * A 63-bit key for (source, messageId): positive, so it fits a signed 64-bit integer column. Stored keys
 * depend on it: the bytes hashed (source, NUL, messageId in UTF-8) must never change. Why the one-shot
 * `hash`: a `createHash` object per event cost more than the digest itself.
 */
export function messageKey(sourceId: string, messageId: string): bigint {
  const digest = sha1(`${sourceId}\u0000${messageId}`);
  return digest.readBigInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
}

/** Small helpers shared by the storage adapters: cursors and de-duplication keys. */
import { createHash } from 'node:crypto';

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

/** A 63-bit key for (source, messageId): positive, so it fits a signed 64-bit integer column. */
export function messageKey(sourceId: string, messageId: string): bigint {
  const digest = createHash('sha1').update(sourceId).update('\u0000').update(messageId).digest();
  return digest.readBigInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
}

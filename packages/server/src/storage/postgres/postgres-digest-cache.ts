/**
 * The keyed digests of identifiers, remembered. Why: every batch's trust read sends the digest of each
 * identifier it asks about (a tombstone keeps the digest, never the value: postgres-tombstone-keys.ts), and
 * an HMAC per identifier per batch was a visible part of the worker's CPU profile, while the same people's
 * identifiers come back batch after batch. The digest of an identifier never changes for a store (one key).
 */
import type { Identifier } from '@kin/core';

/** `digest`, remembering up to `limit` answers; past it the memory starts over (no per-call bookkeeping). */
export function cachedDigest(digest: (identifier: Identifier) => string, limit = 50_000): (identifier: Identifier) => string {
  // By type, then value: no key string to build, and no two identifiers share one.
  let known = new Map<string, Map<string, string>>();
  let size = 0;
  return (identifier) => {
    let ofType = known.get(identifier.type);
    let answer = ofType?.get(identifier.value);
    if (answer !== undefined) return answer;
    if (size >= limit) {
      known = new Map();
      size = 0;
      ofType = undefined;
    }
    if (!ofType) known.set(identifier.type, (ofType = new Map()));
    answer = digest(identifier);
    ofType.set(identifier.value, answer);
    size++;
    return answer;
  };
}

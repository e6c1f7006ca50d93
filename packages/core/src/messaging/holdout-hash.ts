/**
 * Holdout assignment: a stable hash of (journey, profile). Why a hash and not a random draw: the same
 * profile entering the same journey again, on another worker or after a restart, is always in the same group.
 */

/** FNV-1a (32 bits) of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche: FNV's low bits mix poorly for keys that differ only at the end (p-001, p-002).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Whether a profile is held out of a journey with `percent` (0–100) held out. */
export function isHeldOut(journeyKey: string, profileId: string, percent: number | undefined): boolean {
  if (!percent || percent <= 0) return false;
  return fnv1a(`${journeyKey}\u0000${profileId}`) % 10_000 < Math.round(percent * 100);
}

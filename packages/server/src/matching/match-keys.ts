/**
 * The persistent blocking index of incremental matching: a profile's blocking keys, computed from its
 * person traits exactly as the in-memory incremental matcher computes them (`incrementalKeys`), hashed to
 * 16 hex characters so that both stores hold short, fixed-size keys (PostgreSQL text holds no NUL, and a
 * key may hold any trait text).
 *
 * The stores call `matchKeysOf` in the write transaction that changes a profile's person traits (or
 * merges it), so the index is never behind the traits it was built from.
 */
import { normalisedKeys, type NormalisedRecord } from '@kin/core/matching/index.ts';
import { createHash } from 'node:crypto';
import type { TraitProfile } from '../storage/matching-store.ts';
import { MATCH_NORMALISER, MATCH_TRAIT_KEYS, profileToRecord, recordHashOf } from './match-profiles.ts';

/** Top-level trait keys whose change changes a profile's blocking keys (name, address, birthday, phone, email…). */
export const PERSON_TRAIT_KEYS: ReadonlySet<string> = new Set(MATCH_TRAIT_KEYS);

/** One key as stored: the first 64 bits of its SHA-1, in hex. */
export function hashMatchKey(key: string): string {
  return createHash('sha1').update(key).digest('hex').slice(0, 16);
}

/** The stored blocking keys of a profile (sorted, unique; empty when it holds no person attribute). */
export function matchKeysOf(profile: TraitProfile): string[] {
  return matchIndexEntryOf(profile).keys;
}

/** What the index stores of a profile (see {@link matchIndexEntriesOf}). */
export interface MatchIndexEntry {
  keys: string[];
  recordHash: string | null;
  normalised?: NormalisedRecord;
}

/**
 * What the index stores of a profile: its blocking keys, and the content hash of its match record
 * (`recordHashOf`; `null` when it holds no person attribute), which changes whenever the compared values do;
 * with the normalised record the keys were computed from. Keyed as core's `incrementalKeys` keys, with the
 * one normaliser of the match roles (making a normaliser per profile was a third of the write path's re-key).
 */
export function matchIndexEntryOf(profile: TraitProfile): MatchIndexEntry {
  return matchIndexEntriesOf([profile])[0] ?? { keys: [], recordHash: null };
}

/**
 * {@link matchIndexEntryOf} of each profile, in order, the keys of all of them from one `normalisedKeys` call. Why:
 * keys are columns of prepared records, and preparing one record at a time cost most of the keying (an import's
 * transaction re-keys up to 1,000 profiles). Each profile's keys depend on its own record only.
 */
export function matchIndexEntriesOf(profiles: readonly TraitProfile[]): MatchIndexEntry[] {
  const records = profiles.map((p) => profileToRecord(p, (id) => id));
  const normalised = records.flatMap((r) => (r === undefined ? [] : [MATCH_NORMALISER.normalise(r)]));
  const keys = normalised.length === 0 ? [] : normalisedKeys(normalised, MATCH_NORMALISER);
  let at = 0;
  return records.map((record) => {
    if (record === undefined) return { keys: [], recordHash: null };
    const n = at++;
    return { keys: [...new Set((keys[n] ?? []).map(hashMatchKey))].sort(), recordHash: recordHashOf(record), normalised: normalised[n] };
  });
}

/** What changes in the index when a profile's keys go from `before` to `after` (both sorted). */
export function keyChanges(before: readonly string[], after: readonly string[]): { removed: string[]; added: string[] } {
  const old = new Set(before);
  const now = new Set(after);
  return { removed: before.filter((k) => !now.has(k)), added: after.filter((k) => !old.has(k)) };
}

let counter = 0;
/**
 * The `seq` of a re-keyed profile: grows within a process and across restarts (milliseconds × 1000 plus
 * a counter), so the matcher takes pending profiles roughly in arrival order, and a settle only clears the
 * profile when it was not re-keyed meanwhile (same seq).
 */
export function nextMatchSeq(now: number): number {
  counter = (counter + 1) % 1000;
  return now * 1000 + counter;
}

/**
 * The incremental matcher's cache of candidate records across arrivals, normalised. Why: an arrival compares
 * with up to 200 stored profiles, and the profiles under a common key ("john|smith") are candidates of
 * arrival after arrival; reading their traits and turning them into match records every time was most of an
 * arrival's cost at 1,000,000 stored profiles, and once that was cached, normalising the records (names
 * split, dates parsed: core's normalised-record.ts) was most of what was left. An entry therefore holds the
 * normalised record, which depends only on the compared values the record hash covers.
 *
 * Candidates the cache does not hold are decoded from the normalised record the index stores beside the hash
 * (written by the same transaction, so the pair always agrees); only rows without one are read and normalised.
 *
 * Why it never answers with an old record: the index holds each profile's record hash (the content hash
 * of its compared values), rewritten by the write path in the transaction that changes a person trait
 * (sqlite-match-index.ts, postgres-match-index.ts). The matcher reads the hashes with the candidates'
 * ids, and an entry is used only when its hash is the one stored now; an entry is stored under the hash
 * of the record it holds (computed from the traits read, not the hash read beside the ids), so a
 * change committed between the two reads cannot file a record under another record's hash. Profiles
 * without a hash (indexed before the hash existed, until the backfill reaches them) are read every time.
 *
 * Bounded: the least recently used entries go first.
 */
import { decodeNormalised, type NormalisedRecord } from '@kin/core/matching/index.ts';
import type { MatchCandidate, MatchingStore } from '../storage/matching-store.ts';
import { MATCH_NORMALISER, MATCH_TRAIT_KEYS, profileToRecord, recordHashOf } from './match-profiles.ts';

/** Candidate records kept by default (about 1.5 KB each). */
export const CANDIDATE_CACHE_SIZE = 50_000;

/** Normalised candidate records by profile id, each with the hash it was read under. */
export interface CandidateCache {
  /** The cached record of this profile, when it was cached under this hash. */
  get(profileId: string, recordHash: string): NormalisedRecord | undefined;
  set(profileId: string, recordHash: string, record: NormalisedRecord): void;
  readonly size: number;
  /** Lookups answered from the cache, and not. */
  readonly hits: number;
  readonly misses: number;
}

/** A cache of at most `capacity` records (0: nothing is kept, every candidate is read). */
export function createCandidateCache(capacity = CANDIDATE_CACHE_SIZE): CandidateCache {
  const entries = new Map<string, { hash: string; record: NormalisedRecord }>();
  let hits = 0;
  let misses = 0;
  return {
    get(profileId, recordHash) {
      const entry = entries.get(profileId);
      if (entry === undefined || entry.hash !== recordHash) {
        misses++;
        return undefined;
      }
      hits++;
      // Map order is insertion order: moved to the end, it is the most recently used.
      entries.delete(profileId);
      entries.set(profileId, entry);
      return entry.record;
    },
    set(profileId, recordHash, record) {
      if (capacity <= 0) return;
      entries.delete(profileId);
      entries.set(profileId, { hash: recordHash, record });
      if (entries.size > capacity) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
    get size() {
      return entries.size;
    },
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
  };
}

/**
 * The normalised records of these candidates, in their order (keyed by profile id, values only: scoring
 * reads nothing else), from the cache where it holds the stored hash, else decoded from the normalised record
 * the write path stored with that hash, else read, normalised and cached. A candidate without person
 * attributes any more (merged away, deleted) is left out, as a read leaves it out.
 */
export async function candidateRecords(
  matching: MatchingStore,
  cache: CandidateCache,
  candidates: readonly MatchCandidate[],
): Promise<NormalisedRecord[]> {
  const records = new Map<string, NormalisedRecord>();
  const missing: string[] = [];
  for (const c of candidates) {
    if (c.recordHash === null) {
      missing.push(c.profileId);
      continue;
    }
    let hit = cache.get(c.profileId, c.recordHash);
    // Stored in the row that holds the hash, by the transaction that wrote it: the record of that hash.
    if (hit === undefined && c.normalised !== null) {
      hit = decodeNormalised(c.normalised, c.profileId, MATCH_NORMALISER);
      if (hit !== undefined) cache.set(c.profileId, c.recordHash, hit);
    }
    if (hit === undefined) missing.push(c.profileId);
    else records.set(c.profileId, hit);
  }
  if (missing.length > 0)
    for (const profile of await matching.profileTraits(missing, [...MATCH_TRAIT_KEYS])) {
      const read = profileToRecord(profile, (id) => id);
      if (read === undefined) continue;
      const record = MATCH_NORMALISER.normalise({ key: profile.id, values: read.values });
      cache.set(profile.id, recordHashOf(read), record);
      records.set(profile.id, record);
    }
  return candidates.flatMap((c) => records.get(c.profileId) ?? []);
}

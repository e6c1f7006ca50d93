/**
 * The persistent blocking index of incremental matching in the SQLite store (migration 21):
 * - `match_keys (key, profile_id)`: one row per blocking key of a live profile (match-keys.ts);
 * - `match_profiles (profile_id, keys, seq, pending, record_hash)`: each indexed profile's keys (so a change
 *   is a diff), when they last changed, whether the matcher still has to look at it (`pending`, a partial
 *   index), and the content hash of its compared values (migration 39: the matcher's candidate cache).
 *
 * Write path: `sqlite-apply.ts` tells `changed(profileId)` when a plan sets or unsets a person trait or
 * merges the profile; an event without such a change costs one Set lookup per trait key and nothing else.
 * Before COMMIT the profiles changed in the transaction are re-keyed from their stored traits, so the index
 * commits with the traits it was built from. A replayed event (undo, split) re-keys without `pending`:
 * its profile is not a new arrival, and the undo's do-not-link rule keeps its parts apart anyway.
 *
 * Only while incremental matching is switched on (sqlite-match-switch.ts): the switch is read after BEGIN
 * IMMEDIATE, again only when another connection committed since; off, `changed` and `merged` return at once
 * and the commit does no index work at all (measured: about 21 µs per event of an identify-heavy stream).
 */
import type Database from 'better-sqlite3';
import { encodeNormalised } from '@kin/core/matching/index.ts';
import { MATCH_NORMALISED_SQL, MATCH_UNHASHED_DROP_SQL } from '../match-normalised-sql.ts';
import type { TraitProfile } from '../matching-store.ts';
import { keyChanges, matchIndexEntriesOf, nextMatchSeq, PERSON_TRAIT_KEYS, type MatchIndexEntry } from '../../matching/match-keys.ts';
import { sqliteMatchingOn } from './sqlite-match-switch.ts';

/**
 * Migration 21: the tables, with every live profile holding a person trait (the keys of `MATCH_TRAIT_KEYS` as
 * they were at this version) marked for the backfill: keys NULL, computed by `backfillMatchIndex`.
 */
export const SQLITE_MATCH_INDEX_MIGRATION = {
  version: 21,
  name: 'incremental matching: persistent blocking index',
  sql: `
    CREATE TABLE match_keys (key TEXT NOT NULL, profile_id TEXT NOT NULL, PRIMARY KEY (key, profile_id)) WITHOUT ROWID;
    CREATE INDEX match_keys_profile ON match_keys(profile_id);
    CREATE TABLE match_profiles (profile_id TEXT PRIMARY KEY, keys TEXT, seq INTEGER NOT NULL DEFAULT 0, pending INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
    CREATE INDEX match_profiles_pending ON match_profiles(seq) WHERE pending = 1;
    CREATE INDEX match_profiles_backfill ON match_profiles(profile_id) WHERE keys IS NULL;
    INSERT INTO match_profiles (profile_id) SELECT DISTINCT profile_id FROM traits
      WHERE value IS NOT NULL AND key IN ('address', 'address_1', 'address_2', 'birthDay', 'birthMonth', 'birthYear', 'birth_day', 'birth_month', 'birth_year',
        'birthday', 'city', 'company', 'country', 'date_of_birth', 'email', 'firstName', 'first_name', 'full_name', 'gender', 'lastName', 'last_name',
        'middleName', 'middle_name', 'name', 'occupation', 'phone', 'postalCode', 'postal_code', 'postcode', 'state', 'street_number', 'title', 'zip');
  `,
};

/** Migration 28: what incremental matching did, summed over every turn of every follower (`kin match status`). */
export const SQLITE_MATCH_TOTALS_MIGRATION = {
  version: 28,
  name: 'incremental matching: totals',
  sql: `CREATE TABLE match_totals (outcome TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;`,
};

/**
 * Migration 39: each indexed profile's record hash (`matchIndexEntryOf`), kept by the write path with its keys,
 * so the matcher's cache of normalised candidates (match-candidate-cache.ts) knows which entries still hold.
 * Rows indexed before it are hashed by `backfillMatchIndex` (since migration 47 it finds them as unnormalised:
 * the write path sets both together; migration 53 drops this partial index, which no query used then).
 */
export const SQLITE_MATCH_RECORD_HASH_MIGRATION = {
  version: 39,
  name: 'incremental matching: record hash of each indexed profile',
  sql: `
    ALTER TABLE match_profiles ADD COLUMN record_hash TEXT;
    CREATE INDEX match_profiles_unhashed ON match_profiles(profile_id) WHERE record_hash IS NULL AND keys IS NOT NULL;
  `,
};

/**
 * Migration 47: each indexed profile's normalised record (core's `encodeNormalised`), kept by the write path
 * with its record hash, so the matcher decodes a candidate it has not cached instead of reading its traits and
 * normalising them (the cost of an arrival's slowest case at 1,000,000 profiles). Rows indexed before it are
 * filled by `backfillMatchIndex`, or when their profile is next re-keyed.
 */
export const SQLITE_MATCH_NORMALISED_MIGRATION = {
  version: 47,
  name: 'incremental matching: normalised record of each indexed profile',
  sql: MATCH_NORMALISED_SQL,
};

/** Migration 53: drops migration 39's `match_profiles_unhashed` (see there), a write per hashing for no reader. */
export const SQLITE_MATCH_UNHASHED_DROP_MIGRATION = {
  version: 53,
  name: 'incremental matching: drop the unused index of unhashed profiles',
  sql: MATCH_UNHASHED_DROP_SQL,
};

/** Profiles whose keys are computed at once by a re-key (an import's transaction holds 1,000 rows). */
const REKEY_BATCH = 1000;

/** The write-path part of the index on one connection (see the file comment). */
export function createSqliteMatchIndex(db: Database.Database, now: () => number) {
  const s = {
    // Why the keys are filtered in JS, not with `key IN (…)`: that probes the traits b-tree once per person trait
    // key (33), most of them misses; one range over the profile's rows is a few rows.
    traits: db.prepare('SELECT key, value, source_id FROM traits WHERE profile_id = ? AND value IS NOT NULL'),
    stored: db.prepare('SELECT keys, pending, record_hash, normalised IS NULL AS unnormalised FROM match_profiles WHERE profile_id = ?'),
    removeKey: db.prepare('DELETE FROM match_keys WHERE key = ? AND profile_id = ?'),
    addKey: db.prepare('INSERT OR IGNORE INTO match_keys (key, profile_id) VALUES (?, ?)'),
    upsert: db.prepare(
      `INSERT INTO match_profiles (profile_id, keys, seq, pending, record_hash, normalised) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (profile_id) DO UPDATE SET keys = excluded.keys, seq = excluded.seq, pending = max(pending, excluded.pending),
         record_hash = excluded.record_hash, normalised = excluded.normalised`,
    ),
    // A change of compared values that leaves the keys as they were: the profile is not a new arrival (seq stays).
    rehash: db.prepare('UPDATE match_profiles SET record_hash = ?, normalised = ? WHERE profile_id = ?'),
    drop: db.prepare('DELETE FROM match_profiles WHERE profile_id = ?'),
    dropKeys: db.prepare('DELETE FROM match_keys WHERE profile_id = ?'),
  };
  /** Profiles to re-key at commit: id → whether the matcher must look at it afterwards. */
  const dirty = new Map<string, boolean>();
  /** Merges of the transaction: re-keyed only when a side is indexed (see `merged`). */
  const merges: Array<{ survivorId: string; absorbedId: string; arrival: boolean }> = [];
  const indexed = db.prepare('SELECT 1 FROM match_profiles WHERE profile_id = ?').pluck();
  /** Dirty profiles whose change touched a person attribute (not only email or phone). */
  const attributes = new Set<string>();
  /** The switch as this connection last read it (`undefined`: not read yet). */
  let on: boolean | undefined;

  /** A profile's person traits as stored. */
  function personTraitsOf(profileId: string): TraitProfile {
    const rows = s.traits.all(profileId) as Array<{ key: string; value: string; source_id: string }>;
    return {
      id: profileId,
      traits: rows.flatMap((r) =>
        PERSON_TRAIT_KEYS.has(r.key) ? [{ key: r.key, value: JSON.parse(r.value) as unknown, sourceId: r.source_id }] : [],
      ),
    };
  }

  /**
   * Re-keys these profiles (id, whether an arrival) from their stored traits, the keys of up to `REKEY_BATCH` at once
   * (`matchIndexEntriesOf`; bounded so a replay's transaction does not hold every profile's record).
   */
  function rekeyAll(profiles: ReadonlyArray<readonly [string, boolean]>): void {
    for (let from = 0; from < profiles.length; from += REKEY_BATCH) {
      const batch = profiles.slice(from, from + REKEY_BATCH);
      const entries = matchIndexEntriesOf(batch.map(([id]) => personTraitsOf(id)));
      batch.forEach(([id, arrival], i) => write(id, arrival, entries[i] ?? { keys: [], recordHash: null }));
    }
  }

  /** Writes a profile's index rows for its entry; returns whether its keys changed. */
  function write(profileId: string, arrival: boolean, entry: MatchIndexEntry): boolean {
    const { keys: after, recordHash, normalised } = entry;
    const stored = s.stored.get(profileId) as
      { keys: string | null; pending: number; record_hash: string | null; unnormalised: number } | undefined;
    const before = stored?.keys ? (JSON.parse(stored.keys) as string[]) : [];
    const { removed, added } = keyChanges(before, after);
    for (const key of removed) s.removeKey.run(key, profileId);
    // A backfill row (keys NULL: the switch marked it) gets all its keys, after any it may still hold (a key
    // row is never trusted without its profile's keys).
    if (stored?.keys === null) s.dropKeys.run(profileId);
    for (const key of stored?.keys === null ? after : added) s.addKey.run(key, profileId);
    if (after.length === 0) {
      if (stored) s.drop.run(profileId);
      return removed.length > 0;
    }
    const changed = removed.length > 0 || added.length > 0 || stored?.keys === null;
    // Encoded only for a row written: a repeat identify with the same person traits writes none.
    const text = (): string | undefined => normalised && encodeNormalised(normalised);
    if (changed || stored === undefined)
      s.upsert.run(profileId, JSON.stringify(after), nextMatchSeq(now()), arrival && changed ? 1 : 0, recordHash, text());
    else if (stored.record_hash !== recordHash || stored.unnormalised === 1) s.rehash.run(recordHash, text(), profileId);
    return changed;
  }

  return {
    /** After BEGIN IMMEDIATE: reads the switch when this connection has not yet, or another one committed. */
    begin(othersWrote: boolean): void {
      if (on === undefined || othersWrote) on = sqliteMatchingOn(db);
    },
    /** This connection switched (in a write transaction of its own, which data_version does not report to it). */
    switched(value: boolean): void {
      on = value;
    },
    /**
     * The write path: this profile's person traits changed (`arrival`: a new event, not a replay).
     * `identifiersOnly`: only email or phone changed. Why it matters: a key needs a person attribute, so
     * an email on a profile that is not indexed (a shopper's first identify) leaves the index as it is,
     * which one probe at commit tells.
     */
    changed(profileId: string, arrival: boolean, identifiersOnly = false): void {
      if (on === false) return;
      dirty.set(profileId, (dirty.get(profileId) ?? false) || arrival);
      if (!identifiersOnly) attributes.add(profileId);
    },
    /**
     * The write path: two profiles merged. Why not `changed` for both: most merges join an anonymous visitor
     * to a known user, and neither has a person attribute; when neither side is indexed, their union has
     * none either (a key needs an attribute), so such a merge costs one index probe per side at commit.
     */
    merged(survivorId: string, absorbedId: string, arrival: boolean): void {
      if (on === false) return;
      merges.push({ survivorId, absorbedId, arrival });
    },
    /** True when the trait is a person trait. */
    isPersonTrait: (key: string): boolean => PERSON_TRAIT_KEYS.has(key),
    /** Before COMMIT: re-keys the changed profiles (a merged-away one has no traits left: its keys go). */
    beforeCommit(): void {
      const relevant = (id: string): boolean => attributes.has(id) || indexed.get(id) !== undefined;
      for (const m of merges) {
        if (!relevant(m.survivorId) && !relevant(m.absorbedId)) continue;
        dirty.set(m.survivorId, (dirty.get(m.survivorId) ?? false) || m.arrival);
        dirty.set(m.absorbedId, dirty.get(m.absorbedId) ?? false);
        attributes.add(m.survivorId);
      }
      merges.length = 0;
      rekeyAll([...dirty].filter(([profileId]) => relevant(profileId)));
      dirty.clear();
      attributes.clear();
    },
    rolledBack(): void {
      dirty.clear();
      attributes.clear();
      merges.length = 0;
    },
    /** Removes the index rows of these profiles (detach for a replay, which re-keys them as it applies). */
    forget(profileIds: readonly string[]): void {
      for (const id of profileIds) {
        s.dropKeys.run(id);
        s.drop.run(id);
        dirty.delete(id);
      }
    },
    /** Empties the index (full replay). */
    reset(): void {
      db.exec('DELETE FROM match_keys; DELETE FROM match_profiles;');
      dirty.clear();
      attributes.clear();
      merges.length = 0;
    },
    rekeyAll,
  };
}

/** The write-path part of the index. */
export type SqliteMatchIndex = ReturnType<typeof createSqliteMatchIndex>;

/**
 * The persistent blocking index of incremental matching in the PostgreSQL store (migration 17), the
 * same tables as the SQLite store's (sqlite-match-index.ts): `match_keys (key, profile_id)` and
 * `match_profiles (profile_id, keys, seq, pending, record_hash, normalised)`.
 *
 * Write path: `postgres-writes.ts` tells `changed` when a plan sets or unsets a person trait or merges a
 * profile; an event without such a change costs one Set lookup per trait key. At commit (after the last
 * flush) the changed profiles of the transaction are re-keyed in two round trips for the whole batch
 * (read traits and stored keys; write the differences). Those profiles are locked by the transaction
 * (the write path locks every profile it writes), so two transactions never re-key one profile at once.
 * Only while incremental matching is switched on (postgres-match-switch.ts, read with each transaction's
 * BEGIN): off, the transaction does no index work and no re-key round trip.
 */
import type { QueryConfig, QueryResultRow } from 'pg';
import { encodeNormalised } from '@kin/core/matching/index.ts';
import { MATCH_NORMALISED_SQL, MATCH_UNHASHED_DROP_SQL } from '../match-normalised-sql.ts';
import { keyChanges, matchIndexEntriesOf, nextMatchSeq, PERSON_TRAIT_KEYS } from '../../matching/match-keys.ts';

/** Migration 24: what incremental matching did, summed over every turn of every follower (`kin match status`). */
export const POSTGRES_MATCH_TOTALS_MIGRATION = {
  version: 24,
  name: 'incremental matching: totals',
  sql: `CREATE TABLE match_totals (outcome text COLLATE "C" PRIMARY KEY, count bigint NOT NULL);`,
};

/** Migration 17: the tables, with every live profile holding a person trait marked for the backfill (keys NULL). */
export const POSTGRES_MATCH_INDEX_MIGRATION = {
  version: 17,
  name: 'incremental matching: persistent blocking index',
  sql: `
    CREATE TABLE match_keys (key text COLLATE "C" NOT NULL, profile_id text COLLATE "C" NOT NULL, PRIMARY KEY (key, profile_id));
    CREATE INDEX match_keys_profile ON match_keys (profile_id);
    CREATE TABLE match_profiles (profile_id text COLLATE "C" PRIMARY KEY, keys jsonb, seq bigint NOT NULL DEFAULT 0, pending boolean NOT NULL DEFAULT false);
    CREATE INDEX match_profiles_pending ON match_profiles (seq) WHERE pending;
    CREATE INDEX match_profiles_backfill ON match_profiles (profile_id) WHERE keys IS NULL;
    INSERT INTO match_profiles (profile_id) SELECT DISTINCT profile_id FROM traits
      WHERE value IS NOT NULL AND key IN ('address', 'address_1', 'address_2', 'birthDay', 'birthMonth', 'birthYear', 'birth_day', 'birth_month', 'birth_year',
        'birthday', 'city', 'company', 'country', 'date_of_birth', 'email', 'firstName', 'first_name', 'full_name', 'gender', 'lastName', 'last_name',
        'middleName', 'middle_name', 'name', 'occupation', 'phone', 'postalCode', 'postal_code', 'postcode', 'state', 'street_number', 'title', 'zip');
  `,
};

/** Migration 43: each indexed profile's normalised record (the SQLite store's migration 47, sqlite-match-index.ts). */
export const POSTGRES_MATCH_NORMALISED_MIGRATION = {
  version: 43,
  name: 'incremental matching: normalised record of each indexed profile',
  sql: MATCH_NORMALISED_SQL,
};

/** Migration 45: drops migration 35's unused `match_profiles_unhashed` (the SQLite store's migration 53). */
export const POSTGRES_MATCH_UNHASHED_DROP_MIGRATION = {
  version: 45,
  name: 'incremental matching: drop the unused index of unhashed profiles',
  sql: MATCH_UNHASHED_DROP_SQL,
};

/** Migration 35: each indexed profile's record hash (the SQLite store's migration 39, sqlite-match-index.ts). */
export const POSTGRES_MATCH_RECORD_HASH_MIGRATION = {
  version: 35,
  name: 'incremental matching: record hash of each indexed profile',
  sql: `
    ALTER TABLE match_profiles ADD COLUMN record_hash text COLLATE "C";
    CREATE INDEX match_profiles_unhashed ON match_profiles (profile_id) WHERE record_hash IS NULL AND keys IS NOT NULL;
  `,
};

// `held`: the key rows of a backfill row (keys NULL), so that the re-key removes any it should not hold.
const READ = {
  name: 'kin_match_rekey_read_v4',
  text: `SELECT p.id AS profile_id, t.key, t.value, t.source_id, m.keys, m.record_hash, m.normalised IS NULL AS unnormalised,
           m.profile_id IS NOT NULL AS indexed,
           CASE WHEN m.profile_id IS NOT NULL AND m.keys IS NULL THEN ARRAY(SELECT key FROM match_keys WHERE profile_id = p.id ORDER BY key) END AS held
         FROM unnest($1::text[]) AS p(id)
         LEFT JOIN traits t ON t.profile_id = p.id AND t.key = ANY ($2::text[]) AND t.value IS NOT NULL
         LEFT JOIN match_profiles m ON m.profile_id = p.id`,
};

// The rehashed profiles (values changed, keys did not) are never among the upserted ones: one statement
// may not change a row twice.
const WRITE = {
  name: 'kin_match_rekey_write_v3',
  text: `WITH gone AS (DELETE FROM match_keys k USING unnest($1::text[], $2::text[]) AS x(key, profile_id) WHERE k.key = x.key AND k.profile_id = x.profile_id),
              added AS (INSERT INTO match_keys (key, profile_id) SELECT * FROM unnest($3::text[], $4::text[]) ON CONFLICT DO NOTHING),
              dropped AS (DELETE FROM match_profiles WHERE profile_id = ANY ($5::text[])),
              rehashed AS (UPDATE match_profiles m SET record_hash = x.h, normalised = x.n FROM unnest($12::text[], $13::text[], $14::text[]) AS x(p, h, n)
                WHERE m.profile_id = x.p)
         INSERT INTO match_profiles (profile_id, keys, seq, pending, record_hash, normalised)
           SELECT p, k::jsonb, s, a, h, n FROM unnest($6::text[], $7::text[], $8::bigint[], $9::boolean[], $10::text[], $11::text[]) AS x(p, k, s, a, h, n)
         ON CONFLICT (profile_id) DO UPDATE SET keys = excluded.keys, seq = excluded.seq, pending = match_profiles.pending OR excluded.pending,
           record_hash = excluded.record_hash, normalised = excluded.normalised`,
};

type Query = <R extends QueryResultRow>(config: QueryConfig) => Promise<{ rows: R[] }>;

/** Re-keys these profiles from their stored traits (`arrival`: the matcher must look at them if their keys changed). */
export async function rekeyPostgres(query: Query, dirty: ReadonlyMap<string, boolean>, now: number): Promise<void> {
  if (dirty.size === 0) return;
  const ids = [...dirty.keys()].sort();
  const { rows } = await query<{
    profile_id: string;
    key: string | null;
    value: unknown;
    source_id: string | null;
    keys: string[] | null;
    record_hash: string | null;
    unnormalised: boolean;
    indexed: boolean;
    held: string[] | null;
  }>({
    ...READ,
    values: [ids, [...PERSON_TRAIT_KEYS]],
  });
  const byId = new Map<
    string,
    {
      traits: Array<{ key: string; value: unknown; sourceId: string }>;
      keys: string[] | null;
      recordHash: string | null;
      unnormalised: boolean;
      indexed: boolean;
      held: string[] | null;
    }
  >();
  for (const r of rows) {
    let entry = byId.get(r.profile_id);
    if (!entry)
      byId.set(
        r.profile_id,
        (entry = {
          traits: [],
          keys: r.keys,
          recordHash: r.record_hash,
          unnormalised: r.unnormalised,
          indexed: r.indexed,
          held: r.held,
        }),
      );
    if (r.key !== null) entry.traits.push({ key: r.key, value: r.value, sourceId: r.source_id ?? '' });
  }
  const gone: [string[], string[]] = [[], []];
  const added: [string[], string[]] = [[], []];
  const dropped: string[] = [];
  const upserts: [string[], string[], string[], boolean[], Array<string | null>, Array<string | null>] = [[], [], [], [], [], []];
  const rehashed: [string[], Array<string | null>, Array<string | null>] = [[], [], []];
  // Keyed at once: one prepare of all the records (the transaction's profiles are read at once already).
  const entries = matchIndexEntriesOf(ids.map((id) => ({ id, traits: byId.get(id)?.traits ?? [] })));
  for (const [i, id] of ids.entries()) {
    const entry = byId.get(id);
    if (!entry) continue;
    const { keys: after, recordHash, normalised } = entries[i] ?? { keys: [], recordHash: null };
    // Encoded only for a row written: a repeat identify with the same person traits writes none.
    const text = (): string | null => (normalised ? encodeNormalised(normalised) : null);
    // A backfill row (keys NULL: the switch marked it) is diffed against the key rows it holds, if any.
    const backfill = entry.indexed && entry.keys === null;
    const { removed, added: fresh } = keyChanges(backfill ? (entry.held ?? []) : (entry.keys ?? []), after);
    for (const key of removed) {
      gone[0].push(key);
      gone[1].push(id);
    }
    for (const key of fresh) {
      added[0].push(key);
      added[1].push(id);
    }
    if (after.length === 0) {
      if (entry.indexed) dropped.push(id);
      continue;
    }
    const changed = removed.length > 0 || fresh.length > 0 || backfill;
    if (!changed && entry.indexed) {
      // Compared values changed, keys did not: the profile is not a new arrival (seq stays).
      if (entry.recordHash !== recordHash || entry.unnormalised) {
        rehashed[0].push(id);
        rehashed[1].push(recordHash);
        rehashed[2].push(text());
      }
      continue;
    }
    upserts[0].push(id);
    upserts[1].push(JSON.stringify(after));
    upserts[2].push(String(nextMatchSeq(now)));
    upserts[3].push((dirty.get(id) ?? false) && changed);
    upserts[4].push(recordHash);
    upserts[5].push(text());
  }
  if (gone[0].length + added[0].length + dropped.length + upserts[0].length + rehashed[0].length === 0) return;
  await query({ ...WRITE, values: [...gone, ...added, dropped, ...upserts, ...rehashed] });
}

/** Tracks the profiles a transaction changed (see the file comment); nothing while the switch is off. */
export class MatchIndexChanges {
  readonly dirty = new Map<string, boolean>();
  private readonly on: boolean;
  constructor(on: boolean) {
    this.on = on;
  }
  changed(profileId: string, arrival: boolean): void {
    if (!this.on) return;
    this.dirty.set(profileId, (this.dirty.get(profileId) ?? false) || arrival);
  }
  take(): Map<string, boolean> {
    const out = new Map(this.dirty);
    this.dirty.clear();
    return out;
  }
}

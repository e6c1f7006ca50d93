/**
 * Versioned PostgreSQL schema, and the migrator. Each migration runs once, in order, in its own transaction;
 * `schema_migrations` records what ran. A session-level advisory lock makes processes that start at the
 * same time take turns: the first migrates, the others then find nothing left to do.
 * Never edit a shipped migration: add the next one.
 *
 * The bodies live beside this file by subject (postgres-migrations-initial.ts, -identity.ts, -search.ts,
 * -counters.ts) or with the adapter file of the feature they serve; this file only lists them and runs them.
 *
 * Why these shapes (migration 1) (the write path decides Kin's speed; see docs/postgres-storage.md):
 * - Every text key column is `COLLATE "C"`: byte-wise comparison is faster than locale collation and sorts
 *   exactly like SQLite's BINARY, so both adapters list things in the same order.
 * - `identifiers` (type, value) is the lookup of every event; (profile_id) serves snapshots and merges.
 * - A removed trait stays as a row with a NULL value (a tombstone with its time), so an older event or an
 *   older profile folded in by a merge can never bring the value back.
 * - `events` is partitioned by month of the event time; rows outside 2000–2099 land in the default
 *   partition. The primary key must hold the partition key, hence (seq, timestamp). The timeline index
 *   (profile_id, timestamp DESC, seq DESC) answers a profile's newest-first page with one index range.
 * - `message_ids` is keyed by the exact (source_id, message_id) pair; a BRIN index on the claim time keeps
 *   pruning cheap without a second b-tree on the hottest insert path.
 * - `kin_load_snapshot` takes the identity locks and reads the snapshot server-side: one round trip per
 *   event instead of four, and the lock/re-read loop cannot be interleaved with client latency.
 */
import type { Pool, PoolClient } from 'pg';
import { MATCHING_MIGRATION_SQL } from './postgres-matching-store.ts';
import { POSTGRES_PRIVACY_MIGRATION } from './postgres-privacy.ts';
import { POSTGRES_ACCESS_MIGRATION } from './postgres-access.ts';
import { POSTGRES_LINK_COUNTERS_MIGRATION, POSTGRES_LINKS_MIGRATION } from './postgres-links.ts';
import { POSTGRES_LINK_CONVERSIONS_MIGRATION } from './postgres-link-conversions.ts';
import {
  POSTGRES_MATCH_INDEX_MIGRATION,
  POSTGRES_MATCH_NORMALISED_MIGRATION,
  POSTGRES_MATCH_RECORD_HASH_MIGRATION,
  POSTGRES_MATCH_TOTALS_MIGRATION,
  POSTGRES_MATCH_UNHASHED_DROP_MIGRATION,
} from './postgres-match-index.ts';
import { POSTGRES_MATCH_SWITCH_MIGRATION } from './postgres-match-switch.ts';
import { POSTGRES_MESSAGING_MIGRATION } from './postgres-messaging.ts';
import { ENGAGEMENT_SCHEMA_SQL } from '../messaging-engagement-sql.ts';
import { DECISION_STEP_SQL, JOURNEY_BRANCHES_SQL } from '../messaging-step-sql.ts';
import { PERSON_ROW_INDEXES_SQL } from '../person-rows.ts';
import { POSTGRES_AUDIENCE_MIGRATION_SQL, POSTGRES_RECOMPUTE_MARKS_MIGRATION } from './postgres-audiences.ts';
import { POSTGRES_TOMBSTONE_KEYS_MIGRATION } from './postgres-tombstone-keys.ts';
import { POSTGRES_INITIAL_MIGRATION } from './postgres-migrations-initial.ts';
import {
  POSTGRES_BATCH_SNAPSHOT_MIGRATION,
  POSTGRES_IDENTITY_TRUST_MIGRATION,
  POSTGRES_MERGE_BATCH_MIGRATION,
  POSTGRES_TRAIT_HISTORY_MIGRATION,
} from './postgres-migrations-identity.ts';
import {
  POSTGRES_EVENTS_BY_NAME_MIGRATION,
  POSTGRES_NAME_REST_MIGRATION,
  POSTGRES_NAME_SEARCH_MIGRATION,
  POSTGRES_SEARCH_ACTIVITY_MIGRATION,
} from './postgres-migrations-search.ts';
import { POSTGRES_COUNTERS_MIGRATION } from './postgres-migrations-counters.ts';
import { POSTGRES_EVENT_COLUMNS_MIGRATION } from './postgres-event-columns.ts';

/** One schema version. */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

/** Key of the session advisory lock held while migrating (any constant unique to Kin). */
const MIGRATION_LOCK_KEY = 0x4b696e4d; // 'KinM'

/** The migrations, oldest first. */
export const POSTGRES_MIGRATIONS: ReadonlyArray<PostgresMigration> = [
  POSTGRES_INITIAL_MIGRATION,
  POSTGRES_SEARCH_ACTIVITY_MIGRATION,
  POSTGRES_BATCH_SNAPSHOT_MIGRATION,
  {
    version: 4,
    name: 'match-review',
    // Why: probabilistic matching queues doubtful pairs for a person's decision (review_items) and keeps the
    // probability and evidence of every merge it makes (match_links, keyed by the ledger entry's message id).
    sql: MATCHING_MIGRATION_SQL,
  },
  POSTGRES_MERGE_BATCH_MIGRATION,
  POSTGRES_IDENTITY_TRUST_MIGRATION,
  POSTGRES_NAME_SEARCH_MIGRATION,
  POSTGRES_COUNTERS_MIGRATION,
  POSTGRES_TRAIT_HISTORY_MIGRATION,
  POSTGRES_NAME_REST_MIGRATION,
  POSTGRES_PRIVACY_MIGRATION,
  POSTGRES_ACCESS_MIGRATION,
  POSTGRES_LINKS_MIGRATION,
  { version: 13, name: 'computed traits and audiences', sql: POSTGRES_AUDIENCE_MIGRATION_SQL },
  POSTGRES_RECOMPUTE_MARKS_MIGRATION,
  POSTGRES_MESSAGING_MIGRATION,
  POSTGRES_EVENTS_BY_NAME_MIGRATION,
  { version: 21, name: 'engagement per profile and channel (best_engagement)', sql: ENGAGEMENT_SCHEMA_SQL },
  POSTGRES_TOMBSTONE_KEYS_MIGRATION,
  POSTGRES_MATCH_INDEX_MIGRATION,
  POSTGRES_LINK_COUNTERS_MIGRATION,
  { version: 26, name: 'decisions by journey step (the step diagram)', sql: DECISION_STEP_SQL },
  POSTGRES_MATCH_TOTALS_MIGRATION,
  { version: 27, name: "a person's clicks and deliveries by index (privacy)", sql: PERSON_ROW_INDEXES_SQL },
  { version: 33, name: 'journey branches taken (the step diagram)', sql: JOURNEY_BRANCHES_SQL },
  POSTGRES_MATCH_RECORD_HASH_MIGRATION,
  POSTGRES_MATCH_SWITCH_MIGRATION,
  POSTGRES_EVENT_COLUMNS_MIGRATION,
  POSTGRES_LINK_CONVERSIONS_MIGRATION,
  POSTGRES_MATCH_NORMALISED_MIGRATION,
  POSTGRES_MATCH_UNHASHED_DROP_MIGRATION,
  // Subjects add their migration at the end; they apply in version order.
].sort((x, y) => x.version - y.version);

/**
 * Applies the migrations not yet recorded, each once and in its own transaction. Safe to call from many
 * processes at once: they queue on a session advisory lock.
 */
export async function migratePostgres(pool: Pool, migrations: ReadonlyArray<PostgresMigration> = POSTGRES_MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}

async function applyPending(client: PoolClient, migrations: ReadonlyArray<PostgresMigration>): Promise<number[]> {
  await client.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
  );
  const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    await client.query('BEGIN');
    try {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [
        migration.version,
        migration.name,
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    applied.push(migration.version);
  }
  return applied;
}

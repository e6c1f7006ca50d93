/**
 * The databases the order property tests (trait-order.pg.test.ts, consent-order.pg.test.ts) run a rule in:
 * an in-memory SQLite with the store's own prepared statements, a migrated throwaway PostgreSQL database,
 * and one row of the PL/pgSQL merge function's argument. Why shared: each order test needs the same three.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { migratePostgres } from '../storage/postgres/postgres-migrations.ts';
import { createTestDatabase } from '../storage/postgres/postgres-test-db.ts';
import { migrateSqlite } from '../storage/sqlite/sqlite-migrator.ts';
import type { WriteStatements } from '../storage/sqlite/sqlite-write-statements.ts';
import { prepareWrites } from '../storage/sqlite/sqlite-write-statements.ts';

/** A migrated in-memory SQLite database and the store's write statements on it. */
export function sqliteWrites(): { db: Database.Database; s: WriteStatements } {
  const db = new Database(':memory:');
  migrateSqlite(db, () => new Date(0));
  return { db, s: prepareWrites(db) };
}

/** A migrated throwaway PostgreSQL database behind a one-connection pool; `close` ends it and drops it. */
export async function migratedPostgres(): Promise<{ pool: pg.Pool; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  await migratePostgres(pool);
  return {
    pool,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

/** Runs the PL/pgSQL merge function (`kin_merge_batch_v3`) for one merge of `absorbed` into `survivor`. */
export async function runMergeFunction(
  pool: pg.Pool,
  merge: { survivor: string; absorbed: string; id: string; at: string; consent: string },
) {
  const row = {
    survivor_id: merge.survivor,
    absorbed_id: merge.absorbed,
    at: merge.at,
    id: merge.id,
    rule: 'test',
    via: [],
    message_id: merge.id,
    source_id: 'src_a',
    sides: null,
    consent: merge.consent,
  };
  await pool.query('SELECT kin_merge_batch_v3($1::json)', [JSON.stringify([row])]);
}

/**
 * The computed-trait and audience port of the SQLite store (see audience-store.ts). Writes share the store's
 * write queue, so they never slip into an open transaction; reads use the read connection.
 */
import type Database from 'better-sqlite3';
import type { AudienceStore, RecomputeMark } from '../audience-store.ts';
import { definitionOf } from '../audience-store.ts';
import { createAudienceEventReads } from './sqlite-audience-feed.ts';
import { createAudienceState } from './sqlite-audience-state.ts';
import { inTransaction } from './sqlite-connection.ts';
import type { SqliteLeases } from './sqlite-lease.ts';
import { sqliteProfilesOf } from './sqlite-profile-batch.ts';
import { cachedStatement as stmt } from './sqlite-statement-cache.ts';
import { markTraitDeleted, valuePath } from './sqlite-state-values.ts';
import type { WriteQueue } from './write-queue.ts';

type Row = Record<string, unknown>;

/** The definitions (SQLite migration 17): small and rarely written, kept with the data they describe. */
export const SQLITE_AUDIENCE_MIGRATION_SQL = `
  CREATE TABLE computed_definitions (
    kind TEXT NOT NULL, key TEXT NOT NULL, definition TEXT NOT NULL, status TEXT NOT NULL, progress REAL NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;
`;

/**
 * Recompute marks (SQLite migration 24): profiles whose events changed without a new event of theirs in the
 * feed. In the main file, because they commit with the change that makes them; one row per profile, and
 * `INSERT OR REPLACE` gives a marked-again profile a new id (see `RecomputeMark`).
 */
export const SQLITE_RECOMPUTE_MARKS_MIGRATION = {
  version: 24,
  name: 'computed traits: recompute marks of identity changes without events',
  sql: `CREATE TABLE recompute_marks (id INTEGER PRIMARY KEY AUTOINCREMENT, profile_id TEXT NOT NULL UNIQUE);`,
};

/** Marks profiles for recompute on `connection` (inside the caller's transaction). */
export function insertRecomputeMarks(connection: Database.Database, profileIds: Iterable<string>): void {
  const insert = stmt(connection, 'INSERT OR REPLACE INTO recompute_marks (profile_id) VALUES (?)');
  for (const id of profileIds) insert.run(id);
}

/**
 * Creates the port over the store's connections: definitions and marks in the main file, the per-profile state
 * in a file of its own (sqlite-audience-state.ts), the event reads on the read connection
 * (sqlite-audience-feed.ts).
 */
export function createSqliteAudiences(options: {
  db: Database.Database;
  read: () => Database.Database;
  queue: WriteQueue;
  path: string;
  leases: SqliteLeases;
}): AudienceStore & { close(): void } {
  const { db, read, queue } = options;
  const write = <T>(fn: () => T): Promise<T> => queue.run(() => inTransaction(db, fn));
  const { writeState, ...state } = createAudienceState({ db, queue, path: options.path });
  const events = createAudienceEventReads(read);
  return {
    saveDefinition: (async (kind: string, definition: { key: string }, createdAt: string) => {
      // Before the definition exists: the evaluator's first values of it must not be dropped (a value written
      // back in between is one computed before the delete, replaced by the backfill).
      if (kind === 'trait') await writeState((s) => markTraitDeleted(s, definition.key, false));
      return write(
        () =>
          stmt(
            db,
            "INSERT INTO computed_definitions (kind, key, definition, status, progress, created_at) VALUES (?, ?, ?, 'backfilling', 0, ?) ON CONFLICT DO NOTHING",
          ).run(kind, definition.key, JSON.stringify(definition), createdAt).changes === 1,
      );
    }) as AudienceStore['saveDefinition'],

    listDefinitions: (async (kind: string) =>
      (stmt(read(), 'SELECT * FROM computed_definitions WHERE kind = ? ORDER BY key').all(kind) as Row[]).map(
        definitionOf,
      )) as AudienceStore['listDefinitions'],

    async deleteDefinition(kind, key) {
      const gone = await write(() => stmt(db, 'DELETE FROM computed_definitions WHERE kind = ? AND key = ?').run(kind, key).changes === 1);
      await writeState((s) => {
        if (kind === 'audience') return stmt(s, 'DELETE FROM audience_members WHERE audience_key = ?').run(key);
        markTraitDeleted(s, key, true);
        const path = valuePath(key);
        stmt(s, 'UPDATE profile_values SET vals = json_remove(vals, ?) WHERE json_type(vals, ?) IS NOT NULL').run(path, path);
        return stmt(s, "DELETE FROM profile_values WHERE vals = '{}'").run();
      });
      return gone;
    },

    async setStatus(kind, keys, status, progress) {
      await write(() => {
        const update = stmt(db, 'UPDATE computed_definitions SET status = ?, progress = ? WHERE kind = ? AND key = ?');
        for (const key of keys) update.run(status, progress, kind, key);
      });
    },

    async recomputeMarks(limit) {
      return (stmt(read(), 'SELECT id, profile_id FROM recompute_marks ORDER BY id LIMIT ?').all(limit) as Row[]).map(
        (r): RecomputeMark => ({ id: r.id as number, profileId: r.profile_id as string }),
      );
    },

    async clearRecomputeMarks(ids) {
      if (ids.length === 0) return;
      await write(() => stmt(db, 'DELETE FROM recompute_marks WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids)));
    },

    // One writer at a time: a seq commits after every lower one (sqlite-tail-index.ts relies on it too), so a
    // feed page need not read the seqs before its position again.
    feedOverlap: 0,

    readProfiles: async (profileIds) => sqliteProfilesOf(read(), profileIds),

    evaluatorLease: () => options.leases.lease('audience-evaluator'),

    ...state,
    ...events,
  };
}

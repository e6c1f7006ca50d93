/**
 * Brings a SQLite file to the newest schema (sqlite-migrations.ts). Runs before a store is built, so the
 * store prepares its statements once, against tables that exist.
 * Why the check inside each transaction: the HTTP thread, the writer thread and a CLI may open the same file
 * at once; BEGIN IMMEDIATE serialises them, and each migration is applied by exactly one of them.
 */
import type Database from 'better-sqlite3';
import { inSqliteTransaction } from './sqlite-connection.ts';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts';

/** Applies every migration the file lacks; `now` stamps them. */
export function migrateSqlite(db: Database.Database, now: () => Date): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  for (const migration of SQLITE_MIGRATIONS) {
    if (applied.get(migration.version)) continue;
    inSqliteTransaction(db, () => {
      if (applied.get(migration.version)) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        now().toISOString(),
      );
    });
  }
}

/**
 * The switch of incremental matching in the SQLite file (migration 40): one row every writer of the file
 * reads (the server's writer thread, `kin import`, a second server), so they all keep the blocking index
 * (sqlite-match-index.ts) while it is on and none of them does any index work while it is off.
 *
 * Why in the file and not in each process's policy: the index is shared; a writer that kept it while
 * another did not would leave it stale. Why it is consistent without a lock of its own: a writer reads the
 * switch inside its `BEGIN IMMEDIATE` transaction (cached until another connection commits, which SQLite's
 * data_version tells), and switching is a write transaction too, so every transaction runs wholly before
 * or wholly after a switch.
 */
import type Database from 'better-sqlite3';
import { PERSON_TRAIT_KEYS } from '../../matching/match-keys.ts';

/**
 * Migration 40: the switch, off (the policy default). The index kept until now is emptied: from here on it
 * is kept only while the switch is on, and switching on rebuilds it (`switchSqliteMatching`).
 */
export const SQLITE_MATCH_SWITCH_MIGRATION = {
  version: 40,
  name: 'incremental matching: the switch every writer reads',
  sql: `
    CREATE TABLE match_switch (id INTEGER PRIMARY KEY CHECK (id = 1), incremental INTEGER NOT NULL);
    INSERT INTO match_switch (id, incremental) VALUES (1, 0);
    DELETE FROM match_keys;
    DELETE FROM match_profiles;
  `,
};

/** Whether the switch is on (on any connection of the file). */
export function sqliteMatchingOn(db: Database.Database): boolean {
  return db.prepare('SELECT incremental FROM match_switch').pluck().get() === 1;
}

/**
 * Sets the switch inside the caller's write transaction; answers whether it changed. Either way the index is
 * emptied (off: nothing keeps it any more; on: it may hold keys from before the last time it was off); on,
 * every profile with a person trait is marked for the backfill (keys NULL), which keys it from its traits now.
 */
export function switchSqliteMatching(db: Database.Database, on: boolean): boolean {
  if (sqliteMatchingOn(db) === on) return false;
  db.prepare('UPDATE match_switch SET incremental = ?').run(on ? 1 : 0);
  db.exec('DELETE FROM match_keys; DELETE FROM match_profiles;');
  if (on) {
    const keys = [...PERSON_TRAIT_KEYS];
    db.prepare(
      `INSERT INTO match_profiles (profile_id) SELECT DISTINCT profile_id FROM traits
       WHERE value IS NOT NULL AND key IN (${keys.map(() => '?').join(', ')})`,
    ).run(...keys);
  }
  return true;
}

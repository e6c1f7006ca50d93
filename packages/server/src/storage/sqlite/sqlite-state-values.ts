/**
 * The computed-trait values of the SQLite state file: one row per profile holding all its values as one JSON
 * object (`profile_values`), written with one upsert when any of them changed. Why not one row per value (as
 * before, table `computed_values`): a recompute changes several values of a profile at once (a count, a sum, a
 * last value...), and the evaluator's upserts, one per changed value, were a fifth of its work under ingest. Who
 * reads values reads them all for a profile (the profile API, the evaluator), never one key across profiles
 * (a definition's delete aside).
 */
import type Database from 'better-sqlite3';
import type { ProfileComputedState } from '../audience-store.ts';
import { cachedStatement as stmt } from './sqlite-statement-cache.ts';

/** The table of each profile's values (`vals`: a JSON object, key -> value; no row when the profile has none). */
export const PROFILE_VALUES_SQL = `CREATE TABLE IF NOT EXISTS profile_values (profile_id TEXT PRIMARY KEY, vals TEXT NOT NULL);`;

/**
 * The keys of trait definitions deleted and not created again. Why: the evaluator writes a profile's values as
 * one object, computed before the write; one computed before a definition's delete would write the deleted
 * key back after the delete removed it from every row. `writeStates` drops these keys from what it writes.
 */
export const DELETED_TRAITS_SQL = `CREATE TABLE IF NOT EXISTS deleted_traits (key TEXT PRIMARY KEY) WITHOUT ROWID;`;

/** Marks trait `key` deleted (`deleted`) or created again, in the caller's transaction on the state file `s`. */
export function markTraitDeleted(s: Database.Database, key: string, deleted: boolean): void {
  if (deleted) stmt(s, 'INSERT OR IGNORE INTO deleted_traits (key) VALUES (?)').run(key);
  else stmt(s, 'DELETE FROM deleted_traits WHERE key = ?').run(key);
}

/** A filter of states to write that drops the values of deleted traits (read once, in the write's transaction). */
export function withoutDeletedTraits(s: Database.Database): <T extends Pick<ProfileComputedState, 'values'>>(state: T) => T {
  const deleted = stmt(s, 'SELECT key FROM deleted_traits').pluck().all() as string[];
  if (deleted.length === 0) return (state) => state;
  return (state) => {
    if (!deleted.some((key) => Object.hasOwn(state.values, key))) return state;
    const values = { ...state.values };
    for (const key of deleted) delete values[key];
    return { ...state, values };
  };
}

/**
 * Converts a state file of the former layout (one `computed_values` row per value) in one transaction: each
 * profile's rows become one `profile_values` row, and the old table is dropped. Nothing to do on a new file or
 * one already converted. The transaction takes the write lock first (IMMEDIATE) and looks for the old table
 * again under it: a second process opening the same old file at the same time waits, then finds it converted.
 */
export function convertValueRows(s: Database.Database): void {
  const hasOld = (): boolean =>
    s.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'computed_values'").get() !== undefined;
  if (!hasOld()) return;
  s.transaction(() => {
    if (!hasOld()) return;
    s.exec(`
      INSERT OR IGNORE INTO profile_values (profile_id, vals)
        SELECT profile_id, json_group_object(key, json(value)) FROM computed_values GROUP BY profile_id;
      DROP TABLE computed_values;
    `);
  }).immediate();
}

/** The JSON path of a key in a `vals` object (keys hold letters, digits, `_ . -`: quoted, a dot is no step). */
export function valuePath(key: string): string {
  return `$."${key}"`;
}

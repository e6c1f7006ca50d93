/**
 * The SQLite store's profile list reads for the dashboard: name search through the partial index
 * `traits_name` (migration 11) and live profiles in creation order.
 */
import type Database from 'better-sqlite3';
import type { ProfileOrder } from '../storage.ts';

/** The highest code point: every string that starts with a prefix sorts below `prefix + MAX`. */
const MAX_CHAR = String.fromCodePoint(0x10ffff);

/**
 * Live profiles whose name trait starts with `prefix` (lower-case), in name order, then those whose full
 * `name` has a later word that starts with it. Why a range on the JSON
 * text: the stored value is `"Farid"`, so the JSON encoding of the prefix without its closing quote is a
 * prefix of every match, and the range is one scan of the index. The WHERE on `key` repeats the index's.
 */
export function sqliteProfileIdsByName(db: Database.Database, query: { prefix: string; limit: number }): string[] {
  const low = JSON.stringify(query.prefix).slice(0, -1);
  const rows = db
    .prepare(
      `SELECT profile_id FROM traits WHERE key IN ('firstName', 'lastName', 'name') AND lower(value) >= ? AND lower(value) < ?
       ORDER BY lower(value), profile_id`,
    )
    .pluck()
    .iterate(low, low + MAX_CHAR) as IterableIterator<string>;
  const ids = new Set<string>();
  for (const id of rows) {
    ids.add(id);
    if (ids.size >= query.limit) return [...ids];
  }
  // The later words of a full `name` (migration 14): the text after its first space, closing quote included.
  const rest = JSON.stringify(query.prefix).slice(1, -1);
  const later = db
    .prepare(
      `SELECT profile_id FROM traits WHERE key = 'name' AND instr(value, ' ') > 0
         AND lower(substr(value, instr(value, ' ') + 1)) >= ? AND lower(substr(value, instr(value, ' ') + 1)) < ?
       ORDER BY lower(substr(value, instr(value, ' ') + 1)), profile_id`,
    )
    .pluck()
    .iterate(rest, rest + MAX_CHAR) as IterableIterator<string>;
  for (const id of later) {
    ids.add(id);
    if (ids.size >= query.limit) break;
  }
  return [...ids];
}

/** A page of live profile ids by creation time (ids are time-ordered: the primary key is the order). */
export function sqliteListProfileIds(db: Database.Database, query: { order: ProfileOrder; limit: number; offset: number }): string[] {
  const direction = query.order === 'oldest' ? 'ASC' : 'DESC';
  return db
    .prepare(`SELECT id FROM profiles WHERE merged_into IS NULL ORDER BY id ${direction} LIMIT ? OFFSET ?`)
    .pluck()
    .all(query.limit, query.offset) as string[];
}

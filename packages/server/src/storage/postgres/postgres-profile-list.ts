/**
 * The PostgreSQL store's profile list reads for the dashboard: name search through the partial index
 * `traits_name` (migration 7) and live profiles in creation order.
 */
import type { Pool } from 'pg';
import type { ProfileOrder } from '../storage.ts';

/** Live profiles whose name trait starts with `prefix` (lower-case), in name order, then those whose full `name` has a later word that starts with it. */
export async function postgresProfileIdsByName(pool: Pool, query: { prefix: string; limit: number }): Promise<string[]> {
  const pattern = query.prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  // Why a subquery: DISTINCT would sort by id; the inner scan keeps the index's name order.
  const { rows } = await pool.query<{ profile_id: string }>(
    `SELECT profile_id FROM (
       SELECT profile_id, min(lower(value #>> '{}')) AS name FROM traits
       WHERE key IN ('firstName', 'lastName', 'name') AND lower(value #>> '{}') LIKE $1
       GROUP BY profile_id
     ) hits ORDER BY name, profile_id LIMIT $2`,
    [pattern, query.limit],
  );
  const ids = new Set(rows.map((row) => row.profile_id));
  if (ids.size >= query.limit) return [...ids];
  // The later words of a full `name` (migration 10): the text after its first space.
  const later = await pool.query<{ profile_id: string }>(
    `SELECT profile_id FROM traits
     WHERE key = 'name' AND position(' ' in value #>> '{}') > 0
       AND lower(substring(value #>> '{}' from position(' ' in value #>> '{}') + 1)) LIKE $1
     ORDER BY lower(substring(value #>> '{}' from position(' ' in value #>> '{}') + 1)), profile_id LIMIT $2`,
    [pattern, query.limit],
  );
  for (const row of later.rows) if (ids.size < query.limit) ids.add(row.profile_id);
  return [...ids];
}

/** A page of live profile ids by creation time (ids are time-ordered: the primary key is the order). */
export async function postgresListProfileIds(pool: Pool, query: { order: ProfileOrder; limit: number; offset: number }): Promise<string[]> {
  const direction = query.order === 'oldest' ? 'ASC' : 'DESC';
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM profiles WHERE merged_into IS NULL ORDER BY id ${direction} LIMIT $1 OFFSET $2`,
    [query.limit, query.offset],
  );
  return rows.map((row) => row.id);
}

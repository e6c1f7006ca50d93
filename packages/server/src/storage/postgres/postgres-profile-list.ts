/**
 * The PostgreSQL store's profile list reads for the dashboard: name search through the partial index
 * `traits_name` (migration 7) and live profiles in creation order.
 */
import type { Pool } from 'pg';
import type { ProfileOrder } from '../storage.ts';

/** Live profiles whose name trait starts with `prefix` (lower-case), in name order. */
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
  return rows.map((row) => row.profile_id);
}

/** A page of live profile ids by creation time (ids are time-ordered), and the number of live profiles (the counter). */
export async function postgresListProfileIds(pool: Pool, query: { order: ProfileOrder; limit: number; offset: number }): Promise<{ ids: string[]; total: number }> {
  const direction = query.order === 'oldest' ? 'ASC' : 'DESC';
  const [page, count] = await Promise.all([
    pool.query<{ id: string }>(`SELECT id FROM profiles WHERE merged_into IS NULL ORDER BY id ${direction} LIMIT $1 OFFSET $2`, [query.limit, query.offset]),
    // The store's counter (summed over the writers' slots), not a count of rows: see docs/admin-reads.md.
    pool.query<{ n: string }>("SELECT coalesce(sum(n), 0) AS n FROM store_counts WHERE name = 'profiles'"),
  ]);
  return { ids: page.rows.map((row) => row.id), total: Number(count.rows[0]?.n ?? 0) };
}

/**
 * A link's conversions in the PostgreSQL store: the clicked live profiles from `link_clicked_profiles`
 * (links-conversions.ts), each probed for the conversion event within the window after its first click by the
 * index `events_profile_time` (a PostgreSQL event row names its live profile, as the timeline reads it).
 */
import type pg from 'pg';
import { CLICKED_LIVE_SQL, CLICKED_PROFILE_UPSERT, CLICKED_PROFILES_MIGRATION } from '../links-conversions.ts';
import type { ConversionQuery } from '../links-conversions.ts';

/** Migration 42: the clicked profiles of each link (the SQLite store's migration 46). */
export const POSTGRES_LINK_CONVERSIONS_MIGRATION = {
  version: 42,
  name: 'tracked links: clicked profiles of each link (conversions)',
  sql: CLICKED_PROFILES_MIGRATION('text COLLATE "C"', ''),
};

/**
 * The rows of a transaction's clicked profiles (three arrays: links, profiles, first clicks), upserted in key
 * order (the one sort: concurrent writers lock rows in one order, and so never deadlock on them).
 */
export const POSTGRES_CLICKED_PROFILES_UPSERT = CLICKED_PROFILE_UPSERT(
  'SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ORDER BY 1, 2',
);

/** The number of clicked live profiles with a `query.event` event within the window after their first click. */
export async function countPostgresConversions(pool: pg.Pool, linkId: string, query: ConversionQuery): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `WITH clicked AS (${CLICKED_LIVE_SQL((n) => `$${n}`)})
     SELECT count(*) AS n FROM clicked k WHERE EXISTS (
       SELECT 1 FROM events e WHERE e.profile_id = k.live AND e.event = $3
         AND e.timestamp >= k.first_at::timestamptz AND e.timestamp <= k.first_at::timestamptz + make_interval(days => $4::int))`,
    [linkId, query.limit, query.event, query.windowDays],
  );
  return Number(rows[0]?.n ?? 0);
}

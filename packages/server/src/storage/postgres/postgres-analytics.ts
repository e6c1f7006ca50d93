/**
 * The PostgreSQL adapter of the analytics read port (see analytics-store.ts). A day slice reads the month
 * partition(s) it falls in; events by name use `events_name_time` (migration 16). Each slice's statement
 * runs with the time left before the deadline as its `statement_timeout`.
 */
import type pg from 'pg';
import type { AnalyticsRow, AnalyticsStore } from '../analytics-store.ts';
import { AnalyticsTimeout, checkDeadline, scanSlices } from '../analytics-store.ts';

type Raw = [string, string, string, string | null, string, number, string | null, string | null, string | null];

const toRow = (r: Raw): AnalyticsRow => {
  const row: AnalyticsRow = { seq: Number(r[0]), messageId: r[1], sourceId: r[2], profileId: r[3], name: r[4], at: r[5] };
  if (r[6] !== null) row.anonymousId = r[6];
  if (r[7] !== null) row.userId = r[7];
  if (r[8] !== null) row.payload = r[8];
  return row;
};

const json = (payload: boolean, slim = false) =>
  !payload
    ? 'NULL'
    : slim
      ? "json_build_object('type', type, 'context', payload->'context', 'properties', payload->'properties')::text"
      : 'payload::text';

const columns = (identity: boolean, payload: boolean, slim?: boolean) =>
  `seq, message_id, source_id, profile_id, coalesce(event, type), (extract(epoch from timestamp) * 1000)::float8,
   ${identity ? "payload->>'anonymousId', payload->>'userId'" : 'NULL, NULL'}, ${json(payload, slim)}`;

/** Creates the analytics port over the store's pool. */
export function createPostgresAnalytics(pool: pg.Pool): AnalyticsStore {
  return {
    async scanEvents(scan, onRows) {
      const client = await pool.connect();
      let total = 0;
      let broken = false;
      try {
        await client.query('BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ');
        for (const [from, to] of scanSlices(scan.fromMs, scan.toMs)) {
          checkDeadline(scan.deadline);
          // 0 turns the limit off (a deadline of Infinity: exports and benchmarks).
          const left = Number.isFinite(scan.deadline) ? Math.min(2_147_483_647, Math.max(1, Math.ceil(scan.deadline - Date.now()))) : 0;
          await client.query(`SET LOCAL statement_timeout = ${left}`);
          const named = 'coalesce(event, type) = ANY($3::text[])';
          const touch = "payload->'context'->'campaign' IS NOT NULL OR payload->'context'->'kin'->'link' IS NOT NULL";
          const text = scan.names
            ? `SELECT ${columns(scan.identity, scan.payload, scan.slim)} FROM events WHERE (${scan.touches ? `${named} OR ${touch}` : named}) AND timestamp >= $1 AND timestamp < $2`
            : `SELECT ${columns(scan.identity, scan.payload, scan.slim)} FROM events WHERE timestamp >= $1 AND timestamp < $2`;
          const values: unknown[] = [new Date(from), new Date(to)];
          if (scan.names) values.push(scan.names);
          const result = await client.query<Raw>({ text, values, rowMode: 'array' }).catch((error: unknown) => {
            throw (error as { code?: string }).code === '57014' ? new AnalyticsTimeout() : error;
          });
          total += result.rows.length;
          onRows(result.rows.map(toRow));
        }
        await client.query('COMMIT');
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        // A connection left inside a failed transaction is not given back to the pool.
        client.release(broken);
      }
      return total;
    },
    async liveProfiles() {
      const { rows } = await pool.query<[string, string]>({
        text: 'SELECT id, merged_into FROM profiles WHERE merged_into IS NOT NULL',
        rowMode: 'array',
      });
      return new Map(rows);
    },
    async findEvents(messageId, name) {
      const { rows } = await pool.query<Raw>({
        text: `SELECT ${columns(true, true)} FROM events WHERE coalesce(event, type) = $1 AND message_id = $2`,
        values: [name, messageId],
        rowMode: 'array',
      });
      return rows.map(toRow);
    },
  };
}

/**
 * The PostgreSQL adapter of the analytics read port (see analytics-store.ts). A day slice reads the month
 * partition(s) it falls in; events by name use `events_name_time` (migration 16). Each slice's statement
 * runs with the time left before the deadline as its `statement_timeout`.
 */
import type pg from 'pg';
import type { AnalyticsRaw, AnalyticsScan, AnalyticsStore } from '../analytics-store.ts';
import { analyticsRowReader, AnalyticsTimeout, checkDeadline, scanSlices } from '../analytics-store.ts';
import { scanPostgresColumns } from './postgres-analytics-columns.ts';
import { clientTransaction, READ_SNAPSHOT, setStatementTimeout } from './postgres-client-transaction.ts';
import type { ProfileNumbers } from './postgres-event-columns-read.ts';

const json = (scan: Pick<AnalyticsScan, 'slim' | 'noProperties'>) =>
  !scan.slim
    ? 'payload::text'
    : `json_build_object('type', type, 'context', payload->'context'${scan.noProperties ? '' : ", 'properties', payload->'properties'"})::text`;

/**
 * Only the columns a scan needs. Why: a funnel without conditions reads neither identity nor JSON, and every value
 * of every row is text the driver turns into a JavaScript value (message and source ids were 2 of its 6 columns).
 */
const columns = (identity: boolean, payload: boolean, slim: Pick<AnalyticsScan, 'slim' | 'noProperties'> = {}) =>
  [
    'seq, profile_id, coalesce(event, type), (extract(epoch from timestamp) * 1000)::float8',
    ...(identity || payload ? ['message_id, source_id'] : []),
    ...(identity ? ["payload->>'anonymousId', payload->>'userId'"] : []),
    ...(payload ? [json(slim)] : []),
  ].join(', ');

/** PostgreSQL hands the time over as milliseconds already. */
const rowReader = (identity: boolean, payload: boolean) => analyticsRowReader({ identity, payload, at: Number });

/**
 * An event with a campaign or a `kin_link` (an attribution touch). Why the text test first: `payload` is `json`
 * (text), each `->` parses the event again, and the test runs on every event of the range, most of them neither
 * touch nor conversion. Kin writes every payload with JSON.stringify, which never escapes a letter, so an event
 * with either key holds `"campaign"` or `"link"` in its text; the parse only confirms the few that do.
 */
const TOUCH = `(strpos(payload::text, '"campaign"') > 0 AND payload->'context'->'campaign' IS NOT NULL)
  OR (strpos(payload::text, '"link"') > 0 AND payload->'context'->'kin'->'link' IS NOT NULL)`;

/** Creates the analytics port over the store's pool. */
export function createPostgresAnalytics(pool: pg.Pool): AnalyticsStore {
  const numbers: ProfileNumbers = { list: [], max: 0 };
  const analytics: AnalyticsStore = {
    async scanColumns(scan, onColumns) {
      return scanPostgresColumns(pool, scan, onColumns, numbers);
    },
    async scanEvents(scan, onRows) {
      let total = 0;
      const toRow = rowReader(scan.identity, scan.payload);
      await clientTransaction(
        pool,
        async (client) => {
          for (const [from, to] of scanSlices(scan.fromMs, scan.toMs)) {
            checkDeadline(scan.deadline);
            await setStatementTimeout(client, scan.deadline);
            const named = 'coalesce(event, type) = ANY($3::text[])';
            const text = scan.names
              ? `SELECT ${columns(scan.identity, scan.payload, scan)} FROM events WHERE (${scan.touches ? `${named} OR ${TOUCH}` : named}) AND timestamp >= $1 AND timestamp < $2`
              : `SELECT ${columns(scan.identity, scan.payload, scan)} FROM events WHERE timestamp >= $1 AND timestamp < $2`;
            const values: unknown[] = [new Date(from), new Date(to)];
            if (scan.names) values.push(scan.names);
            const result = await client.query<AnalyticsRaw>({ text, values, rowMode: 'array' }).catch((error: unknown) => {
              throw (error as { code?: string }).code === '57014' ? new AnalyticsTimeout() : error;
            });
            total += result.rows.length;
            onRows(result.rows.map(toRow));
          }
        },
        READ_SNAPSHOT,
      );
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
      const { rows } = await pool.query<AnalyticsRaw>({
        text: `SELECT ${columns(true, true)} FROM events WHERE coalesce(event, type) = $1 AND message_id = $2`,
        values: [name, messageId],
        rowMode: 'array',
      });
      return rows.map(rowReader(true, true));
    },
  };
  return analytics;
}

/**
 * The SQLite adapter of the analytics read port (see analytics-store.ts). Reads through the store's read
 * connection; events by name come from the `events_name_time` index (migration 20), all events of a range
 * from `events_time`. anonymousId and userId are extracted by SQLite (one JSON parse per row, in C).
 */
import type Database from 'better-sqlite3';
import { isoString } from '@kin/core';
import type { AnalyticsRow, AnalyticsStore } from '../analytics-store.ts';
import { checkDeadline, scanSlices } from '../analytics-store.ts';

type Raw = [number, string, string, string | null, string, string, string | null, string | null, string | null];

/** Creates the analytics port over the store's read connection. */
export function createSqliteAnalytics(read: () => Database.Database): AnalyticsStore {
  const toRow = (r: Raw): AnalyticsRow => {
    const row: AnalyticsRow = { seq: r[0], messageId: r[1], sourceId: r[2], profileId: r[3], name: r[4], at: Date.parse(r[5]) };
    if (r[6] !== null) row.anonymousId = r[6];
    if (r[7] !== null) row.userId = r[7];
    if (r[8] !== null) row.payload = r[8];
    return row;
  };
  // Why '' for message_id and source_id when neither identity nor payload is read: the name index then covers the
  // whole query (name, timestamp, profile_id, seq), and a funnel never touches the table.
  // Why the whole JSON even for a `slim` scan: cutting it down in SQLite (json_object of json_extracts) cost more CPU
  // than parsing the rest in JavaScript (bench:analytics, paths 411 vs 361 ms of CPU); PostgreSQL's cut pays off.
  const columns = (identity: boolean, payload: boolean) =>
    `seq, ${identity || payload ? 'message_id, source_id' : "'', ''"}, profile_id, coalesce(event, type), timestamp,
     ${identity ? "json_extract(payload, '$.anonymousId'), json_extract(payload, '$.userId')" : 'NULL, NULL'}, ${payload ? 'payload' : 'NULL'}`;
  return {
    async scanEvents(scan, onRows) {
      const db = read();
      const names = scan.names;
      const named = 'coalesce(event, type) IN (SELECT value FROM json_each(?))';
      const statement = db
        .prepare(
          names && scan.touches
            ? `SELECT ${columns(scan.identity, scan.payload)} FROM events INDEXED BY events_time
               WHERE (${named} OR json_type(payload, '$.context.campaign') IS NOT NULL OR json_type(payload, '$.context.kin.link') IS NOT NULL)
                 AND timestamp >= ? AND timestamp < ?`
            : names
              ? `SELECT ${columns(scan.identity, scan.payload)} FROM events INDEXED BY events_name_time WHERE ${named} AND timestamp >= ? AND timestamp < ?`
              : `SELECT ${columns(scan.identity, scan.payload)} FROM events INDEXED BY events_time WHERE timestamp >= ? AND timestamp < ?`,
        )
        .raw(true);
      let total = 0;
      for (const [from, to] of scanSlices(scan.fromMs, scan.toMs)) {
        checkDeadline(scan.deadline);
        const bounds = [isoString(from), isoString(to)];
        const raws = (names ? statement.all(JSON.stringify(names), ...bounds) : statement.all(...bounds)) as Raw[];
        total += raws.length;
        onRows(raws.map(toRow));
      }
      return total;
    },
    async liveProfiles() {
      const rows = read().prepare('SELECT id, merged_into FROM profiles WHERE merged_into IS NOT NULL').raw(true).all() as Array<[string, string]>;
      return new Map(rows);
    },
    async findEvents(messageId, name) {
      const rows = read()
        .prepare(`SELECT ${columns(true, true)} FROM events INDEXED BY events_name_time WHERE coalesce(event, type) = ? AND message_id = ?`)
        .raw(true)
        .all(name, messageId) as Raw[];
      return rows.map(toRow);
    },
  };
}

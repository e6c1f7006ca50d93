/**
 * The SQLite adapter of the analytics read port (see analytics-store.ts). Reads through the store's read
 * connection. Which events a scan reads is found through `event_blocks` (sqlite-event-blocks.ts: seq ranges
 * with their time bounds and names, migration 22), not through an index on `events`; rows are then filtered by
 * time and name in SQL. anonymousId and userId are extracted by SQLite (one JSON parse per row, in C).
 */
import type Database from 'better-sqlite3';
import { isoString } from '@kin/core';
import type { AnalyticsRaw, AnalyticsRow, AnalyticsStore } from '../analytics-store.ts';
import { analyticsRowReader, checkDeadline } from '../analytics-store.ts';
import { eventSeqRanges } from './sqlite-event-blocks.ts';

/**
 * Seqs one statement reads at once. Why chunks: a range may cover the whole table; rows are handed over (and the
 * deadline checked) a chunk at a time, as the day slices of the port promise, never the whole range in memory.
 * Why small: the rows of a chunk of 65,536 seqs outlived V8's young generation (bench:analytics, paths 0.97 of the
 * baseline's CPU against 0.94 with 2,048, interleaved with the index-based code at 0.75–0.78 under load).
 */
const CHUNK_SEQS = 2_048;

/** Creates the analytics port over the store's read connection. */
export function createSqliteAnalytics(read: () => Database.Database): AnalyticsStore {
  // Why only the columns a scan needs (not '' and NULL in their place): each value of each row is copied into a
  // JavaScript value; a funnel's 900,000 rows read 4 columns instead of 9 (bench:analytics, funnel read 180 against
  // 260 ms of CPU per 100,000 rows).
  const columns = (identity: boolean, payload: boolean) =>
    [
      'seq, profile_id, coalesce(event, type), timestamp',
      ...(identity || payload ? ['message_id, source_id'] : []),
      ...(identity ? ["json_extract(payload, '$.anonymousId'), json_extract(payload, '$.userId')"] : []),
      ...(payload ? ['payload'] : []),
    ].join(', ');
  // Why the whole JSON even for a `slim` scan: cutting it down in SQLite (json_object of json_extracts) cost more CPU
  // than parsing the rest in JavaScript (bench:analytics, paths 411 vs 361 ms of CPU); PostgreSQL's cut pays off.
  const rowReader = (identity: boolean, payload: boolean) =>
    analyticsRowReader({ identity, payload, at: (value) => Date.parse(value as string) });
  const named = 'coalesce(event, type) IN (SELECT value FROM json_each(?))';
  return {
    async scanEvents(scan, onRows) {
      const db = read();
      const names = scan.names;
      const where =
        names && scan.touches
          ? `(${named} OR json_type(payload, '$.context.campaign') IS NOT NULL OR json_type(payload, '$.context.kin.link') IS NOT NULL) AND `
          : names
            ? `${named} AND `
            : '';
      const statement = db
        .prepare(
          `SELECT ${columns(scan.identity, scan.payload)} FROM events WHERE ${where}seq >= ? AND seq <= ? AND timestamp >= ? AND timestamp < ?`,
        )
        .raw(true);
      const toRow = rowReader(scan.identity, scan.payload);
      const from = isoString(scan.fromMs);
      const to = isoString(scan.toMs);
      // Touches may be events of any name: only a names-only scan skips the blocks without its names.
      const ranges = eventSeqRanges(db, from, to, names && !scan.touches ? new Set(names) : undefined);
      const namesJson = names ? [JSON.stringify(names)] : [];
      const last = db.prepare('SELECT coalesce(max(seq), 0) FROM events').pluck().get() as number;
      let total = 0;
      for (const [first, end] of ranges) {
        for (let lo = first; lo <= Math.min(end, last); lo += CHUNK_SEQS) {
          checkDeadline(scan.deadline);
          const raws = statement.all(...namesJson, lo, Math.min(end, lo + CHUNK_SEQS - 1), from, to) as AnalyticsRaw[];
          // Again after the read: a scan of few chunks (a small store) would otherwise never look past its start.
          checkDeadline(scan.deadline);
          total += raws.length;
          if (raws.length > 0) onRows(raws.map(toRow));
        }
      }
      return total;
    },
    async liveProfiles() {
      const rows = read().prepare('SELECT id, merged_into FROM profiles WHERE merged_into IS NOT NULL').raw(true).all() as Array<
        [string, string]
      >;
      return new Map(rows);
    },
    async findEvents(messageId, name) {
      const db = read();
      const statement = db
        .prepare(`SELECT ${columns(true, true)} FROM events WHERE seq >= ? AND seq <= ? AND coalesce(event, type) = ? AND message_id = ?`)
        .raw(true);
      const toRow = rowReader(true, true);
      const rows: AnalyticsRow[] = [];
      for (const [first, last] of eventSeqRanges(db, '', '\uffff', new Set([name]))) {
        for (const raw of statement.all(first, last, name, messageId) as AnalyticsRaw[]) rows.push(toRow(raw));
      }
      // In the order the name index gave them before (time, profile, seq): callers take the first.
      return rows.sort((a, b) => a.at - b.at || compareNullable(a.profileId, b.profileId) || a.seq - b.seq);
    },
  };
}

/** Text order with null first (SQLite's order of NULL in an index). */
function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

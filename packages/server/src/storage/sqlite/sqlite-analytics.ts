/**
 * The SQLite adapter of the analytics read port (see analytics-store.ts). Reads through the store's read
 * connection. Which events a scan reads is found through `event_blocks` (sqlite-event-blocks.ts: seq ranges
 * with their time bounds and names, migration 22), not through an index on `events`; rows are then filtered by
 * time and name in SQL. anonymousId and userId are extracted by SQLite (one JSON parse per row, in C).
 */
import type Database from 'better-sqlite3';
import { isoString } from '@kin/core';
import type { AnalyticsRaw, AnalyticsRow, AnalyticsScan, AnalyticsStore, EventColumnBatch } from '../analytics-store.ts';
import { analyticsRowReader, checkDeadline, columnsOfRows, leadingColumns } from '../analytics-store.ts';
import { eventSeqRanges } from './sqlite-event-blocks.ts';
import type { PackedEvents } from './sqlite-event-columns.ts';
import { packedBlocks, profileNumbers, unpack } from './sqlite-event-columns.ts';

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
  /** Reads the rows of `ranges` (seq ranges), a chunk per statement, filtered by time and name in SQL. */
  function readRanges(
    db: Database.Database,
    scan: AnalyticsScan,
    ranges: Array<[number, number]>,
    onRows: (rows: AnalyticsRow[]) => void,
  ): number {
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
  }

  const numbers = profileNumbers();
  return {
    async scanEvents(scan, onRows) {
      const db = read();
      const names = scan.names;
      // Touches may be events of any name: only a names-only scan skips the blocks without its names.
      const ranges = eventSeqRanges(db, isoString(scan.fromMs), isoString(scan.toMs), names && !scan.touches ? new Set(names) : undefined);
      return readRanges(db, scan, ranges, onRows);
    },
    async scanColumns(scan, onColumns) {
      const db = read();
      const wanted = scan.names ? new Set(scan.names) : undefined;
      const ranges = eventSeqRanges(db, isoString(scan.fromMs), isoString(scan.toMs), wanted);
      const rowScan: AnalyticsScan = { ...scan, identity: false, payload: false };
      const seen = new Set<number>();
      let profiles = numbers(db);
      let total = 0;
      for (const [lo, hi] of ranges) {
        checkDeadline(scan.deadline);
        const { blocks, gaps } = packedBlocks(db, lo, hi);
        for (const [first, , names, data] of blocks) {
          // A block may overlap two ranges; its events are filtered by time and name, so it is read once.
          if (seen.has(first)) continue;
          seen.add(first);
          checkDeadline(scan.deadline);
          const batch = keepOf(unpack(first, data, names), scan.fromMs, scan.toMs, wanted);
          // A block packed since the scan began may hold a profile numbered since.
          if (batch.newest >= profiles.length) profiles = numbers(db);
          batch.profiles = profiles;
          total += batch.length;
          if (batch.length > 0) onColumns(batch);
        }
        total += readRanges(db, rowScan, gaps, (rows) => onColumns(columnsOfRows(rows)));
      }
      checkDeadline(scan.deadline);
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

/**
 * The events of a block in [fromMs, toMs) whose names are `wanted` (all names when absent); `newest` is the highest
 * profile number among them, `profiles` is left for the caller.
 */
function keepOf(
  block: PackedEvents,
  fromMs: number,
  toMs: number,
  wanted: ReadonlySet<string> | undefined,
): EventColumnBatch & { newest: number } {
  const nameKept = block.names.map((name) => !wanted || wanted.has(name));
  const n = block.length;
  const at = new Float64Array(n);
  const seq = new Float64Array(n);
  const name = new Uint16Array(n);
  const profile = new Int32Array(n);
  let k = 0;
  let newest = -1;
  for (let i = 0; i < n; i++) {
    const t = block.at[i] as number;
    const ni = block.name[i] as number;
    if (t < fromMs || t >= toMs || !nameKept[ni]) continue;
    at[k] = t;
    seq[k] = block.seq[i] as number;
    name[k] = ni;
    const p = block.profile[i] as number;
    profile[k] = p;
    if (p > newest) newest = p;
    k++;
  }
  return { ...leadingColumns({ at, seq, name, profile }, k, block.names, []), newest };
}

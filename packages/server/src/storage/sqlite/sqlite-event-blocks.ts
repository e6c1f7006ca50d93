/**
 * Where analytics finds the events of a time range (and of some names) in the SQLite store, without an index
 * on `events` that every write pays for.
 *
 * Why: migration 20's indexes events(coalesce(event, type), timestamp, profile_id) and events(timestamp) cost the
 * writer about 10 µs per event on the ingest benchmark (writer 55 → 45 µs CPU per event without them).
 *
 * Instead: `seq` is roughly arrival order and events arrive close to their timestamps, so a run of consecutive
 * seqs (a block of `size` events) holds events of a day or two. Once per block, one aggregate over the block's
 * rows writes to `event_blocks` a row per day present in the block: that day's first and last seq in the block
 * and the distinct names of its events there. A scan reads the rows of its days, merges their seq ranges and reads
 * those ranges of `events` (rows still filtered by time and name in SQL), plus the tail after
 * `event_block_flush.through_seq` that no block covers yet. A late event (a phone that was offline, an import
 * of old data) only adds a row for its own day: it does not widen its block for every other question.
 *
 * Invariant every reader relies on: each event with seq ≤ through_seq lies within [first_seq, last_seq] of a
 * row of its timestamp's day whose names hold its name. Rows are never moved in time or renamed; a deleted event
 * leaves a range wider than needed (still right). SQLite hands out a seq again after the newest events were
 * deleted (a privacy delete): such an event (seq ≤ through_seq) gets its own row at commit.
 */
import type Database from 'better-sqlite3';
import type { EventColumns } from './sqlite-event-columns.ts';

/** The day of an event row: its timestamp is canonical ISO-8601 text. */
const DAY_OF_ROW = 'substr(timestamp, 1, 10)';

/** Schema (migration 22): the blocks of the events already there, and the analytics indexes dropped. */
export const SQLITE_EVENT_BLOCKS_MIGRATION = {
  version: 22,
  name: 'analytics: event blocks instead of the name and time indexes',
  sql: `
    CREATE TABLE event_blocks (
      day TEXT NOT NULL,
      first_seq INTEGER NOT NULL,
      last_seq INTEGER NOT NULL,
      names TEXT NOT NULL,
      PRIMARY KEY (day, first_seq)
    ) WITHOUT ROWID;
    CREATE TABLE event_block_flush (id INTEGER PRIMARY KEY CHECK (id = 1), through_seq INTEGER NOT NULL);
    INSERT INTO event_block_flush (id, through_seq) SELECT 1, (coalesce(max(seq), 0) / 1024) * 1024 FROM events;
    INSERT INTO event_blocks (day, first_seq, last_seq, names)
      SELECT ${DAY_OF_ROW}, min(seq), max(seq), json_group_array(DISTINCT coalesce(event, type))
      FROM events WHERE seq <= (SELECT through_seq FROM event_block_flush) GROUP BY (seq - 1) / 1024, 1;
    DROP INDEX IF EXISTS events_name_time;
    DROP INDEX IF EXISTS events_time;
  `,
};

/** Events per block when the store is not told otherwise (tests make it small). */
export const DEFAULT_EVENT_BLOCK_SIZE = 1024;

/**
 * The blocks' writes over the writer connection `db`: a transaction part of the store (see the file comment).
 * `columns` packs each block it closes (sqlite-event-columns.ts).
 */
export function createEventBlocks(db: Database.Database, size = DEFAULT_EVENT_BLOCK_SIZE, columns?: EventColumns) {
  // Why ON CONFLICT: a row for seqs handed out again may meet a row of the same day and first seq.
  const upsert = `INSERT INTO event_blocks (day, first_seq, last_seq, names)
    SELECT ${DAY_OF_ROW}, min(seq), max(seq), json_group_array(DISTINCT coalesce(event, type)) FROM events`;
  const merge = `ON CONFLICT (day, first_seq) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq),
    names = (SELECT json_group_array(DISTINCT value) FROM (SELECT value FROM json_each(event_blocks.names) UNION SELECT value FROM json_each(excluded.names)))`;
  const s = {
    through: db.prepare('SELECT through_seq FROM event_block_flush WHERE id = 1').pluck(),
    setThrough: db.prepare('UPDATE event_block_flush SET through_seq = ? WHERE id = 1'),
    // CAST: a bound JavaScript number is a REAL to SQLite, and the grouping needs integer division.
    addBlocks: db.prepare(`${upsert} WHERE seq > ? AND seq <= ? GROUP BY (seq - CAST(? AS INTEGER) - 1) / CAST(? AS INTEGER), 1 ${merge}`),
    addSeqs: db.prepare(`${upsert} WHERE seq IN (SELECT value FROM json_each(?)) GROUP BY 1 ${merge}`),
  };
  /** `through_seq` as this connection last read or wrote it; undefined: read it again. */
  let through: number | undefined;
  /** The newest seq this transaction inserted (0: none). */
  let newest = 0;
  /** Seqs this transaction inserted at or below `through` (a seq handed out again after deletes). */
  let again: number[] = [];

  return {
    begin(othersWrote: boolean): void {
      if (othersWrote) through = undefined;
    },

    /** An event row was inserted with this seq. */
    added(seq: number): void {
      through ??= s.through.get() as number;
      if (seq > newest) newest = seq;
      if (seq <= through) again.push(seq);
    },

    /** Before COMMIT: the blocks the transaction finished, and a row for the seqs it inserted again. */
    beforeCommit(): void {
      if (again.length > 0) {
        s.addSeqs.run(JSON.stringify(again));
        columns?.stale(again);
      }
      if (through !== undefined && newest - through >= size) {
        const upTo = through + Math.floor((newest - through) / size) * size;
        s.addBlocks.run(through, upTo, through, size);
        s.setThrough.run(upTo);
        columns?.closed(through, upTo, size);
        through = upTo;
      }
      columns?.repack();
      newest = 0;
      again = [];
    },

    /** After ROLLBACK: what the transaction wrote is gone; `through` is read again. */
    rolledBack(): void {
      columns?.rolledBack();
      through = undefined;
      newest = 0;
      again = [];
    },
  };
}

export type EventBlocks = ReturnType<typeof createEventBlocks>;

/**
 * The seq ranges [first, last] that may hold events of [fromIso, toIso) (and of `names`), in seq order and
 * without overlaps, over the read connection `db`; the last one is the tail (to the end of the table).
 */
export function eventSeqRanges(
  db: Database.Database,
  fromIso: string,
  toIso: string,
  names?: ReadonlySet<string>,
): Array<[number, number]> {
  const rows = db
    .prepare(
      'SELECT first_seq, last_seq, names FROM event_blocks WHERE day >= substr(?, 1, 10) AND day <= substr(?, 1, 10) ORDER BY first_seq',
    )
    .raw(true)
    .all(fromIso, toIso) as Array<[number, number, string]>;
  const through = db.prepare('SELECT through_seq FROM event_block_flush WHERE id = 1').pluck().get() as number;
  const ranges: Array<[number, number]> = [];
  for (const [first, last, blockNames] of rows) {
    if (names && !(JSON.parse(blockNames) as string[]).some((name) => names.has(name))) continue;
    const previous = ranges[ranges.length - 1];
    // Adjacent or overlapping (the days of one block interleave): one range.
    if (previous && first <= previous[1] + 1) previous[1] = Math.max(previous[1], last);
    else ranges.push([first, last]);
  }
  ranges.push([through + 1, Number.MAX_SAFE_INTEGER]);
  return ranges;
}

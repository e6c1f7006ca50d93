/**
 * A compact copy of what funnels and paths by event read, per block of events: `event_columns` holds, for each
 * block of seqs that `event_blocks` has closed (sqlite-event-blocks.ts), every event's time, seq, name and
 * profile as packed numbers, with the block's distinct names once. A profile is a number of `event_profiles`
 * (id → number, only ever added to), which readers keep between questions.
 *
 * Why: a funnel over 1,000,000 events spent about 1.1 s of CPU handing 874,159 rows of four values (two of them
 * strings per row: the profile id and the timestamp) from SQLite to JavaScript, then parsing each timestamp.
 * A block's columns are one BLOB and a short JSON list: the scan reads about 1,000 of them. Why numbers for
 * profiles rather than each block's own list of ids: a block of 1,024 events holds about 660 distinct profiles
 * (the bench's shoppers interleave), so a list per block was a string per event again.
 *
 * The invariant every reader relies on: a row whose `data` is not NULL holds exactly the events whose seq lies in
 * [first_seq, last_seq], as `events` holds them now. Triggers keep it (migration 42): whatever changes an event's
 * profile, time or name (a replay, an undo, a split, a detach, a reset) or deletes an event (privacy) sets its
 * block's `data` to NULL in the same statement, so no write path can forget it. A seq handed out again after the
 * newest events were deleted is marked by the writer (`stale`). Readers read the rows of a block without data
 * from `events`, so a stale block is slower, never wrong; the writer packs stale blocks again a few per commit
 * (bounded, so an undo over many blocks does not make one transaction long) and all of them when the store opens.
 * Merges change nothing here: the profile is the one the event was written (or replayed) to, and readers follow
 * `profiles.merged_into` at query time, as they do for rows.
 */
import type Database from 'better-sqlite3';
import { stringNumbers } from '../analytics-store.ts';

/** Stale blocks the writer packs again per commit (see the file comment). */
const STALE_PER_COMMIT = 4;

/** Profile numbers the writer remembers before it starts over (about 100 bytes each). */
const REMEMBERED_PROFILES = 200_000;

/** Bytes per event in `data`: time (float64), seq − first_seq (uint32), profile number (int32, −1: none), name index (uint16). */
const BYTES_PER_EVENT = 18;

/** The events of one block, as columns; `profile` is a number of `event_profiles` (−1: no profile), `name` indexes `names`. */
export interface PackedEvents {
  length: number;
  at: Float64Array;
  seq: Float64Array;
  name: Uint16Array;
  names: string[];
  profile: Int32Array;
}

type EventRow = [number, string | null, string, string];

/** Packs rows (seq, profile_id, name, timestamp) into `data` and `names`; `numberOf` gives a profile's number. */
function pack(firstSeq: number, rows: EventRow[], numberOf: (profileId: string) => number): { data: Buffer; names: string } {
  const n = rows.length;
  const buffer = new ArrayBuffer(n * BYTES_PER_EVENT);
  const at = new Float64Array(buffer, 0, n);
  const seq = new Uint32Array(buffer, 8 * n, n);
  const profile = new Int32Array(buffer, 12 * n, n);
  const name = new Uint16Array(buffer, 16 * n, n);
  const names = stringNumbers();
  for (let i = 0; i < n; i++) {
    const [s, p, e, t] = rows[i] as EventRow;
    at[i] = Date.parse(t);
    seq[i] = s - firstSeq;
    name[i] = names.of(e);
    profile[i] = p === null ? -1 : numberOf(p);
  }
  return { data: Buffer.from(buffer), names: JSON.stringify(names.list) };
}

/** Reads a block's columns back (the BLOB is copied when it is not aligned for a Float64Array). */
export function unpack(firstSeq: number, data: Buffer, names: string): PackedEvents {
  const n = data.length / BYTES_PER_EVENT;
  const bytes = data.byteOffset % 8 === 0 ? data : new Uint8Array(data);
  const buffer = bytes.buffer;
  const offset = bytes.byteOffset;
  const offsets = new Uint32Array(buffer, offset + 8 * n, n);
  const seq = new Float64Array(n);
  for (let i = 0; i < n; i++) seq[i] = firstSeq + (offsets[i] as number);
  return {
    length: n,
    at: new Float64Array(buffer, offset, n),
    seq,
    profile: new Int32Array(buffer, offset + 12 * n, n),
    name: new Uint16Array(buffer, offset + 16 * n, n),
    names: JSON.parse(names) as string[],
  };
}

/**
 * The profiles of `event_profiles` by number, read by `db` and kept between scans: numbers are only ever added
 * (AUTOINCREMENT, no row is changed or deleted), so each scan reads only the numbers added since the last one.
 */
export function profileNumbers(): (db: Database.Database) => string[] {
  const byNumber: string[] = [];
  let through = 0;
  return (db) => {
    const rows = db.prepare('SELECT n, id FROM event_profiles WHERE n > ? ORDER BY n').raw(true).all(through) as Array<[number, string]>;
    for (const [n, id] of rows) byNumber[n] = id;
    through = rows.length > 0 ? (rows[rows.length - 1] as [number, string])[0] : through;
    return byNumber;
  };
}

/** The blocks' writes over the writer connection `db` (see the file comment). */
export function createEventColumns(db: Database.Database) {
  const s = {
    rows: db
      .prepare('SELECT seq, profile_id, coalesce(event, type), timestamp FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq')
      .raw(true),
    put: db.prepare(
      `INSERT INTO event_columns (first_seq, last_seq, names, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (first_seq) DO UPDATE SET last_seq = excluded.last_seq, names = excluded.names, data = excluded.data`,
    ),
    stale: db.prepare('SELECT first_seq, last_seq FROM event_columns WHERE data IS NULL ORDER BY first_seq LIMIT ?').raw(true),
    markStale: db.prepare(
      `UPDATE event_columns SET data = NULL, names = NULL
       WHERE first_seq = (SELECT max(first_seq) FROM event_columns WHERE first_seq <= @seq) AND last_seq >= @seq AND data IS NOT NULL`,
    ),
    number: db.prepare('SELECT n FROM event_profiles WHERE id = ?').pluck(),
    addNumber: db.prepare('INSERT OR IGNORE INTO event_profiles (id) VALUES (?)'),
  };
  /** Profile numbers this connection has read or written (forgotten after a rollback, which may take some back). */
  let numbers = new Map<string, number>();
  const numberOf = (profileId: string): number => {
    let n = numbers.get(profileId);
    if (n !== undefined) return n;
    // Insert first: a block's profiles are mostly new to the table (one statement instead of a miss and an insert).
    const added = s.addNumber.run(profileId);
    n = added.changes > 0 ? Number(added.lastInsertRowid) : (s.number.get(profileId) as number);
    if (numbers.size >= REMEMBERED_PROFILES) numbers = new Map();
    numbers.set(profileId, n);
    return n;
  };

  /** Packs the events of [first, last] into their block's row. */
  function build(first: number, last: number): void {
    const packed = pack(first, s.rows.all(first, last) as EventRow[], numberOf);
    s.put.run(first, last, packed.names, packed.data);
  }

  return {
    /** Packs the blocks of `size` seqs in (after, upTo] (event_blocks closed them in this transaction). */
    closed(after: number, upTo: number, size: number): void {
      for (let first = after + 1; first <= upTo; first += size) build(first, Math.min(upTo, first + size - 1));
    },

    /** Marks the block of each seq stale (a seq handed out again: the triggers do not see inserts). */
    stale(seqs: readonly number[]): void {
      for (const seq of seqs) s.markStale.run({ seq });
    },

    /** Packs up to `limit` stale blocks again (−1: all); answers how many. */
    repack(limit = STALE_PER_COMMIT): number {
      const rows = s.stale.all(limit) as Array<[number, number]>;
      for (const [first, last] of rows) build(first, last);
      return rows.length;
    },

    /** After ROLLBACK: numbers added in the transaction are gone. */
    rolledBack(): void {
      numbers = new Map();
    },
  };
}

export type EventColumns = ReturnType<typeof createEventColumns>;

/**
 * The blocks with packed columns that overlap [lo, hi], over the read connection `db`, in seq order; the seq
 * ranges of [lo, hi] that no packed block covers are in `gaps` (read them from `events`).
 */
export function packedBlocks(
  db: Database.Database,
  lo: number,
  hi: number,
): { blocks: Array<[number, number, string, Buffer]>; gaps: Array<[number, number]> } {
  const blocks = db
    .prepare(
      `SELECT first_seq, last_seq, names, data FROM event_columns
       WHERE first_seq >= coalesce((SELECT max(first_seq) FROM event_columns WHERE first_seq <= @lo), @lo) AND first_seq <= @hi
       AND data IS NOT NULL ORDER BY first_seq`,
    )
    .raw(true)
    .all({ lo, hi }) as Array<[number, number, string, Buffer]>;
  const gaps: Array<[number, number]> = [];
  let at = lo;
  for (const [first, last] of blocks) {
    if (last < at) continue;
    if (first > at) gaps.push([at, first - 1]);
    at = last + 1;
  }
  if (at <= hi) gaps.push([at, hi]);
  return { blocks: blocks.filter(([, last]) => last >= lo), gaps };
}

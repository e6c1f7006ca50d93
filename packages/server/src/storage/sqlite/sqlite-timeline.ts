/**
 * Each profile's timeline (its events by time) for the SQLite store, without a write at a random place
 * per event.
 *
 * Why: an index on events(profile_id, timestamp, seq) put every new event on its profile's page, at a random
 * place of that index, so every group commit rewrote about one index page per event: measured on the ingest
 * benchmark, the event insert cost 16.3 µs with that index and 4.7 µs without it (COMMIT 8.9 → 0.8 µs).
 * Now a new event's entry is appended to `timeline_tail` (rowid order: the pages it dirties are the last
 * ones), and entries reach `timeline` (clustered on profile, time, seq) later, in bulk and in key order, so
 * a page takes many entries at once. As with messageId claims (sqlite-message-ids.ts), one generation is
 * written over several transactions, one key range each, and `timeline_flush.through_seq` moves with the
 * last one.
 *
 * The invariant every reader relies on: an event with a profile has its entry in `timeline` when its seq is
 * at most `through_seq`, and in `timeline_tail` otherwise (rows of `timeline` past `through_seq` are a
 * generation being written; readers ignore them). Everything is in tables, so a crash, a restart or a
 * second writer needs no recovery: memory holds only the plan of the generation being written.
 *
 * Why merges move nothing: an entry keeps the profile the event was applied to. A profile's events are the
 * entries of that profile and of every profile merged into it (`profiles.merged_into` points at the live
 * profile), so a merge costs no write per event. Whatever reassigns events (detach, reset, replay) first
 * settles: the whole tail moves to `timeline` in that transaction, and the change is made there.
 */
import type Database from 'better-sqlite3';
import { createRowsInsert } from './sqlite-rows-insert.ts';

/** Tuning of the tail (tests make it small). */
export interface TimelineOptions {
  /** Entries in `timeline_tail` before a generation is moved to `timeline`. */
  flushAt: number;
  /** Transactions one move is spread over (each writes one key range). */
  slices: number;
}

export const DEFAULT_TIMELINE: TimelineOptions = { flushAt: 50_000, slices: 10 };

/** Entries sampled per key range to place the boundaries between ranges. */
const SAMPLES_PER_RANGE = 100;

/** The profiles whose events make up a live profile's timeline: itself and every profile merged into it. */
export const PROFILE_FAMILY_SQL = 'SELECT id FROM profiles WHERE merged_into = ?';

/** The timeline's writes over the writer connection `db` (see the file comment). */
export function createTimeline(db: Database.Database, tuning: Partial<TimelineOptions> = {}) {
  const options = { ...DEFAULT_TIMELINE, ...tuning };
  const s = {
    tailSize: db.prepare('SELECT count(*) FROM timeline_tail').pluck(),
    tailEnd: db.prepare('SELECT max(seq) FROM timeline_tail').pluck(),
    sample: db.prepare('SELECT profile_id FROM timeline_tail WHERE seq <= ? AND seq % ? = 0').pluck(),
    moveRange: db.prepare(
      `INSERT OR IGNORE INTO timeline (profile_id, timestamp, seq)
         SELECT profile_id, timestamp, seq FROM timeline_tail WHERE seq <= ? AND profile_id >= ? AND profile_id < ?
         ORDER BY profile_id, timestamp, seq`,
    ),
    moveFrom: db.prepare(
      `INSERT OR IGNORE INTO timeline (profile_id, timestamp, seq)
         SELECT profile_id, timestamp, seq FROM timeline_tail WHERE seq <= ? AND profile_id >= ?
         ORDER BY profile_id, timestamp, seq`,
    ),
    dropTail: db.prepare('DELETE FROM timeline_tail WHERE seq <= ?'),
    setThrough: db.prepare('UPDATE timeline_flush SET through_seq = max(through_seq, ?) WHERE id = 1'),
    lastEvent: db.prepare('SELECT coalesce(max(seq), 0) FROM events').pluck(),
    entry: db.prepare('SELECT profile_id, timestamp FROM events WHERE seq = ?'),
    insert: db.prepare('INSERT OR IGNORE INTO timeline (profile_id, timestamp, seq) VALUES (?, ?, ?)'),
    remove: db.prepare('DELETE FROM timeline WHERE profile_id = ? AND timestamp = ? AND seq = ?'),
    setProfile: db.prepare('UPDATE events SET profile_id = ? WHERE seq = ?'),
    through: db.prepare('SELECT through_seq FROM timeline_flush WHERE id = 1').pluck(),
  };

  /** Entries in the tail, as far as this connection knows (undefined: count again). */
  let tailSize: number | undefined;
  /** A generation being moved: entries up to `throughSeq`, key ranges split at `bounds`; `next` is the next range. */
  let generation: { throughSeq: number; bounds: string[]; next: number } | undefined;
  /** The range the open transaction wrote, made final at commit. */
  let rangeInTx: number | undefined;
  let appendedInTx = 0;
  /** Entries of the open transaction not yet in `timeline_tail`: seq, profile, timestamp, seq, … */
  let pending: Array<string | number> = [];
  const appendRows = createRowsInsert(db, 'INSERT', 'timeline_tail', ['seq', 'profile_id', 'timestamp']);

  /** Writes the pending entries, many per statement. */
  function writePending(): void {
    let at = 0;
    while (at < pending.length) {
      const rows = appendRows.rowsFor((pending.length - at) / 3);
      appendRows.run(pending.slice(at, at + rows * 3));
      at += rows * 3;
    }
    appendedInTx += pending.length / 3;
    pending = [];
  }

  /**
   * Moves the whole tail to `timeline` now, in the open transaction, so every event's entry is in
   * `timeline`: before anything reassigns events.
   */
  function settle(): void {
    writePending();
    const end = s.lastEvent.get() as number;
    s.moveFrom.run(end, '');
    s.dropTail.run(end);
    s.setThrough.run(end);
    generation = undefined;
    tailSize = 0;
    appendedInTx = 0;
  }

  /** Moves key range `i` of the generation (the last one also drops the generation from the tail). */
  function moveRange(g: { throughSeq: number; bounds: string[] }, i: number): void {
    const lo = i === 0 ? '' : g.bounds[i - 1]!;
    if (i < g.bounds.length) s.moveRange.run(g.throughSeq, lo, g.bounds[i]!);
    else {
      s.moveFrom.run(g.throughSeq, lo);
      s.dropTail.run(g.throughSeq);
      s.setThrough.run(g.throughSeq);
    }
  }

  /** Starts a generation of everything in the tail now, with key ranges of about equal size. */
  function startGeneration(size: number): void {
    const throughSeq = s.tailEnd.get() as number | null;
    if (throughSeq === null) return;
    const every = Math.max(1, Math.floor(size / (options.slices * SAMPLES_PER_RANGE)));
    const sample = (s.sample.all(throughSeq, every) as string[]).sort();
    const bounds: string[] = [];
    for (let i = 1; i < options.slices; i++) {
      const bound = sample[Math.floor((i * sample.length) / options.slices)];
      if (bound !== undefined && bound !== bounds.at(-1) && bound !== '') bounds.push(bound);
    }
    generation = { throughSeq, bounds, next: 0 };
  }

  return {
    /** After BEGIN: `othersWrote` when another connection committed since this one's last transaction. */
    begin(othersWrote: boolean): void {
      // The other connection may have appended to the tail or moved it: count again. A generation being
      // written goes on: it copies only rows still in the tail, which never change (see settle), with
      // INSERT OR IGNORE, so a range another connection wrote already, or moved away, adds nothing.
      if (othersWrote) tailSize = undefined;
    },

    /** A new event row of `profileId` (events without a profile have no timeline entry). */
    append(seq: number, profileId: string, timestamp: string): void {
      pending.push(seq, profileId, timestamp);
    },

    /** Before COMMIT: one key range of the generation being moved. */
    beforeCommit(): void {
      writePending();
      if (!generation) return;
      moveRange(generation, generation.next);
      rangeInTx = generation.next;
    },

    /** After COMMIT: the range is done; a full tail starts the next generation. */
    committed(): void {
      if (tailSize !== undefined) tailSize += appendedInTx;
      appendedInTx = 0;
      if (generation && rangeInTx !== undefined) {
        generation.next = rangeInTx + 1;
        if (generation.next > generation.bounds.length) {
          generation = undefined;
          tailSize = undefined;
        }
      }
      rangeInTx = undefined;
      if (generation) return;
      tailSize ??= s.tailSize.get() as number;
      if (tailSize >= options.flushAt) startGeneration(tailSize);
    },

    /** After ROLLBACK: nothing of the transaction happened (a settle or clear included: plan again). */
    rolledBack(): void {
      appendedInTx = 0;
      pending = [];
      rangeInTx = undefined;
      tailSize = undefined;
      generation = undefined;
    },

    /** Gives event `seq` to `profileId` (or to nobody), in `events` and in `timeline`. */
    assign(seq: number, profileId: string | null): void {
      if (seq > (s.through.get() as number)) settle();
      const row = s.entry.get(seq) as { profile_id: string | null; timestamp: string } | undefined;
      if (!row) return;
      if (row.profile_id !== null) s.remove.run(row.profile_id, row.timestamp, seq);
      if (profileId !== null) s.insert.run(profileId, row.timestamp, seq);
      s.setProfile.run(profileId, seq);
    },

    /**
     * Takes every event of the profiles `ids` from them (events.profile_id becomes NULL, the entries go) and
     * returns those event rows in seq order.
     */
    detach(ids: string[]): Array<Record<string, unknown>> {
      settle();
      const marks = ids.map(() => '?').join(', ');
      const rows = db
        .prepare(
          `SELECT e.seq, e.source_id, e.payload, e.unverified FROM timeline t JOIN events e ON e.seq = t.seq WHERE t.profile_id IN (${marks}) ORDER BY e.seq`,
        )
        .all(...ids) as Array<Record<string, unknown>>;
      db.prepare(`UPDATE events SET profile_id = NULL WHERE seq IN (SELECT seq FROM timeline WHERE profile_id IN (${marks}))`).run(...ids);
      db.prepare(`DELETE FROM timeline WHERE profile_id IN (${marks})`).run(...ids);
      return rows;
    },

    /** Empties the timeline: no event has a profile any more (a full replay follows). */
    clear(): void {
      db.exec('DELETE FROM timeline; DELETE FROM timeline_tail; UPDATE events SET profile_id = NULL WHERE profile_id IS NOT NULL');
      s.setThrough.run(s.lastEvent.get() as number);
      generation = undefined;
      tailSize = 0;
      appendedInTx = 0;
      pending = [];
    },
  };
}

export type Timeline = ReturnType<typeof createTimeline>;

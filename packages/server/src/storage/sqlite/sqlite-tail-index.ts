/**
 * A reader's copy of `timeline_tail` by profile, for the evaluator's batch reads (`eventsOfProfiles`).
 *
 * Why: the tail has no profile index (see sqlite-timeline.ts), so finding a batch's entries in it was a scan
 * of the whole tail per batch: about 17 ms at 50,000 entries, on every evaluator turn. The tail only changes
 * at its ends: entries are appended in seq order (one writer at a time, so no lower seq commits after a
 * higher one), and leave it only up to `through_seq` (a generation moved to `timeline`, a settle, a clear).
 * So each entry is read once. Two changes start the copy again: a move (`through_seq` changed), and an entry
 * below the newest one read, which only a reused seq makes (the rowid of the newest events after an
 * erasure): the copy counts its entries and compares with the tail's count up to the newest one read.
 */
import type Database from 'better-sqlite3';
import { cachedStatement as stmt } from './sqlite-statement-cache.ts';

/** The copy; `entries` must run inside one read transaction of `r` (with the caller's `timeline` read). */
export interface TailIndex {
  /** The tail's entries of these profiles as `[seq, profileId]` (every one, as a scan of the tail finds them). */
  entries(r: Database.Database, profileIds: ReadonlyMap<string, unknown>): Array<[number, string]>;
}

/** Creates an empty copy (the first read takes the whole tail). */
export function createTailIndex(): TailIndex {
  /** Profile -> seqs of its tail entries. */
  const byProfile = new Map<string, number[]>();
  /** Highest seq read from the tail, entries held, and `through_seq` as last read. */
  let seen = 0;
  let held = 0;
  let through: number | undefined;
  return {
    entries(r, profileIds) {
      const now = stmt(r, 'SELECT through_seq FROM timeline_flush WHERE id = 1').pluck().get() as number | undefined;
      const counted = held === 0 ? 0 : (stmt(r, 'SELECT count(*) FROM timeline_tail WHERE seq <= ?').pluck().get(seen) as number);
      if (now !== through || counted !== held) {
        byProfile.clear();
        seen = held = 0;
        through = now;
      }
      const newer = stmt(r, 'SELECT seq, profile_id FROM timeline_tail WHERE seq > ? ORDER BY seq').raw(true);
      for (const [seq, id] of newer.all(seen) as Array<[number, string]>) {
        const seqs = byProfile.get(id);
        if (seqs) seqs.push(seq);
        else byProfile.set(id, [seq]);
        seen = seq;
        held++;
      }
      const out: Array<[number, string]> = [];
      for (const id of profileIds.keys()) for (const seq of byProfile.get(id) ?? []) out.push([seq, id]);
      return out;
    },
  };
}

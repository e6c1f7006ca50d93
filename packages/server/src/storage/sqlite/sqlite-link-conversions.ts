/**
 * A link's conversions in the SQLite store, read from `link_clicked_profiles` (links-conversions.ts) joined with
 * the clicked profiles' timelines by time and with their events by name, in one read transaction.
 *
 * Why two statements over the timeline: an event's entry is in `timeline` when its seq is at most
 * `timeline_flush.through_seq`, else in `timeline_tail` (sqlite-timeline.ts). `timeline` is read by key
 * range (profile, first click, end of the window) per member of each clicked profile's family (the live profile
 * and those merged into it); the tail has no profile index, so it is scanned once for the conversion event and
 * matched to the families in memory. Timestamps are canonical ISO-8601 text, so text order is time order.
 */
import type Database from 'better-sqlite3';
import { CLICKED_LIVE_SQL, CLICKED_PROFILES_MIGRATION } from '../links-conversions.ts';
import type { ConversionQuery } from '../links-conversions.ts';
import { inTransaction } from './sqlite-connection.ts';
import { cachedStatement as stmt } from './sqlite-statement-cache.ts';
import { PROFILE_FAMILY_SQL } from './sqlite-timeline.ts';

/** Migration 46: the clicked profiles of each link (links-conversions.ts). */
export const SQLITE_LINK_CONVERSIONS_MIGRATION = {
  version: 46,
  name: 'tracked links: clicked profiles of each link (conversions)',
  sql: CLICKED_PROFILES_MIGRATION('TEXT', ' WITHOUT ROWID'),
};

const DAY_MS = 86_400_000;

/** The conversion event's entries in the tail (their text is this file's alone, so its raw mode is too). */
const TAIL_SQL = `SELECT t.profile_id, t.timestamp FROM timeline_tail t CROSS JOIN events e ON e.seq = t.seq
  WHERE t.seq > ? AND e.event = ?`;

/** Whether a member's `timeline` holds the event within the window (pluck mode, this file's text alone). */
const IN_RANGE_SQL = `SELECT 1 FROM timeline t CROSS JOIN events e ON e.seq = t.seq
  WHERE t.profile_id = ? AND t.timestamp >= ? AND t.timestamp <= ? AND t.seq <= ? AND e.event = ? LIMIT 1`;

/**
 * The number of clicked live profiles with a `query.event` event within the window after their first click.
 * Statements are the connection's cached ones (sqlite-statement-cache.ts); a mode is set only on a text every
 * caller reads in that mode (the clicked profiles are read as objects: their text is shared, links-conversions.ts).
 */
export function countSqliteConversions(r: Database.Database, linkId: string, query: ConversionQuery): number {
  return inTransaction(r, () => {
    const clicked = stmt(
      r,
      CLICKED_LIVE_SQL(() => '?'),
    ).all(linkId, query.limit) as Array<{ live: string; first_at: string }>;
    if (clicked.length === 0) return 0;
    const through = stmt(r, 'SELECT through_seq FROM timeline_flush WHERE id = 1').pluck().get() as number;
    const family = stmt(r, PROFILE_FAMILY_SQL).pluck();
    const inRange = stmt(r, IN_RANGE_SQL).pluck();
    // The families' members, each with the window of its live profile (a member belongs to one family).
    const windows = new Map<string, { live: string; from: string; to: string }>();
    const converted = new Set<string>();
    for (const { live, first_at: from } of clicked) {
      const to = new Date(Date.parse(from) + query.windowDays * DAY_MS).toISOString();
      for (const member of [live, ...(family.all(live) as string[])]) {
        windows.set(member, { live, from, to });
        if (!converted.has(live) && inRange.get(member, from, to, through, query.event) !== undefined) converted.add(live);
      }
    }
    const tail = stmt(r, TAIL_SQL).raw(true).all(through, query.event) as Array<[string, string]>;
    for (const [profileId, timestamp] of tail) {
      const w = windows.get(profileId);
      if (w && timestamp >= w.from && timestamp <= w.to) converted.add(w.live);
    }
    return converted.size;
  });
}

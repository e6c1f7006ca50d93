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
import { PROFILE_FAMILY_SQL } from './sqlite-timeline.ts';

/** Migration 46: the clicked profiles of each link (links-conversions.ts). */
export const SQLITE_LINK_CONVERSIONS_MIGRATION = {
  version: 46,
  name: 'tracked links: clicked profiles of each link (conversions)',
  sql: CLICKED_PROFILES_MIGRATION('TEXT', ' WITHOUT ROWID'),
};

const DAY_MS = 86_400_000;

/** The number of clicked live profiles with a `query.event` event within the window after their first click. */
export function countSqliteConversions(r: Database.Database, linkId: string, query: ConversionQuery): number {
  return r.transaction(() => {
    const clicked = r
      .prepare(CLICKED_LIVE_SQL(() => '?'))
      .raw(true)
      .all(linkId, query.limit) as Array<[string, string]>;
    if (clicked.length === 0) return 0;
    const through = r.prepare('SELECT through_seq FROM timeline_flush WHERE id = 1').pluck().get() as number;
    const family = r.prepare(PROFILE_FAMILY_SQL).pluck();
    const inRange = r
      .prepare(
        `SELECT 1 FROM timeline t CROSS JOIN events e ON e.seq = t.seq
         WHERE t.profile_id = ? AND t.timestamp >= ? AND t.timestamp <= ? AND t.seq <= ? AND e.event = ? LIMIT 1`,
      )
      .pluck();
    // The families' members, each with the window of its live profile (a member belongs to one family).
    const windows = new Map<string, { live: string; from: string; to: string }>();
    const converted = new Set<string>();
    for (const [live, from] of clicked) {
      const to = new Date(Date.parse(from) + query.windowDays * DAY_MS).toISOString();
      for (const member of [live, ...(family.all(live) as string[])]) {
        windows.set(member, { live, from, to });
        if (!converted.has(live) && inRange.get(member, from, to, through, query.event) !== undefined) converted.add(live);
      }
    }
    const tail = r
      .prepare(
        `SELECT t.profile_id, t.timestamp FROM timeline_tail t CROSS JOIN events e ON e.seq = t.seq
         WHERE t.seq > ? AND e.event = ?`,
      )
      .raw(true)
      .all(through, query.event) as Array<[string, string]>;
    for (const [profileId, timestamp] of tail) {
      const w = windows.get(profileId);
      if (w && timestamp >= w.from && timestamp <= w.to) converted.add(w.live);
    }
    return converted.size;
  })();
}

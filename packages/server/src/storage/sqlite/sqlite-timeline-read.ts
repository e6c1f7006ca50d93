/**
 * Reads one page of a profile's timeline (see sqlite-timeline.ts for where entries live) in index order.
 *
 * Why not one statement over the family and the tail: SQLite cannot merge several index ranges in order, so
 * `ORDER BY … LIMIT` over a UNION sorted every entry of the profile first (0.8 s per page for a 500,000-event
 * profile). Here each profile of the family is one backwards range of `timeline`'s primary key that stops
 * after the page size (keyset pagination from the cursor), the tail adds its few entries of the family, and
 * the page is merged in memory: the work follows the page size, not the profile's size.
 */
import type Database from 'better-sqlite3';
import { PROFILE_FAMILY_SQL } from './sqlite-timeline.ts';

/** What a page asks for: `after` is the cursor (timestamp and seq of the last entry of the previous page). */
export interface TimelinePageQuery {
  limit: number;
  after?: readonly [string, number];
  type?: string;
  event?: string;
  /** Only events of these sources (an empty list: none). */
  sourceIds?: readonly string[];
}

/** One event of the page, as stored. */
export interface TimelineRow {
  seq: number;
  timestamp: string;
  sourceId: string;
  payload: string;
}

/**
 * The statements of a page: `range` reads one profile's entries in `timeline` (binds the profile, through_seq,
 * `params`, the limit), `tail` the family's entries in the tail (binds through_seq, the family, `params`, the
 * limit).
 */
export function timelinePageSql(
  query: TimelinePageQuery,
  familySize: number,
): { range: string; tail: string; params: Array<string | number> } {
  const conditions: string[] = [];
  const params: Array<string | number> = [];
  if (query.type !== undefined) {
    conditions.push('e.type = ?');
    params.push(query.type);
  }
  if (query.event !== undefined) {
    conditions.push('e.event = ?');
    params.push(query.event);
  }
  if (query.sourceIds !== undefined) {
    conditions.push(`e.source_id IN (${query.sourceIds.map(() => '?').join(', ') || 'NULL'})`);
    params.push(...query.sourceIds);
  }
  if (query.after) {
    conditions.push('(t.timestamp, t.seq) < (?, ?)');
    params.push(query.after[0], query.after[1]);
  }
  // CROSS JOIN keeps the timeline as the outer loop, so the scan stays in index order and stops at the limit.
  const joinsEvents = query.type !== undefined || query.event !== undefined || query.sourceIds !== undefined;
  const from = joinsEvents ? 'CROSS JOIN events e ON e.seq = t.seq' : '';
  const where = conditions.map((c) => ` AND ${c}`).join('');
  const order = 'ORDER BY t.timestamp DESC, t.seq DESC LIMIT ?';
  const marks = Array.from({ length: familySize }, () => '?').join(', ');
  return {
    range: `SELECT t.seq, t.timestamp FROM timeline t ${from} WHERE t.profile_id = ? AND t.seq <= ?${where} ${order}`,
    tail: `SELECT t.seq, t.timestamp FROM timeline_tail t ${from} WHERE t.seq > ? AND t.profile_id IN (${marks})${where} ${order}`,
    params,
  };
}

/**
 * Up to `limit + 1` events of live profile `profileId` and the profiles merged into it, newest first (the
 * extra one tells the caller there is more), read in one read transaction on `r`.
 */
export function readTimelinePage(r: Database.Database, profileId: string, query: TimelinePageQuery): TimelineRow[] {
  const take = query.limit + 1;
  return r.transaction(() => {
    const through = r.prepare('SELECT through_seq FROM timeline_flush WHERE id = 1').pluck().get() as number;
    const family = [profileId, ...(r.prepare(PROFILE_FAMILY_SQL).pluck().all(profileId) as string[])];
    const sql = timelinePageSql(query, family.length);
    const range = r.prepare(sql.range).raw(true);
    const entries: Array<[number, string]> = [];
    for (const id of family) entries.push(...(range.all(id, through, ...sql.params, take) as Array<[number, string]>));
    entries.push(
      ...(r
        .prepare(sql.tail)
        .raw(true)
        .all(through, ...family, ...sql.params, take) as Array<[number, string]>),
    );
    entries.sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : b[0] - a[0]));
    const event = r.prepare('SELECT source_id, payload FROM events WHERE seq = ?').raw(true);
    return entries.slice(0, take).map(([seq, timestamp]) => {
      const [sourceId, payload] = event.get(seq) as [string, string];
      return { seq, timestamp, sourceId, payload };
    });
  })();
}

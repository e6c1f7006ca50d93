/**
 * Profiles read by id, many at once (a merged-away id answers for the profile it was merged into, an unknown id
 * for none): the audience evaluator's batches, and `findProfile` (a batch of one). Why batches: the evaluator
 * reads hundreds of profiles a turn, and six statements per profile cost more than the rows they return; here
 * six statements read a whole batch, in one read transaction.
 */
import type Database from 'better-sqlite3';
import type { ProfileView } from '../storage.ts';
import { toProfileView } from '../store-rows.ts';
import type { ProfileRows } from '../store-rows.ts';
import { EACH, inTransaction } from './sqlite-connection.ts';
import { cachedStatement as stmt } from './sqlite-statement-cache.ts';

type Row = Record<string, unknown>;

/** Each id's live profile (`undefined`: unknown), read on the read connection `r`. */
export function sqliteProfilesOf(r: Database.Database, profileIds: readonly string[]): Map<string, ProfileView | undefined> {
  return inTransaction(r, () => {
    const liveOf = new Map<string, string>();
    for (const row of stmt(r, `SELECT id, merged_into FROM profiles WHERE id IN ${EACH}`).all(JSON.stringify(profileIds)) as Row[])
      liveOf.set(row.id as string, (row.merged_into as string | null) ?? (row.id as string));
    const rowsOf = new Map<string, ProfileRows>();
    const live = JSON.stringify([...new Set(liveOf.values())]);
    for (const profile of stmt(r, `SELECT * FROM profiles WHERE id IN ${EACH}`).all(live) as Row[])
      rowsOf.set(profile.id as string, { profile, identifiers: [], traits: [], mergedFrom: [], consent: [] });
    // Each list by profile first, so each profile's rows keep the list's order.
    const lists: Array<[keyof Omit<ProfileRows, 'profile'>, string]> = [
      [
        'identifiers',
        `SELECT profile_id, type, value, source_id, first_seen, last_seen FROM identifiers WHERE profile_id IN ${EACH} ORDER BY profile_id, type, value`,
      ],
      ['traits', `SELECT profile_id, key, value FROM traits WHERE profile_id IN ${EACH} AND value IS NOT NULL ORDER BY profile_id, key`],
      ['mergedFrom', `SELECT merged_into AS profile_id, id FROM profiles WHERE merged_into IN ${EACH} ORDER BY merged_into, id`],
      ['consent', `SELECT profile_id, category, granted, ts FROM consent WHERE profile_id IN ${EACH} ORDER BY profile_id, category`],
    ];
    for (const [list, sql] of lists)
      for (const row of stmt(r, sql).all(live) as Row[]) rowsOf.get(row.profile_id as string)?.[list].push(row);
    const views = new Map<string, ProfileView>();
    for (const [id, rows] of rowsOf)
      views.set(
        id,
        toProfileView(id, rows, (stored) => JSON.parse(stored as string)),
      );
    return new Map(profileIds.map((id) => [id, views.get(liveOf.get(id) ?? '')]));
  });
}

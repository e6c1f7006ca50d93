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

type List = keyof Omit<ProfileRows, 'profile'>;

/** Each list's statement over a set of ids (`set`), by profile first, so each profile's rows keep the list's order. */
const listsOver = (set: string): Array<[List, string]> => [
  [
    'identifiers',
    `SELECT profile_id, type, value, source_id, first_seen, last_seen FROM identifiers WHERE profile_id IN ${set} ORDER BY profile_id, type, value`,
  ],
  ['traits', `SELECT profile_id, key, value FROM traits WHERE profile_id IN ${set} AND value IS NOT NULL ORDER BY profile_id, key`],
  ['mergedFrom', `SELECT merged_into AS profile_id, id FROM profiles WHERE merged_into IN ${set} ORDER BY merged_into, id`],
  ['consent', `SELECT profile_id, category, granted, ts FROM consent WHERE profile_id IN ${set} ORDER BY profile_id, category`],
];

const ONE = listsOver('(?)');
const MANY = listsOver(EACH);

/**
 * A set of ids as SQL and its parameter: one id as itself, more as a JSON array (`EACH`). Why one apart:
 * `findProfile` reads a batch of one, and `json_each` doubled its cost.
 */
function setOf(ids: readonly string[]): { set: string; param: string; lists: Array<[List, string]> } {
  return ids.length === 1 ? { set: '(?)', param: ids[0] as string, lists: ONE } : { set: EACH, param: JSON.stringify(ids), lists: MANY };
}
/** Each id's live profile (`undefined`: unknown), read on the read connection `r`. */
export function sqliteProfilesOf(r: Database.Database, profileIds: readonly string[]): Map<string, ProfileView | undefined> {
  return inTransaction(r, () => {
    const liveOf = new Map<string, string>();
    const asked = setOf(profileIds);
    for (const row of stmt(r, `SELECT id, merged_into FROM profiles WHERE id IN ${asked.set}`).all(asked.param) as Row[])
      liveOf.set(row.id as string, (row.merged_into as string | null) ?? (row.id as string));
    const rowsOf = new Map<string, ProfileRows>();
    const live = setOf([...new Set(liveOf.values())]);
    for (const profile of stmt(r, `SELECT * FROM profiles WHERE id IN ${live.set}`).all(live.param) as Row[])
      rowsOf.set(profile.id as string, { profile, identifiers: [], traits: [], mergedFrom: [], consent: [] });
    for (const [list, sql] of live.lists)
      for (const row of stmt(r, sql).all(live.param) as Row[]) rowsOf.get(row.profile_id as string)?.[list].push(row);
    const views = new Map<string, ProfileView>();
    for (const [id, rows] of rowsOf)
      views.set(
        id,
        toProfileView(id, rows, (stored) => JSON.parse(stored as string)),
      );
    return new Map(profileIds.map((id) => [id, views.get(liveOf.get(id) ?? '')]));
  });
}

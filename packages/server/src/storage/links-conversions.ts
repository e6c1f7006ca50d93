/**
 * The index behind a link's conversions (`GET /v1/links/{id}/stats`): `link_clicked_profiles`, one row per link
 * and profile a person's click (a GET, not flagged) landed on, with its first click, kept in the click's write
 * transaction (SQLite migration 46, PostgreSQL migration 42). Both stores' conversion counts read it joined
 * with the clicked profiles' events by name and time, instead of a timeline read per clicked profile.
 *
 * Why keyed by the profile the click landed on, not the live one: merges, undos and splits move profiles, not
 * click rows, so the live profile is found at read time (`profiles.merged_into`) exactly as it was from the
 * click rows; a row holds what `min(at)` over those click rows gave, so every answer stays the same. The index
 * by profile is for a privacy delete (person-rows.ts), which removes the person's rows with their clicks.
 */
import type { LinkClickRecord } from './links-store.ts';

/** The table, filled from the click rows already there. `key` is the dialect's key column type. */
export const CLICKED_PROFILES_MIGRATION = (key: string, withoutRowid: string): string => `
  CREATE TABLE link_clicked_profiles (
    link_id ${key} NOT NULL,
    profile_id ${key} NOT NULL,
    first_at ${key} NOT NULL,
    PRIMARY KEY (link_id, profile_id)
  )${withoutRowid};
  CREATE INDEX link_clicked_profiles_profile ON link_clicked_profiles (profile_id);
  INSERT INTO link_clicked_profiles (link_id, profile_id, first_at)
    SELECT link_id, profile_id, min(at) FROM link_clicks WHERE kind = 'get' AND bot = 0 AND profile_id IS NOT NULL
    GROUP BY link_id, profile_id;`;

/**
 * The live profiles that clicked the link, each with its first click, by first click, at most the limit (two
 * positional parameters: the link id, the limit): the base of conversions.
 */
export const CLICKED_LIVE_SQL = (param: (n: number) => string): string =>
  `SELECT coalesce(p.merged_into, p.id) AS live, min(c.first_at) AS first_at
   FROM link_clicked_profiles c JOIN profiles p ON p.id = c.profile_id
   WHERE c.link_id = ${param(1)} GROUP BY coalesce(p.merged_into, p.id) ORDER BY first_at, live LIMIT ${param(2)}`;

/** The upsert of one row (three positional parameters: link, profile, click time); an earlier click wins. */
export const CLICKED_PROFILE_UPSERT = (rows: string): string =>
  `INSERT INTO link_clicked_profiles (link_id, profile_id, first_at) ${rows}
   ON CONFLICT (link_id, profile_id) DO UPDATE SET first_at = excluded.first_at WHERE excluded.first_at < link_clicked_profiles.first_at`;

/** What a conversion count asks: the conversion event, the window after the first click, and how many clicked profiles. */
export interface ConversionQuery {
  event: string;
  windowDays: number;
  limit: number;
}

/**
 * The first clicks a store's transactions add to `link_clicked_profiles`: `add` says whether a click may move a
 * row (a new click row of a person's GET on a profile, earlier than any this memory knows for its link and
 * profile), `take` hands the transaction's rows over (unordered: the upsert orders them), `committed` keeps them as
 * known. Why a memory across transactions (`remember`): a link's clickers click again, and each repeat was an
 * upsert that changed nothing. Why sound: a known value is never earlier than the stored one (the stored row
 * keeps the minimum, and other writers only lower it), so a click at or after it cannot move the row; a
 * privacy delete removes rows only of deleted profiles, which no later click lands on.
 */
export function createFirstClicks(options: { remember: boolean; limit?: number }): {
  add(click: LinkClickRecord): boolean;
  take(): Array<[string, string, string]>;
  committed(): void;
  /** Drops the transaction's rows (a rollback, or a new transaction). */
  drop(): void;
  /** Forgets what is known (another connection wrote). */
  forget(): void;
} {
  const limit = options.limit ?? 100_000;
  const pending = new Map<string, [string, string, string]>();
  const known = new Map<string, string>();
  return {
    add(c) {
      if (c.kind !== 'get' || c.bot || c.profileId === undefined) return false;
      const key = `${c.linkId}\u0000${c.profileId}`;
      const first = pending.get(key)?.[2] ?? known.get(key);
      if (first !== undefined && first <= c.at) return false;
      pending.set(key, [c.linkId, c.profileId, c.at]);
      return true;
    },
    take() {
      const all = [...pending.values()];
      pending.clear();
      return all;
    },
    committed() {
      if (options.remember) {
        if (known.size + pending.size > limit) known.clear();
        for (const [key, row] of pending) known.set(key, row[2]);
      }
      pending.clear();
    },
    drop: () => pending.clear(),
    forget: () => known.clear(),
  };
}

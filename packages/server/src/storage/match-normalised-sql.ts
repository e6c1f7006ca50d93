/**
 * The schema change of the match index's normalised records, one text for both stores (SQLite migration 47,
 * PostgreSQL migration 43): each indexed profile's normalised record (core's `encodeNormalised`), with a
 * partial index for the backfill of rows indexed before it.
 */
export const MATCH_NORMALISED_SQL = `
  ALTER TABLE match_profiles ADD COLUMN normalised TEXT;
  CREATE INDEX match_profiles_unnormalised ON match_profiles (profile_id) WHERE normalised IS NULL AND keys IS NOT NULL;
`;

/**
 * The drop of the record hashes' partial index (SQLite migration 53, PostgreSQL migration 45), one text for both
 * stores. Why: since the normalised records, the write path sets a row's hash and record together, so the
 * backfill finds unhashed rows through `match_profiles_unnormalised`; no query filtered on the hash being null.
 */
export const MATCH_UNHASHED_DROP_SQL = 'DROP INDEX IF EXISTS match_profiles_unhashed;';

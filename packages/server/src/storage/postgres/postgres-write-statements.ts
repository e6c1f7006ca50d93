/**
 * The named statements of the PostgreSQL write path (postgres-writes.ts) that are not generated elsewhere:
 * claiming message ids, locking and reading a batch's identities, the merge batch, and locking the profiles a
 * hand-written plan names. Apart from the write path so its file reads as the transaction's steps.
 */

/** The hot statements. Why names: pg parses and plans a named statement once per connection. */
export const WRITE_STATEMENTS = {
  claim: {
    name: 'kin_claim_v1',
    text: `INSERT INTO message_ids (source_id, message_id, received_at)
           SELECT $1, m, $3 FROM unnest($2::text[]) AS m
           ON CONFLICT (source_id, message_id) DO NOTHING
           RETURNING message_id`,
  },
  lockSnapshot: { name: 'kin_lock_snapshot_v1', text: 'SELECT * FROM kin_lock_snapshot($1::text[], $2::text[])' },
  mergeBatch: { name: 'kin_merge_batch_v3', text: 'SELECT kin_merge_batch_v3($1::json)' },
  // Hand-written plans naming profiles the transaction never looked up: lock them (sorted), then read them in
  // a second statement (READ COMMITTED: a statement's snapshot is taken before it waits for a lock).
  lockProfiles: {
    name: 'kin_lock_profiles_v1',
    text: `SELECT count(pg_advisory_xact_lock(hashtextextended('profile:' || s.f, 0)))
           FROM (SELECT DISTINCT f COLLATE "C" AS f FROM unnest($1::text[]) AS f ORDER BY 1) AS s`,
  },
  readProfiles: {
    name: 'kin_read_profiles_v1',
    text: `SELECT p.id AS profile_id, p.created_at, p.merge_count, x.type, x.value, x.first_seen, x.last_seen
           FROM profiles p LEFT JOIN identifiers x ON x.profile_id = p.id
           WHERE p.id = ANY ($1::text[]) AND p.merged_into IS NULL ORDER BY p.id, x.type, x.value`,
  },
} as const;

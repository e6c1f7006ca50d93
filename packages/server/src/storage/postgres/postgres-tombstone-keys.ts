/**
 * Single-identifier tombstones kept as keyed digests on PostgreSQL, as the SQLite store keeps them
 * (sqlite-tombstone-keys.ts says why and how): `tombstones.value` holds the digest of the privacy lane's key,
 * `keyed` tells it from a plain value written before migration 19.
 *
 * Why the rehash runs at store open: a migration cannot see the secret. It runs in one transaction under an
 * advisory lock, so many processes opening at once convert each row once; run again it finds nothing.
 */
import type { Identifier } from '@kin/core';
import type { Pool } from 'pg';

/** Migration 19: marks which tombstones are digests; every existing row is plain until a store opens. */
export const POSTGRES_TOMBSTONE_KEYS_MIGRATION = {
  version: 19,
  name: 'tombstones keep keyed digests',
  sql: `ALTER TABLE tombstones ADD COLUMN keyed boolean NOT NULL DEFAULT false;`,
};

/** The advisory lock the rehash takes for its transaction (the same name in every process). */
const REHASH_LOCK = 'kin:tombstone-keys';

/**
 * Replaces every plain tombstone by its digest in one transaction; returns how many it replaced. With any,
 * `VACUUM tombstones` then removes the dead row versions that still hold the plain values.
 */
export async function keyPlainTombstones(pool: Pool, digest: (identifier: Identifier) => string): Promise<number> {
  const probe = await pool.query('SELECT 1 FROM tombstones WHERE NOT keyed LIMIT 1');
  if (probe.rowCount === 0) return 0;
  const client = await pool.connect();
  let replaced = 0;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [REHASH_LOCK]);
    const plain = (await client.query<{ type: string; value: string }>('SELECT type, value FROM tombstones WHERE NOT keyed FOR UPDATE'))
      .rows;
    if (plain.length > 0) {
      await client.query(
        `WITH p AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS p(t, v, h)),
           gone AS (DELETE FROM tombstones t USING p WHERE t.type = p.t AND t.value = p.v AND NOT t.keyed RETURNING t.type, t.profile_id, t.created_at, p.h)
         INSERT INTO tombstones (type, value, profile_id, created_at, keyed) SELECT type, h, profile_id, created_at, true FROM gone
         ON CONFLICT (type, value) DO NOTHING`,
        [plain.map((r) => r.type), plain.map((r) => r.value), plain.map((r) => digest(r))],
      );
    }
    await client.query('COMMIT');
    replaced = plain.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    throw error;
  }
  client.release();
  if (replaced > 0) await pool.query('VACUUM tombstones');
  return replaced;
}

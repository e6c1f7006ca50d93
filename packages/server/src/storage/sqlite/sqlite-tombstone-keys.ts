/**
 * Single-identifier tombstones kept as keyed digests (issue 18): `tombstones.value` holds
 * `hex(HMAC-SHA-256(secret, type ␀ value))`, the digest of the privacy lane's key (privacy/privacy-keys.ts),
 * never the email, phone or user id an admin removed. `keyed` tells a digest from a plain value written
 * before migration 23 (a user id may itself be 64 hex characters).
 *
 * Why the rehash runs at store open and not in the migration: a migration is SQL and cannot see the
 * secret. `keyPlainTombstones` turns every plain row into its digest in one IMMEDIATE transaction; run
 * again it finds nothing, so it is idempotent and safe from several openers (the writer thread, a CLI).
 */
import type Database from 'better-sqlite3';
import type { Identifier } from '@kin/core';
import { inSqliteTransaction } from './sqlite-connection.ts';

/** The keyed digest of an identifier (the value column of a keyed tombstone). */
export type IdentifierDigest = (identifier: Identifier) => string;

/** Migration 23: marks which tombstones are digests; every existing row is plain until the store opens. */
export const SQLITE_TOMBSTONE_KEYS_MIGRATION = {
  version: 23,
  name: 'tombstones keep keyed digests',
  sql: `ALTER TABLE tombstones ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;`,
};

/**
 * Replaces every plain tombstone by its digest in one transaction; returns how many it replaced. With any,
 * the file is rebuilt (VACUUM) and the WAL truncated so the plain values leave the file too, as a privacy
 * delete does (sqlite-privacy.ts says why secure_delete alone is not enough): once, on the first open.
 */
export function keyPlainTombstones(db: Database.Database, digest: IdentifierDigest): number {
  if (db.prepare('SELECT 1 FROM tombstones WHERE keyed = 0 LIMIT 1').get() === undefined) return 0;
  db.pragma('secure_delete = ON');
  let replaced = 0;
  try {
    replaced = inSqliteTransaction(db, () => {
      const plain = db.prepare('SELECT type, value, profile_id, created_at FROM tombstones WHERE keyed = 0').all() as Array<{
        type: string;
        value: string;
        profile_id: string | null;
        created_at: string;
      }>;
      const remove = db.prepare('DELETE FROM tombstones WHERE type = ? AND value = ? AND keyed = 0');
      const insert = db.prepare(
        'INSERT INTO tombstones (type, value, profile_id, created_at, keyed) VALUES (?, ?, ?, ?, 1) ON CONFLICT (type, value) DO NOTHING',
      );
      for (const row of plain) {
        remove.run(row.type, row.value);
        insert.run(row.type, digest({ type: row.type, value: row.value }), row.profile_id, row.created_at);
      }
      return plain.length;
    });
  } finally {
    db.pragma('secure_delete = OFF');
  }
  if (replaced > 0 && db.name !== ':memory:') {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return replaced;
}

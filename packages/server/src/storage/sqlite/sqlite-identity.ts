/**
 * The identity-trust part of the SQLite store, in three parts by connection and use: what the write path
 * reads and records for every event (sqlite-identity-trust.ts), the rewrite steps of undo, split and replay
 * (sqlite-identity-rewrite.ts), and the reads of dry-run and explain (sqlite-identity-reads.ts).
 */
import type Database from 'better-sqlite3';
import type { IdGenerator } from '../../ports/ids.ts';
import type { GraphCache } from './sqlite-graph-cache.ts';
import type { Timeline } from './sqlite-timeline.ts';
import { createSqliteIdentityReads } from './sqlite-identity-reads.ts';
import { createSqliteIdentityRewrite } from './sqlite-identity-rewrite.ts';
import { createSqliteIdentityTrust } from './sqlite-identity-trust.ts';
import type { IdentifierDigest } from './sqlite-tombstone-keys.ts';

/**
 * Builds the identity operations over the writer connection `db` and the reader `read()`. `digest` keys
 * tombstones (sqlite-tombstone-keys.ts): they hold keyed digests, never identifier values.
 */
export function createSqliteIdentity(
  db: Database.Database,
  read: () => Database.Database,
  cache: GraphCache,
  timeline: Timeline,
  ids: IdGenerator,
  digest: IdentifierDigest,
) {
  return {
    ...createSqliteIdentityTrust(db, cache, digest),
    ...createSqliteIdentityRewrite(db, cache, timeline, ids, digest),
    ...createSqliteIdentityReads(read, digest),
  };
}

/** The identity operations of one SQLite store. */
export type SqliteIdentity = ReturnType<typeof createSqliteIdentity>;

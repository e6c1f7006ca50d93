/**
 * The scale-out store: PostgreSQL through a `pg` pool, many workers writing at once. Composed of:
 * - postgres-pool.ts: the pool, write transactions that retry on deadlocks, read snapshots;
 * - postgres-writes.ts (with postgres-plan-rows.ts, postgres-write-statements.ts, postgres-write-buffer.ts, its rows and its flush statement): the write path of one transaction;
 * - postgres-reads.ts and postgres-identity-reads.ts: reads;
 * - postgres-migrations.ts and postgres-partitions.ts: the schema, migrated by `openPostgresStore` before use.
 */
import type { Pool } from 'pg';
import type { Identifier } from '@kin/core';
import { identifierDigest, lazyDatabaseKeyer } from '../../privacy/privacy-keys.ts';
import { systemClock } from '../../ports/clock.ts';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import { createIdGenerator } from '../../ports/ids.ts';
import type { Store } from '../storage.ts';
import { toSource } from '../store-rows.ts';
import { postgresIdentityReads } from './postgres-identity-reads.ts';
import { migratePostgres } from './postgres-migrations.ts';
import { keyPlainTombstones } from './postgres-tombstone-keys.ts';
import { cachedDigest } from './postgres-digest-cache.ts';
import { createPostgresMatchingStore } from './postgres-matching-store.ts';
import { createPostgresMessagingStore } from './postgres-messaging.ts';
import { createPostgresAnalytics } from './postgres-analytics.ts';
import { createPostgresPrivacy } from './postgres-privacy.ts';
import { createPostgresAccess } from './postgres-access.ts';
import { createPostgresLinksStore } from './postgres-links.ts';
import { createPostgresAudiences } from './postgres-audiences.ts';
import { createFeedHorizon } from './postgres-feed-horizon.ts';
import { ENSURE_PARTITION_STATEMENT, monthsAround } from './postgres-partitions.ts';
import { createPostgresPool, postgresTransactions } from './postgres-pool.ts';
import { createPostgresReads } from './postgres-reads.ts';
import { WARNINGS_STATEMENT, warningColumns } from './postgres-write-values.ts';

export { parseTimestamptz } from './postgres-pool.ts';

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** A postgres:// connection URL. */
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  ids?: IdGenerator;
  clock?: Clock;
  /** Attempts of a transaction that hits a deadlock or serialization failure (default 5). */
  maxAttempts?: number;
  /** KIN_PRIVACY_SECRET: keys tombstones; else `.kin/privacy-secret` (privacy-keys.ts). */
  privacySecret?: string;
}

type Row = Record<string, unknown>;

/** Opens a PostgreSQL store, migrating the database first. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const store = createPostgresStore(options);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Builds a PostgreSQL store on a database already migrated (`openPostgresStore` migrates). */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const ids = options.ids ?? createIdGenerator();
  const clock = options.clock ?? systemClock;
  const pool = createPostgresPool(options.url, options.poolSize ?? 10);
  const knownMonths = new Set<string>();
  const keyer = lazyDatabaseKeyer({ db: options.url, ...(options.privacySecret ? { secret: options.privacySecret } : {}) });
  const digest = cachedDigest((identifier: Identifier): string => identifierDigest(keyer, identifier));
  const { transaction, read } = postgresTransactions(pool, ids, clock, options.maxAttempts ?? 5, knownMonths, digest);
  const reads = createPostgresReads(pool, read);
  const horizon = createFeedHorizon(pool);

  const store: Store = {
    ...reads,
    matching: createPostgresMatchingStore(pool, () => clock.now().getTime(), options.url),
    messaging: createPostgresMessagingStore(pool, options.url, horizon),
    analytics: createPostgresAnalytics(pool),
    privacy: createPostgresPrivacy(pool, ids, digest),
    ...createPostgresAccess(pool),
    links: createPostgresLinksStore(pool),
    audiences: createPostgresAudiences(pool, options.url, horizon, (id) => reads.findProfile(id)),

    async migrate() {
      await migratePostgres(pool);
      await keyPlainTombstones(pool, digest);
      const months = monthsAround(clock.now(), 1, 2).filter((m) => !knownMonths.has(m));
      for (const month of months) {
        await pool.query({ ...ENSURE_PARTITION_STATEMENT, values: [month] });
        knownMonths.add(month);
      }
    },

    async close() {
      await pool.end();
    },

    transaction,

    // A PostgreSQL commit waits for the disk (synchronous_commit), so it is durable when it resolves.
    async transactionDeferred(fn) {
      return { result: await transaction(fn), durable: Promise.resolve() };
    },

    async createSource(source) {
      const id = ids.rowId();
      await pool.query('INSERT INTO sources (id, name, write_key_hash, created_at) VALUES ($1, $2, $3, $4)', [
        id,
        source.name,
        source.writeKeyHash,
        source.createdAt,
      ]);
      return { id, name: source.name, createdAt: source.createdAt };
    },

    async listSources() {
      return (await pool.query('SELECT * FROM sources ORDER BY created_at, name')).rows.map(toSource);
    },

    async revokeSource(name, at) {
      const { rows } = await pool.query('UPDATE sources SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING *', [
        name,
        at,
      ]);
      const row = rows[0] as Row | undefined;
      return row ? { ...toSource(row), revokedAt: at } : undefined;
    },

    async findSourceByKeyHash(hash, options) {
      if (options?.includeRevoked) {
        const row = (await pool.query('SELECT * FROM sources WHERE write_key_hash = $1', [hash])).rows[0] as Row | undefined;
        return row ? toSource(row) : undefined;
      }
      const { rows } = await pool.query({
        name: 'kin_source_by_key_v1',
        text: 'SELECT * FROM sources WHERE write_key_hash = $1 AND revoked_at IS NULL',
        values: [hash],
      });
      const row = rows[0] as Row | undefined;
      return row ? toSource(row) : undefined;
    },

    async addWarnings(warnings) {
      if (warnings.length === 0) return;
      await pool.query({ ...WARNINGS_STATEMENT, values: warningColumns(warnings) });
    },

    async pruneWarnings(olderThan) {
      const { rowCount } = await pool.query('DELETE FROM warnings WHERE last_seen_at < $1', [olderThan]);
      await foldCounterSlots(pool);
      return rowCount ?? 0;
    },

    async pruneMessageIds(olderThan) {
      const result = await pool.query('DELETE FROM message_ids WHERE received_at < $1', [olderThan]);
      return result.rowCount ?? 0;
    },

    ...postgresIdentityReads(
      pool,
      {
        findProfile: (id) => store.findProfile(id),
        listProfileMerges: (id) => store.listProfileMerges(id),
      },
      digest,
    ),
  };
  return store;
}

/**
 * Folds every writer's counter slot into slot 0 (hourly, with the warnings' retention). Why it cannot
 * deadlock: a writer only ever locks its own slot's rows, and this transaction locks slot 0's rows only after
 * it has taken (waiting if need be) the others.
 */
async function foldCounterSlots(pool: Pool): Promise<void> {
  await pool.query(`WITH moved AS (DELETE FROM store_counts WHERE slot <> 0 RETURNING name, n),
    sums AS (SELECT name, sum(n) AS n FROM moved GROUP BY name)
    INSERT INTO store_counts (name, slot, n) SELECT name, 0, n FROM sums
    ON CONFLICT (name, slot) DO UPDATE SET n = store_counts.n + excluded.n`);
}

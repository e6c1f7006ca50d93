/**
 * The scale-out store: PostgreSQL through a `pg` pool, many workers writing at once.
 *
 * Why transactions retry: the identity locks (see `kin_load_snapshot`) are taken in one order within an
 * event, but a transaction holding many events takes them event after event, so two transactions can
 * deadlock. PostgreSQL detects it and aborts one (40P01); we run the whole callback again, which is safe
 * because nothing of an aborted attempt was ever visible. READ COMMITTED is enough: the advisory locks,
 * not the isolation level, serialise writers of one identity, and every read after a lock sees the latest
 * commit.
 * Times are stored as timestamptz and answered as ISO strings with milliseconds, like the SQLite store.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';
import type { Identifier } from '@kin/core';
import type { IdGenerator } from '../../ports/ids.ts';
import { createIdGenerator } from '../../ports/ids.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import { searchMatches } from '../search-matches.ts';
import type {
  MergeRecord,
  Page,
  ProfileMatch,
  ProfileView,
  SourceActivity,
  Store,
  StoreStats,
  StoredEvent,
  StoreTx,
  TraitHistory,
  TraitView,
  VolumeBucket,
  WarningRecord,
} from '../storage.ts';
import { postgresIdentityReads } from './postgres-identity-ops.ts';
import { migratePostgres } from './postgres-migrations.ts';
import { createPostgresMatchingStore, insertMatchLink } from './postgres-matching-store.ts';
import { createPostgresMessagingStore } from './postgres-messaging.ts';
import { ENSURE_PARTITION_STATEMENT, monthsAround } from './postgres-partitions.ts';
import { createPostgresTx } from './postgres-writes.ts';
import { toMillis, WARNINGS_STATEMENT, warningColumns } from './postgres-write-values.ts';
import { toMerge, toProfileView, toSource, toStoreStats, toWarning, traitHistories } from '../store-rows.ts';
import type { ProfileRows } from '../store-rows.ts';
import { postgresListProfileIds, postgresProfileIdsByName } from './postgres-profile-list.ts';

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** A postgres:// connection URL. */
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  ids?: IdGenerator;
  /** Attempts of a transaction that hits a deadlock or serialization failure (default 5). */
  maxAttempts?: number;
}

type Row = Record<string, unknown>;

const RETRYABLE = new Set(['40001', '40P01']);
const TIMESTAMPTZ_OID = 1184;

/** Opens (and migrates) a PostgreSQL store. */
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

/** Creates a PostgreSQL store without migrating it (see `openPostgresStore`). */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const ids = options.ids ?? createIdGenerator();
  const maxAttempts = options.maxAttempts ?? 5;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    options: '-c TimeZone=UTC',
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  });
  // An idle client that loses its connection is dropped by the pool; the next checkout reconnects. Without
  // a listener the 'error' event would crash the process.
  pool.on('error', () => undefined);
  const knownMonths = new Set<string>();

  async function transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let retryable = false;
      const ensuredMonths = new Set<string>();
      const query = async <R extends QueryResultRow>(config: QueryConfig) => {
        try {
          return await client.query<R>(config);
        } catch (error) {
          // Remembered even if the callback swallows it: the transaction is aborted either way.
          if (RETRYABLE.has(sqlState(error) ?? '')) retryable = true;
          throw error;
        }
      };
      try {
        // Why no hash or merge joins: every statement of a write transaction joins a batch (tens to hundreds of
        // rows from json_to_recordset or unnest, which the planner guesses at 100) with a big table by its key.
        // With those estimates it seq-scans identifiers or profiles into a hash once the table is mid-sized, a
        // cost that grows with the table; index nested loops stay flat. Sent with BEGIN: no extra round trip.
        await client.query('BEGIN; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off');
        const tx = createPostgresTx({ ids, knownMonths, ensuredMonths, query });
        tx.recordMatchLink = (link) => insertMatchLink(query, link);
        const result = await fn(tx);
        await tx.flush();
        await query({ text: 'COMMIT' });
        client.release();
        for (const month of ensuredMonths) knownMonths.add(month);
        return result;
      } catch (error) {
        client.release(!(await rollback(client)));
        if ((retryable || RETRYABLE.has(sqlState(error) ?? '')) && attempt < maxAttempts) {
          await sleep(backoff(attempt));
          continue;
        }
        throw error;
      }
    }
  }

  async function read<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = !(await rollback(client));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async function liveProfileId(client: PoolClient | pg.Pool, profileId: string): Promise<string | undefined> {
    const { rows } = await client.query<{ id: string }>({
      name: 'kin_live_profile_v1',
      text: 'SELECT coalesce(merged_into, id) AS id FROM profiles WHERE id = $1',
      values: [profileId],
    });
    return rows[0]?.id;
  }

  const store: Store = {
    matching: createPostgresMatchingStore(pool),
    messaging: createPostgresMessagingStore(pool),

    async migrate() {
      await migratePostgres(pool);
      const months = monthsAround(new Date(), 1, 2).filter((m) => !knownMonths.has(m));
      for (const month of months) {
        await pool.query({ ...ENSURE_PARTITION_STATEMENT, values: [month] });
        knownMonths.add(month);
      }
    },

    async close() {
      await pool.end();
    },

    transaction,

    async createSource(source) {
      const id = randomUUID();
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
      const { rows } = await pool.query('UPDATE sources SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING *', [name, at]);
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

    async findProfileIdByIdentifier(identifier: Identifier) {
      const { rows } = await pool.query<{ profile_id: string }>({
        name: 'kin_profile_by_identifier_v1',
        text: 'SELECT profile_id FROM identifiers WHERE type = $1 AND value = $2',
        values: [identifier.type, identifier.value],
      });
      return rows[0]?.profile_id;
    },

    async findProfile(profileId): Promise<ProfileView | undefined> {
      // One snapshot for all six reads, so a merge committing in between cannot show half a profile.
      return read(async (client) => {
        const id = await liveProfileId(client, profileId);
        if (!id) return undefined;
        const rows: ProfileRows = {
          profile: (await client.query('SELECT created_at, updated_at FROM profiles WHERE id = $1', [id])).rows[0] as Row,
          identifiers: (
            await client.query('SELECT type, value, source_id, first_seen, last_seen FROM identifiers WHERE profile_id = $1 ORDER BY type, value', [id])
          ).rows as Row[],
          traits: (await client.query('SELECT key, value FROM traits WHERE profile_id = $1 AND value IS NOT NULL ORDER BY key', [id])).rows as Row[],
          mergedFrom: (await client.query('SELECT id FROM profiles WHERE merged_into = $1 ORDER BY id', [id])).rows as Row[],
          consent: (await client.query('SELECT category, granted, ts FROM consent WHERE profile_id = $1 ORDER BY category', [id])).rows as Row[],
        };
        return toProfileView(id, rows, (stored) => stored);
      });
    },

    async listTraits(profileId): Promise<TraitView[]> {
      const id = await liveProfileId(pool, profileId);
      if (!id) return [];
      const { rows } = await pool.query('SELECT key, value, ts, source_id FROM traits WHERE profile_id = $1 AND value IS NOT NULL ORDER BY key', [id]);
      return rows.map((t: Row) => ({ key: t.key as string, value: t.value, timestamp: t.ts as string, sourceId: t.source_id as string }));
    },

    async listTraitHistory(profileId): Promise<TraitHistory[]> {
      const id = await liveProfileId(pool, profileId);
      if (!id) return [];
      const current = await pool.query('SELECT key, value, ts, source_id, trust FROM traits WHERE profile_id = $1 ORDER BY key', [id]);
      const past = await pool.query('SELECT key, value, ts, source_id, trust FROM trait_history WHERE profile_id = $1 ORDER BY key, ts DESC, seq DESC', [id]);
      return traitHistories(current.rows as Row[], past.rows as Row[], (stored) => stored ?? null);
    },

    async listProfileEvents(profileId, query): Promise<Page<StoredEvent>> {
      const id = (await liveProfileId(pool, profileId)) ?? profileId;
      const where = ['profile_id = $1'];
      const params: unknown[] = [id];
      const param = (value: unknown) => `$${params.push(value)}`;
      if (query.type) where.push(`type = ${param(query.type)}`);
      if (query.event) where.push(`event = ${param(query.event)}`);
      if (query.sourceIds) where.push(`source_id = ANY(${param(query.sourceIds)}::text[])`);
      const after = cursorKey(query.cursor);
      if (after && after.length === 2) {
        where.push(`(timestamp, seq) < (${param(toMillis(String(after[0])))}::timestamptz, ${param(Number(after[1]))}::bigint)`);
      }
      const { rows } = await pool.query(
        `SELECT seq, source_id, profile_id, timestamp, payload FROM events WHERE ${where.join(' AND ')}
         ORDER BY timestamp DESC, seq DESC LIMIT ${param(query.limit + 1)}`,
        params,
      );
      return pageOf(
        rows as Row[],
        query.limit,
        (row) => ({ ...(row.payload as StoredEvent), sourceId: row.source_id as string, profileId: row.profile_id as string }),
        (last) => [last.timestamp as string, Number(last.seq)],
      );
    },

    async listProfileMerges(profileId): Promise<MergeRecord[]> {
      const id = (await liveProfileId(pool, profileId)) ?? profileId;
      // The ledger entries of this profile: those it survived, and those of every profile folded into it.
      const { rows } = await pool.query(
        `SELECT * FROM merges WHERE survivor_id = $1 OR survivor_id IN (SELECT id FROM profiles WHERE merged_into = $1)
           OR absorbed_id = $1 ORDER BY seq`,
        [id],
      );
      return rows.map(toMerge);
    },

    async addWarnings(warnings) {
      if (warnings.length === 0) return;
      await pool.query({ ...WARNINGS_STATEMENT, values: warningColumns(warnings) });
    },

    async listWarnings(query): Promise<Page<WarningRecord>> {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown) => `$${params.push(value)}`;
      if (query.kind) where.push(`kind = ${param(query.kind)}`);
      const after = cursorKey(query.cursor);
      if (after && typeof after[0] === 'number') where.push(`seq < ${param(after[0])}`);
      const { rows } = await pool.query(
        `SELECT * FROM warnings ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${param(query.limit + 1)}`,
        params,
      );
      return pageOf(rows as Row[], query.limit, toWarning, (last) => [Number(last.seq)]);
    },

    async stats(): Promise<StoreStats> {
      // Counters the write transactions keep (migration 8's triggers), summed over the writers' slots.
      const { rows } = await pool.query<{ name: string; n: string }>('SELECT name, sum(n) AS n FROM store_counts GROUP BY name');
      const counts = new Map(rows.map((row) => [row.name, Number(row.n)]));
      return toStoreStats((name) => counts.get(name) ?? 0);
    },

    async pruneWarnings(olderThan) {
      const { rowCount } = await pool.query('DELETE FROM warnings WHERE last_seen_at < $1', [olderThan]);
      await foldCounterSlots(pool);
      return rowCount ?? 0;
    },

    async searchProfiles(query): Promise<ProfileMatch[]> {
      // Identifier hits ordered by type (a later type wins for one profile; see searchMatches), as SQLite reads them.
      const byIdentifier = query.type
        ? await pool.query('SELECT profile_id, type FROM identifiers WHERE type = $1 AND value = $2 ORDER BY type LIMIT $3', [query.type, query.value, query.limit])
        : await pool.query('SELECT profile_id, type FROM identifiers WHERE value = $1 ORDER BY type LIMIT $2', [query.value, query.limit]);
      const byTrait = query.type
        ? undefined
        : await pool.query('SELECT profile_id, key FROM traits WHERE value = to_jsonb($1::text) ORDER BY profile_id, key LIMIT $2', [query.value, query.limit]);
      return searchMatches(byIdentifier.rows as Row[], (byTrait?.rows ?? []) as Row[], query.limit, (id) => this.findProfile(id));
    },

    async profileIdsByName(query) {
      return postgresProfileIdsByName(pool, query);
    },

    async listProfileIds(query) {
      return postgresListProfileIds(pool, query);
    },

    async eventVolume(query): Promise<VolumeBucket[]> {
      const seconds = query.bucketMinutes * 60;
      const { rows } = await pool.query(
        `SELECT e.source_id, to_timestamp(floor(extract(epoch FROM e.received_at) / $2) * $2) AS bucket, count(*) AS events
         FROM events e JOIN sources s ON s.id = e.source_id
         WHERE e.received_at >= $1 GROUP BY 1, 2`,
        [query.since, seconds],
      );
      return (rows as Row[])
        .map((row) => ({ sourceId: row.source_id as string, bucket: row.bucket as string, events: Number(row.events) }))
        .sort((a, b) => a.bucket.localeCompare(b.bucket) || a.sourceId.localeCompare(b.sourceId));
    },

    async sourceActivity(): Promise<SourceActivity[]> {
      const { rows } = await pool.query(
        `SELECT s.id, count(e.source_id) AS events, max(e.received_at) AS last
         FROM sources s LEFT JOIN events e ON e.source_id = s.id GROUP BY s.id ORDER BY s.id`,
      );
      return (rows as Row[]).map((row) => ({ sourceId: row.id as string, events: Number(row.events), lastEventAt: (row.last as string | null) ?? null }));
    },

    async pruneMessageIds(olderThan) {
      const result = await pool.query('DELETE FROM message_ids WHERE received_at < $1', [olderThan]);
      return result.rowCount ?? 0;
    },

    ...postgresIdentityReads(pool, {
      findProfile: (id) => store.findProfile(id),
      listProfileMerges: (id) => store.listProfileMerges(id),
    }),
  };
  return store;
}



/** pg's parsers, except timestamptz: an ISO string with milliseconds ('2026-11-01T10:00:00.000Z'), never a Date. */
function typeParser(oid: number, format?: 'text' | 'binary'): unknown {
  if (oid === TIMESTAMPTZ_OID && format !== 'binary') return parseTimestamptz;
  return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
}

/** '2026-11-01 10:00:00.123456+00' (any offset) -> '2026-11-01T10:00:00.123Z'. */
export function parseTimestamptz(text: string): string {
  const iso = text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00').replace(/([+-]\d\d):?(\d\d):(\d\d)$/, '$1:$2');
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

async function rollback(client: PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Jittered exponential backoff: ~10, 20, 40, 80 ms, so retried transactions do not collide again in step. */
function backoff(attempt: number): number {
  const base = 10 * 2 ** (attempt - 1);
  return base / 2 + Math.random() * base;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

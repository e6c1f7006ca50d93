/**
 * The PostgreSQL store's reads. A read of several statements runs in one snapshot (`read`), so a merge
 * committing in between cannot show half a profile; single statements go to the pool.
 */
import type { Pool, PoolClient } from 'pg';
import { cursorKey, pageOf } from '../keyset-page.ts';
import { searchMatches } from '../search-matches.ts';
import type { ProfileReads, StoredEvent } from '../storage.ts';
import { toMerge, toProfileView, toStoreStats, toWarning, traitHistories } from '../store-rows.ts';
import type { ProfileRows } from '../store-rows.ts';
import { postgresLiveProfileId as liveProfileId } from './postgres-pool.ts';
import { postgresListProfileIds, postgresProfileIdsByName } from './postgres-profile-list.ts';
import { toMillis } from './postgres-write-values.ts';

type Row = Record<string, unknown>;

/** Builds the reads over the pool; `read` runs a function in one read-only snapshot. */
export function createPostgresReads(pool: Pool, read: <T>(fn: (client: PoolClient) => Promise<T>) => Promise<T>): ProfileReads {
  const reads: ProfileReads = {
    async findProfileIdByIdentifier(identifier) {
      const { rows } = await pool.query<{ profile_id: string }>({
        name: 'kin_profile_by_identifier_v1',
        text: 'SELECT profile_id FROM identifiers WHERE type = $1 AND value = $2',
        values: [identifier.type, identifier.value],
      });
      return rows[0]?.profile_id;
    },

    async findProfile(profileId) {
      // One snapshot for all six reads, so a merge committing in between cannot show half a profile.
      return read(async (client) => {
        const id = await liveProfileId(client, profileId);
        if (!id) return undefined;
        const rows: ProfileRows = {
          profile: (await client.query('SELECT created_at, updated_at FROM profiles WHERE id = $1', [id])).rows[0] as Row,
          identifiers: (
            await client.query(
              'SELECT type, value, source_id, first_seen, last_seen FROM identifiers WHERE profile_id = $1 ORDER BY type, value',
              [id],
            )
          ).rows as Row[],
          traits: (await client.query('SELECT key, value FROM traits WHERE profile_id = $1 AND value IS NOT NULL ORDER BY key', [id]))
            .rows as Row[],
          mergedFrom: (await client.query('SELECT id FROM profiles WHERE merged_into = $1 ORDER BY id', [id])).rows as Row[],
          consent: (await client.query('SELECT category, granted, ts FROM consent WHERE profile_id = $1 ORDER BY category', [id]))
            .rows as Row[],
        };
        return toProfileView(id, rows, (stored) => stored);
      });
    },

    async listTraits(profileId) {
      const id = await liveProfileId(pool, profileId);
      if (!id) return [];
      const { rows } = await pool.query(
        'SELECT key, value, ts, source_id FROM traits WHERE profile_id = $1 AND value IS NOT NULL ORDER BY key',
        [id],
      );
      return rows.map((t: Row) => ({ key: t.key as string, value: t.value, timestamp: t.ts as string, sourceId: t.source_id as string }));
    },

    async listTraitHistory(profileId) {
      const id = await liveProfileId(pool, profileId);
      if (!id) return [];
      const current = await pool.query('SELECT key, value, ts, source_id, trust FROM traits WHERE profile_id = $1 ORDER BY key', [id]);
      const past = await pool.query(
        'SELECT key, value, ts, source_id, trust FROM trait_history WHERE profile_id = $1 ORDER BY key, ts DESC, seq DESC',
        [id],
      );
      return traitHistories(current.rows as Row[], past.rows as Row[], (stored) => stored ?? null);
    },

    async listProfileEvents(profileId, query) {
      const id = (await liveProfileId(pool, profileId)) ?? profileId;
      const where = ['profile_id = $1'];
      const params: unknown[] = [id];
      const param = (value: unknown) => `$${params.push(value)}`;
      if (query.type) where.push(`type = ${param(query.type)}`);
      if (query.event) where.push(`event = ${param(query.event)}`);
      if (query.sourceIds) where.push(`source_id = ANY(${param(query.sourceIds)}::text[])`);
      const after = cursorKey('events', query.cursor);
      if (after && after.length === 2) {
        where.push(`(timestamp, seq) < (${param(toMillis(String(after[0])))}::timestamptz, ${param(Number(after[1]))}::bigint)`);
      }
      const { rows } = await pool.query(
        `SELECT seq, source_id, profile_id, timestamp, payload FROM events WHERE ${where.join(' AND ')}
         ORDER BY timestamp DESC, seq DESC LIMIT ${param(query.limit + 1)}`,
        params,
      );
      return pageOf(
        'events',
        rows as Row[],
        query.limit,
        (row) => ({ ...(row.payload as StoredEvent), sourceId: row.source_id as string, profileId: row.profile_id as string }),
        (last) => [last.timestamp as string, Number(last.seq)],
      );
    },

    async listProfileMerges(profileId) {
      const id = (await liveProfileId(pool, profileId)) ?? profileId;
      // The ledger entries of this profile: those it survived, and those of every profile folded into it.
      const { rows } = await pool.query(
        `SELECT * FROM merges WHERE survivor_id = $1 OR survivor_id IN (SELECT id FROM profiles WHERE merged_into = $1)
           OR absorbed_id = $1 ORDER BY seq`,
        [id],
      );
      return rows.map(toMerge);
    },

    async listWarnings(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown) => `$${params.push(value)}`;
      if (query.kind) where.push(`kind = ${param(query.kind)}`);
      const after = cursorKey('warnings', query.cursor);
      if (after && typeof after[0] === 'number') where.push(`seq < ${param(after[0])}`);
      const { rows } = await pool.query(
        `SELECT * FROM warnings ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${param(query.limit + 1)}`,
        params,
      );
      return pageOf('warnings', rows as Row[], query.limit, toWarning, (last) => [Number(last.seq)]);
    },

    async stats() {
      // Counters the write transactions keep (migration 8's triggers), summed over the writers' slots.
      const { rows } = await pool.query<{ name: string; n: string }>('SELECT name, sum(n) AS n FROM store_counts GROUP BY name');
      const counts = new Map(rows.map((row) => [row.name, Number(row.n)]));
      return toStoreStats((name) => counts.get(name) ?? 0);
    },

    async searchProfiles(query) {
      // Identifier hits ordered by type (a later type wins for one profile; see searchMatches), as SQLite reads them.
      const byIdentifier = query.type
        ? await pool.query('SELECT profile_id, type FROM identifiers WHERE type = $1 AND value = $2 ORDER BY type LIMIT $3', [
            query.type,
            query.value,
            query.limit,
          ])
        : await pool.query('SELECT profile_id, type FROM identifiers WHERE value = $1 ORDER BY type LIMIT $2', [query.value, query.limit]);
      const byTrait = query.type
        ? undefined
        : await pool.query('SELECT profile_id, key FROM traits WHERE value = to_jsonb($1::text) ORDER BY profile_id, key LIMIT $2', [
            query.value,
            query.limit,
          ]);
      return searchMatches(byIdentifier.rows as Row[], (byTrait?.rows ?? []) as Row[], query.limit, (id) => reads.findProfile(id));
    },

    async profileIdsByName(query) {
      return postgresProfileIdsByName(pool, query);
    },

    async listProfileIds(query) {
      return postgresListProfileIds(pool, query);
    },

    async eventVolume(query) {
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

    async sourceActivity() {
      const { rows } = await pool.query(
        `SELECT s.id, count(e.source_id) AS events, max(e.received_at) AS last
         FROM sources s LEFT JOIN events e ON e.source_id = s.id GROUP BY s.id ORDER BY s.id`,
      );
      return (rows as Row[]).map((row) => ({
        sourceId: row.id as string,
        events: Number(row.events),
        lastEventAt: (row.last as string | null) ?? null,
      }));
    },
  };
  return reads;
}

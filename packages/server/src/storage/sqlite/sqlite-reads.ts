/**
 * The SQLite store's reads, all on the read connection (never the writer's), so a long read never holds up
 * ingest and never sees an uncommitted row. Profiles are read through their live id: a merged-away id
 * answers for the profile it was merged into.
 */
import type Database from 'better-sqlite3';
import { epochMs, isoString } from '@kin/core';
import { cursorKey, pageOf } from '../keyset-page.ts';
import { searchMatches } from '../search-matches.ts';
import type { IdentityReads, ProfileReads, StoredEvent, VolumeBucket } from '../storage.ts';
import { toMerge, toStoreStats, toWarning, traitHistories } from '../store-rows.ts';
import type { SqliteIdentity } from './sqlite-identity.ts';
import { sqliteProfilesOf } from './sqlite-profile-batch.ts';
import { cachedStatement } from './sqlite-statement-cache.ts';
import { sqliteListProfileIds, sqliteProfileIdsByName } from './sqlite-profile-list.ts';
import { readTimelinePage } from './sqlite-timeline-read.ts';

type Row = Record<string, unknown>;

/**
 * An identifier value of any type, through the (type, value) key: the distinct types are walked one
 * `min(type) > previous` step each (a loose index scan), then each type is one key lookup.
 */
const SEARCH_ANY_TYPE = `
  WITH RECURSIVE types(type) AS (
    SELECT min(type) FROM identifiers
    UNION ALL
    SELECT (SELECT min(type) FROM identifiers WHERE type > types.type) FROM types WHERE types.type IS NOT NULL
  )
  SELECT i.profile_id, i.type FROM types JOIN identifiers i ON i.type = types.type AND i.value = ? LIMIT ?`;

/** The read methods of the store. */
export type SqliteReads = ProfileReads & IdentityReads;

/** The id a profile id answers for now (itself, or the profile it was merged into); undefined when unknown. */
export function sqliteLiveProfileId(read: Database.Database, profileId: string): string | undefined {
  const row = cachedStatement(read, 'SELECT id, merged_into FROM profiles WHERE id = ?').get(profileId) as Row | undefined;
  if (!row) return undefined;
  return (row.merged_into as string | null) ?? (row.id as string);
}

/** Builds the reads over the read connection and the identity tables' operations. */
export function createSqliteReads(read: () => Database.Database, identity: SqliteIdentity): SqliteReads {
  const liveProfileId = (profileId: string): string | undefined => sqliteLiveProfileId(read(), profileId);
  const reads: SqliteReads = {
    async findProfileIdByIdentifier(identifier) {
      const row = read()
        .prepare('SELECT profile_id FROM identifiers WHERE type = ? AND value = ?')
        .get(identifier.type, identifier.value) as Row | undefined;
      return row ? (row.profile_id as string) : undefined;
    },

    async findProfile(profileId) {
      return sqliteProfilesOf(read(), [profileId]).get(profileId);
    },

    async listTraits(profileId) {
      const id = liveProfileId(profileId);
      if (!id) return [];
      return (
        read()
          .prepare('SELECT key, value, ts, source_id FROM traits WHERE profile_id = ? AND value IS NOT NULL ORDER BY key')
          .all(id) as Row[]
      ).map((t) => ({
        key: t.key as string,
        value: JSON.parse(t.value as string),
        timestamp: t.ts as string,
        sourceId: t.source_id as string,
      }));
    },

    async listTraitHistory(profileId) {
      const id = liveProfileId(profileId);
      if (!id) return [];
      const r = read();
      const current = r.prepare('SELECT key, value, ts, source_id, trust FROM traits WHERE profile_id = ? ORDER BY key').all(id) as Row[];
      const past = r
        .prepare('SELECT key, value, ts, source_id, trust FROM trait_history WHERE profile_id = ? ORDER BY key, ts DESC, seq DESC')
        .all(id) as Row[];
      return traitHistories(current, past, (stored) => (stored === null ? null : JSON.parse(stored as string)));
    },

    async listProfileEvents(profileId, query) {
      const id = liveProfileId(profileId) ?? profileId;
      const after = cursorKey('events', query.cursor);
      const rows = readTimelinePage(read(), id, {
        limit: query.limit,
        ...(after && after.length === 2 ? { after: [after[0] as string, after[1] as number] as const } : {}),
        ...(query.type ? { type: query.type } : {}),
        ...(query.event ? { event: query.event } : {}),
        ...(query.sourceIds ? { sourceIds: query.sourceIds } : {}),
      });
      return pageOf(
        'events',
        rows,
        query.limit,
        // The live profile: an event keeps the profile it was applied to, which may since have been merged.
        (row) => ({ ...(JSON.parse(row.payload) as StoredEvent), sourceId: row.sourceId, profileId: id }),
        (last) => [last.timestamp, last.seq],
      );
    },

    async listProfileMerges(profileId) {
      const id = liveProfileId(profileId) ?? profileId;
      const r = read();
      // The ledger entries of this profile: those it survived, and those of every profile folded into it.
      const rows = r
        .prepare(
          `SELECT * FROM merges WHERE survivor_id = ? OR survivor_id IN (SELECT id FROM profiles WHERE merged_into = ?)
             OR absorbed_id = ? ORDER BY seq`,
        )
        .all(id, id, id) as Row[];
      return rows.map(toMerge);
    },

    async listWarnings(query) {
      const where: string[] = [];
      const params: Array<string | number> = [];
      if (query.kind) {
        where.push('kind = ?');
        params.push(query.kind);
      }
      const after = cursorKey('warnings', query.cursor);
      if (after && typeof after[0] === 'number') {
        where.push('seq < ?');
        params.push(after[0]);
      }
      const sql = `SELECT * FROM warnings ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
      const rows = read()
        .prepare(sql)
        .all(...params, query.limit + 1) as Row[];
      return pageOf('warnings', rows, query.limit, toWarning, (last) => [last.seq as number]);
    },

    async stats() {
      // Counters the write transactions keep (migration 12's triggers), not COUNT(*): five key lookups.
      const counts = new Map(read().prepare('SELECT name, n FROM store_counts').raw(true).all() as Array<[string, number]>);
      return toStoreStats((name) => counts.get(name) ?? 0);
    },

    async searchProfiles(query) {
      const r = read();
      const byId = query.type
        ? (r
            .prepare('SELECT profile_id, type FROM identifiers WHERE type = ? AND value = ? LIMIT ?')
            .all(query.type, query.value, query.limit) as Row[])
        : (r.prepare(SEARCH_ANY_TYPE).all(query.value, query.limit) as Row[]);
      const byTrait = query.type
        ? []
        : (r.prepare('SELECT profile_id, key FROM traits WHERE value = ? LIMIT ?').all(JSON.stringify(query.value), query.limit) as Row[]);
      return searchMatches(byId, byTrait, query.limit, (id) => reads.findProfile(id));
    },

    async profileIdsByName(query) {
      return sqliteProfileIdsByName(read(), query);
    },

    async listProfileIds(query) {
      return sqliteListProfileIds(read(), query);
    },

    async eventVolume(query) {
      // Counted per minute (see sourceMinutes): `since` counts from the start of its minute. One key range
      // per source, so the cost follows the minutes asked for, not the months kept.
      const r = read();
      const range = r.prepare('SELECT source_id, minute, events FROM source_minutes WHERE source_id = ? AND minute >= ?').raw(true);
      const from = Math.floor(epochMs(query.since) / 60_000);
      const rows = (r.prepare('SELECT id FROM sources').pluck().all() as string[]).flatMap(
        (id) => range.all(id, from) as Array<[string, number, number]>,
      );
      const size = query.bucketMinutes * 60_000;
      const counts = new Map<string, VolumeBucket>();
      for (const [sourceId, minute, events] of rows) {
        const bucket = isoString(Math.floor((minute * 60_000) / size) * size);
        const key = `${sourceId}|${bucket}`;
        const entry = counts.get(key) ?? { sourceId, bucket, events: 0 };
        entry.events += events;
        counts.set(key, entry);
      }
      return [...counts.values()].sort((a, b) => a.bucket.localeCompare(b.bucket) || a.sourceId.localeCompare(b.sourceId));
    },

    async sourceActivity() {
      const rows = read()
        .prepare(
          `SELECT s.id AS source_id, coalesce(sum(m.events), 0) AS n, max(m.last_at) AS last
           FROM sources s LEFT JOIN source_minutes m ON m.source_id = s.id GROUP BY s.id ORDER BY s.id`,
        )
        .all() as Array<{ source_id: string; n: number; last: string | null }>;
      return rows.map((row) => ({ sourceId: row.source_id, events: row.n, lastEventAt: row.last }));
    },

    async readSnapshot(identifiers) {
      return identity.readSnapshot(identifiers);
    },

    async explainProfile(profileId) {
      const profile = await reads.findProfile(profileId);
      if (!profile) return undefined;
      return identity.explainProfile(profile, await reads.listProfileMerges(profile.id));
    },

    async findMerge(id) {
      return identity.findMerge(read(), id);
    },

    async listDoNotLink() {
      return identity.listDoNotLink();
    },

    async identifierPartition() {
      return identity.identifierPartition();
    },
  };
  return reads;
}

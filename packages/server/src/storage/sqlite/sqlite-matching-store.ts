/**
 * The matching port of the SQLite store (review queue, match evidence, trait scans). It shares the
 * store's writer connection and write queue, so its writes never slip into an open transaction.
 */
import type Database from 'better-sqlite3';
import type { MatchCandidate, MatchingStore, MatchLink, ReviewStatus, TraitProfile } from '../matching-store.ts';
import { MATCH_OUTCOMES, matchTotalsOf } from '../matching-store.ts';
import type { SqliteLeases } from './sqlite-lease.ts';
import { inSqliteTransaction } from './sqlite-connection.ts';
import { cachedStatement } from './sqlite-statement-cache.ts';
import { sqliteMatchCandidates } from './sqlite-match-candidates.ts';
import type { SqliteMatchIndex } from './sqlite-match-index.ts';
import { sqliteMatchingOn, switchSqliteMatching } from './sqlite-match-switch.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import type { WriteQueue } from './write-queue.ts';
import { toMatchLink, toReviewItem } from '../store-rows.ts';

type Row = Record<string, unknown>;

/** Creates the matching port over the store's connections. */
export function createSqliteMatchingStore(options: {
  db: Database.Database;
  read: () => Database.Database;
  queue: WriteQueue;
  matchIndex: SqliteMatchIndex;
  leases: SqliteLeases;
}): MatchingStore {
  const { db, read, queue, matchIndex } = options;
  const traitsOf = (ids: string[], keys: string[]): TraitProfile[] => {
    if (ids.length === 0 || keys.length === 0) return [];
    const r = read();
    const byId = new Map(ids.map((id) => [id, { id, traits: [] as Array<{ key: string; value: unknown; sourceId: string }> }]));
    const wanted = new Set(keys);
    // Why the keys are filtered here, not in SQL: `key IN (…)` beside `profile_id IN (…)` made SQLite probe
    // every (profile, key) combination (200 × 33 lookups, most of them misses); one range per profile is
    // a few rows each (measured at 1,000,000 profiles: CPU p99 of an arrival 28 ms before).
    // Statements are cached per connection (one per number of ids): preparing one cost more than running it.
    const rows = cachedStatement(
      r,
      `SELECT profile_id, key, value, source_id FROM traits WHERE profile_id IN (${ids.map(() => '?').join(', ')}) AND value IS NOT NULL`,
    ).all(...ids) as Row[];
    for (const row of rows) {
      if (!wanted.has(row.key as string)) continue;
      byId
        .get(row.profile_id as string)
        ?.traits.push({ key: row.key as string, value: JSON.parse(row.value as string), sourceId: row.source_id as string });
    }
    return [...byId.values()].filter((p) => p.traits.length > 0);
  };
  const candidatesOf = (keys: string[], limit: number): MatchCandidate[] => sqliteMatchCandidates(read(), keys, limit);
  return {
    // One matcher per file, whatever the number of processes on it (sqlite-lease.ts).
    matcherLease: () => options.leases.lease('matcher'),
    incrementalMatching: async () => sqliteMatchingOn(read()),
    async switchIncrementalMatching(on) {
      return queue.run(() => {
        const changed = inSqliteTransaction(db, () => switchSqliteMatching(db, on));
        matchIndex.switched(on);
        return changed;
      });
    },
    async scanProfileTraits(query) {
      if (query.keys.length === 0) return [];
      const marks = query.keys.map(() => '?').join(', ');
      const r = read();
      // Merged profiles keep no traits (a merge moves them), so every profile found here is live.
      const ids = (
        r
          .prepare(
            `SELECT DISTINCT profile_id FROM traits WHERE profile_id > ? AND key IN (${marks}) AND value IS NOT NULL ORDER BY profile_id LIMIT ?`,
          )
          .all(query.after ?? '', ...query.keys, query.limit) as Row[]
      ).map((x) => x.profile_id as string);
      if (ids.length === 0) return [];
      const rows = r
        .prepare(
          `SELECT profile_id, key, value, source_id FROM traits WHERE profile_id >= ? AND profile_id <= ? AND key IN (${marks}) AND value IS NOT NULL
           ORDER BY profile_id, key`,
        )
        .all(ids[0], ids[ids.length - 1], ...query.keys) as Row[];
      const byId = new Map(ids.map((id) => [id, { id, traits: [] as Array<{ key: string; value: unknown; sourceId: string }> }]));
      for (const row of rows) {
        byId
          .get(row.profile_id as string)
          ?.traits.push({ key: row.key as string, value: JSON.parse(row.value as string), sourceId: row.source_id as string });
      }
      return [...byId.values()];
    },

    async liveProfileIds(ids) {
      const r = read();
      const get = cachedStatement(r, 'SELECT id, merged_into FROM profiles WHERE id = ?');
      const out: Record<string, string> = {};
      for (const id of new Set(ids)) {
        const row = get.get(id) as Row | undefined;
        if (row) out[id] = (row.merged_into as string | null) ?? (row.id as string);
      }
      return out;
    },

    async addReviewItems(items) {
      await queue.run(() => {
        const insert = db.prepare(
          `INSERT INTO review_items (id, run_id, a_profile, b_profile, probability, reason, evidence, status, created_at, decided_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        db.transaction(() => {
          for (const x of items) {
            insert.run(
              x.id,
              x.runId,
              x.aProfile,
              x.bProfile,
              x.probability,
              x.reason,
              JSON.stringify(x.evidence),
              x.status,
              x.createdAt,
              x.decidedAt ?? null,
            );
          }
        })();
      });
    },

    async listReviewItems(query) {
      const where: string[] = [];
      const params: Array<string | number> = [];
      if (query.status) {
        where.push('status = ?');
        params.push(query.status);
      }
      const after = cursorKey('review', query.cursor);
      if (after && typeof after[0] === 'number') {
        where.push('seq > ?');
        params.push(after[0]);
      }
      const sql = `SELECT * FROM review_items ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq LIMIT ?`;
      const rows = read()
        .prepare(sql)
        .all(...params, query.limit + 1) as Row[];
      return pageOf('review', rows, query.limit, toReviewItem, (last) => [last.seq as number]);
    },

    async listReviewPairs() {
      return (read().prepare('SELECT a_profile, b_profile, status FROM review_items ORDER BY seq').all() as Row[]).map((row) => ({
        aProfile: row.a_profile as string,
        bProfile: row.b_profile as string,
        status: row.status as ReviewStatus,
      }));
    },

    async findReviewItem(id) {
      const row = read().prepare('SELECT * FROM review_items WHERE id = ?').get(id) as Row | undefined;
      return row ? toReviewItem(row) : undefined;
    },

    async decideReviewItem(id, status, at) {
      return queue.run(() => {
        const changed = db
          .prepare("UPDATE review_items SET status = ?, decided_at = ? WHERE id = ? AND status = 'open'")
          .run(status, at, id).changes;
        if (changed === 0) return undefined;
        return toReviewItem(db.prepare('SELECT * FROM review_items WHERE id = ?').get(id) as Row);
      });
    },

    async reviewPairsOf(profileIds) {
      if (profileIds.length === 0) return [];
      const marks = profileIds.map(() => '?').join(', ');
      return (
        cachedStatement(
          read(),
          `SELECT a_profile, b_profile, status FROM review_items WHERE a_profile IN (${marks}) UNION SELECT a_profile, b_profile, status FROM review_items WHERE b_profile IN (${marks})`,
        ).all(...profileIds, ...profileIds) as Row[]
      ).map((row) => ({ aProfile: row.a_profile as string, bProfile: row.b_profile as string, status: row.status as ReviewStatus }));
    },

    async matchKeysOfProfile(profileId) {
      const row = cachedStatement(read(), 'SELECT keys FROM match_profiles WHERE profile_id = ?').get(profileId) as
        { keys: string | null } | undefined;
      return row?.keys ? (JSON.parse(row.keys) as string[]) : undefined;
    },

    async profilesByMatchKeys(keys, limit) {
      return candidatesOf(keys, limit).map((c) => c.profileId);
    },

    async candidatesByMatchKeys(keys, limit) {
      return candidatesOf(keys, limit);
    },

    async profileTraits(ids, keys) {
      return traitsOf(ids, keys);
    },

    async pendingMatches(limit) {
      return (
        cachedStatement(read(), 'SELECT profile_id, seq FROM match_profiles WHERE pending = 1 ORDER BY seq LIMIT ?').all(limit) as Row[]
      ).map((r) => ({
        profileId: r.profile_id as string,
        seq: r.seq as number,
      }));
    },

    async settleMatches(done, totals) {
      if (done.length === 0) return;
      await queue.run(() => {
        const settle = db.prepare('UPDATE match_profiles SET pending = 0 WHERE profile_id = ? AND seq = ?');
        const add = db.prepare(
          'INSERT INTO match_totals (outcome, count) VALUES (?, ?) ON CONFLICT (outcome) DO UPDATE SET count = count + excluded.count',
        );
        inSqliteTransaction(db, () => {
          for (const x of done) settle.run(x.profileId, x.seq);
          for (const outcome of MATCH_OUTCOMES) if ((totals?.[outcome] ?? 0) > 0) add.run(outcome, totals?.[outcome]);
        });
      });
    },

    async matchTotals() {
      const r = read();
      const pending = r.prepare('SELECT count(*) FROM match_profiles WHERE pending = 1').pluck().get() as number;
      return { ...matchTotalsOf(r.prepare('SELECT outcome, count FROM match_totals').all() as Row[]), pending };
    },

    async backfillMatchIndex(limit) {
      // The follower asks every turn (the switch may have been turned on by another process since): when there is
      // nothing to backfill, as almost always, the read connection says so without taking the write lock.
      const r = read();
      if (
        cachedStatement(r, 'SELECT 1 FROM match_profiles WHERE keys IS NULL LIMIT 1').get() === undefined &&
        cachedStatement(r, 'SELECT 1 FROM match_profiles WHERE normalised IS NULL AND keys IS NOT NULL LIMIT 1').get() === undefined
      )
        return 0;
      return queue.run(() =>
        inSqliteTransaction(db, () => {
          const ids = db.prepare('SELECT profile_id FROM match_profiles WHERE keys IS NULL LIMIT ?').pluck().all(limit) as string[];
          // Then the rows indexed before normalised records (migration 47; before record hashes, migration 39, too):
          // re-keying one hashes and normalises it.
          if (ids.length < limit)
            ids.push(
              ...(db
                .prepare('SELECT profile_id FROM match_profiles WHERE normalised IS NULL AND keys IS NOT NULL LIMIT ?')
                .pluck()
                .all(limit - ids.length) as string[]),
            );
          matchIndex.rekeyAll(ids.map((id) => [id, false] as const));
          return ids.length;
        }),
      );
    },

    async listMatchLinks(profileIds) {
      if (profileIds.length === 0) return [];
      const marks = profileIds.map(() => '?').join(', ');
      return (
        read()
          .prepare(`SELECT * FROM match_links WHERE survivor_id IN (${marks}) OR absorbed_id IN (${marks}) ORDER BY created_at, message_id`)
          .all(...profileIds, ...profileIds) as Row[]
      ).map(toMatchLink);
    },
  };
}

/** Inserts a match link on the writer connection (called inside the store's open transaction). */
export function insertMatchLink(db: Database.Database, link: MatchLink): void {
  db.prepare(
    `INSERT OR IGNORE INTO match_links (message_id, run_id, rule, survivor_id, absorbed_id, probability, evidence, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    link.messageId,
    link.runId,
    link.rule,
    link.survivorId,
    link.absorbedId,
    link.probability,
    JSON.stringify(link.evidence),
    link.createdAt,
  );
}

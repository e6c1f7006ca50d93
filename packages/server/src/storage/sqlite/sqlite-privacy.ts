/**
 * The privacy port of the SQLite store (see privacy-store.ts). It shares the store's writer connection and
 * write queue; the delete runs inside the store's own transaction, after the identity step that detaches
 * the profile (`detachProfile`, the path undo and split take), so the graph cache and the timeline see it
 * as they see any identity change.
 *
 * Why `secure_delete` during a delete and VACUUM after it: SQLite leaves deleted cells, freed pages and the
 * unused parts of rewritten pages as they were, so the person's email would stay readable in the file. With
 * secure_delete on, SQLite zeroes what the delete frees; `scrub` then rebuilds the file and truncates the WAL.
 */
import type Database from 'better-sqlite3';
import { cursorKey, pageOf } from '../keyset-page.ts';
import type { DeletedPerson, PrivacyKeyKind, PrivacyStore } from '../privacy-store.ts';
import { FINAL_STATUSES, toPrivacyRequest } from '../privacy-store.ts';
import { HIT_RECOUNT_SQL } from '../links-rows.ts';
import { PERSON_CLICKED_LINKS, PERSON_REF_DELETES, PERSON_ROW_DELETES, personRefs } from '../person-rows.ts';
import type { StoreTx } from '../storage.ts';
import { toWarning } from '../store-rows.ts';
import type { WriteQueue } from './write-queue.ts';

type Row = Record<string, unknown>;

/** Migration 15: requests, keys and the dropped-event counter. */
export const SQLITE_PRIVACY_MIGRATION = {
  version: 15,
  name: 'privacy requests and keys',
  // Why keys (`type.hmac`) and not values: see privacy-store.ts. Single-identifier tombstones keep the same
  // hash since migration 23 (sqlite-tombstone-keys.ts).
  sql: `
    CREATE TABLE privacy_requests (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      status TEXT NOT NULL,
      profile_id TEXT,
      identifiers TEXT NOT NULL,
      reason TEXT,
      requested_by TEXT,
      error TEXT,
      outcome TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      completed_at TEXT
    );
    CREATE TABLE privacy_keys (
      key TEXT NOT NULL,
      kind TEXT NOT NULL,
      request_id TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (key, kind)
    ) WITHOUT ROWID;
    CREATE INDEX privacy_keys_request ON privacy_keys(request_id);
    INSERT INTO store_counts (name, n) VALUES ('suppressed_events', 0);
  `,
};

/** Creates the privacy port over the store's connections and transaction. */
export function createSqlitePrivacy(options: {
  db: Database.Database;
  read: () => Database.Database;
  queue: WriteQueue;
  transaction: <T>(fn: (tx: StoreTx) => Promise<T>) => Promise<T>;
}): PrivacyStore {
  const { db, read, queue } = options;
  const json = (values: unknown[]) => JSON.stringify(values);

  /** Removes what `detachProfile` leaves of the person `ids` (profile family), holding `idents`. */
  function removeRest(ids: string[], idents: Array<{ type: string; value: string }>, seqs: number[]): number {
    const ids$ = json(ids);
    const idents$ = JSON.stringify(idents);
    const seqs$ = json(seqs);
    // Events: the per-minute counters (and so `stats().events`) drop with them.
    db.prepare(
      `UPDATE source_minutes SET events = source_minutes.events - x.n
         FROM (SELECT source_id, CAST(strftime('%s', received_at) AS INTEGER) / 60 AS minute, count(*) AS n
                 FROM events WHERE seq IN (SELECT value FROM json_each(?)) GROUP BY 1, 2) AS x
        WHERE source_minutes.source_id = x.source_id AND source_minutes.minute = x.minute`,
    ).run(seqs$);
    const events = db.prepare('DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))').run(seqs$).changes;
    const inIds = '(SELECT value FROM json_each(?))';
    db.prepare(`DELETE FROM merges WHERE survivor_id IN ${inIds} OR absorbed_id IN ${inIds}`).run(ids$, ids$);
    db.prepare(`DELETE FROM warnings WHERE profile_id IN ${inIds}`).run(ids$);
    db.prepare(`DELETE FROM tombstones WHERE profile_id IN ${inIds}`).run(ids$);
    db.prepare(`DELETE FROM review_items WHERE a_profile IN ${inIds} OR b_profile IN ${inIds}`).run(ids$, ids$);
    db.prepare(`DELETE FROM match_links WHERE survivor_id IN ${inIds} OR absorbed_id IN ${inIds}`).run(ids$, ids$);
    const pairs = `(SELECT json_extract(value, '$.type') AS type, json_extract(value, '$.value') AS value FROM json_each(?))`;
    const rules = db
      .prepare(`SELECT DISTINCT m.rule_id FROM do_not_link_members m JOIN ${pairs} AS p ON p.type = m.type AND p.value = m.value`)
      .pluck()
      .all(idents$) as string[];
    db.prepare(`DELETE FROM do_not_link WHERE id IN ${inIds}`).run(json(rules));
    db.prepare(`DELETE FROM do_not_link_members WHERE rule_id IN ${inIds}`).run(json(rules));
    const userIds = json(idents.filter((i) => i.type === 'user_id').map((i) => i.value));
    db.prepare(
      `DELETE FROM device_users WHERE user_id IN (SELECT value FROM json_each(?)) OR (type, value) IN (SELECT type, value FROM ${pairs})`,
    ).run(userIds, idents$);
    // Refusals of the person's identifiers on other profiles (a limit, a rule) name them too.
    db.prepare(`DELETE FROM refusals WHERE (type, value) IN (SELECT type, value FROM ${pairs})`).run(idents$);
    const clicked = json(db.prepare(PERSON_CLICKED_LINKS.replace('IDS', 'SELECT value FROM json_each(?)')).pluck().all(ids$));
    for (const statement of PERSON_ROW_DELETES) db.prepare(statement.replace('IDS', 'SELECT value FROM json_each(?)')).run(ids$);
    for (const statement of HIT_RECOUNT_SQL('SELECT value FROM json_each(@links)')) db.prepare(statement).run({ links: clicked });
    const refs$ = json(personRefs(idents, ids));
    for (const statement of PERSON_REF_DELETES) db.prepare(statement.replace('REFS', 'SELECT value FROM json_each(?)')).run(refs$);
    return events;
  }

  return {
    async createRequest(r) {
      await queue.run(() =>
        db
          .prepare(
            `INSERT INTO privacy_requests (id, type, status, profile_id, identifiers, reason, requested_by, created_at, updated_at)
             VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            r.id,
            r.type,
            r.subject.profileId,
            JSON.stringify(r.subject.identifiers),
            r.reason ?? null,
            r.requestedBy ?? null,
            r.createdAt,
            r.createdAt,
          ),
      );
    },

    async updateRequest(id, p) {
      await queue.run(() =>
        db
          .prepare(
            `UPDATE privacy_requests SET status = ?, updated_at = ?, error = ?, outcome = coalesce(?, outcome),
               identifiers = coalesce(?, identifiers), completed_at = CASE WHEN ? THEN ? ELSE completed_at END
             WHERE id = ?`,
          )
          .run(
            p.status,
            p.at,
            p.error ?? null,
            p.outcome ? JSON.stringify(p.outcome) : null,
            p.identifiers ? JSON.stringify(p.identifiers) : null,
            FINAL_STATUSES.has(p.status) ? 1 : 0,
            p.at,
            id,
          ),
      );
    },

    async findRequest(id) {
      const row = read().prepare('SELECT * FROM privacy_requests WHERE id = ?').get(id) as Row | undefined;
      return row ? toPrivacyRequest(row) : undefined;
    },

    async listRequests({ limit, cursor }) {
      const after = cursorKey('privacy', cursor);
      const before = typeof after?.[0] === 'number' ? after[0] : Number.MAX_SAFE_INTEGER;
      const rows = read()
        .prepare('SELECT * FROM privacy_requests WHERE seq < ? ORDER BY seq DESC LIMIT ?')
        .all(before, limit + 1) as Row[];
      return pageOf('privacy', rows, limit, toPrivacyRequest, (row) => [row.seq as number]);
    },

    async addKeys(keys, at) {
      if (keys.length === 0) return;
      await queue.run(() => {
        const insert = db.prepare('INSERT OR IGNORE INTO privacy_keys (key, kind, request_id, created_at) VALUES (?, ?, ?, ?)');
        db.transaction(() => keys.forEach((k) => insert.run(k.key, k.kind, k.requestId, at)))();
      });
    },

    async removeSuppressions(keys) {
      return queue.run(() =>
        db.transaction(() => {
          const requests = `SELECT request_id FROM privacy_keys WHERE kind = 'suppress' AND key IN (SELECT value FROM json_each(?))`;
          const removed = db
            .prepare(`SELECT key FROM privacy_keys WHERE kind = 'suppress' AND request_id IN (${requests})`)
            .pluck()
            .all(json(keys)) as string[];
          db.prepare(`DELETE FROM privacy_keys WHERE kind = 'suppress' AND request_id IN (${requests})`).run(json(keys));
          return removed;
        })(),
      );
    },

    async listKeys() {
      return (read().prepare('SELECT key, kind, request_id FROM privacy_keys ORDER BY key, kind').all() as Row[]).map((r) => ({
        key: r.key as string,
        kind: r.kind as PrivacyKeyKind,
        requestId: r.request_id as string,
      }));
    },

    async deletePerson(profileId, tombstones, at) {
      db.pragma('secure_delete = ON');
      try {
        return await options.transaction(async (tx): Promise<DeletedPerson | undefined> => {
          const insert = db.prepare('INSERT OR IGNORE INTO privacy_keys (key, kind, request_id, created_at) VALUES (?, ?, ?, ?)');
          for (const k of tombstones) insert.run(k.key, k.kind, k.requestId, at);
          if (profileId === null) return undefined;
          const live = db.prepare('SELECT coalesce(merged_into, id) FROM profiles WHERE id = ?').pluck().get(profileId) as
            string | undefined;
          if (live === undefined) return undefined;
          const idents = db.prepare('SELECT type, value FROM identifiers WHERE profile_id = ?').all(live) as Array<{
            type: string;
            value: string;
          }>;
          const detached = await tx.detachProfile(live);
          if (!detached) return undefined;
          const ids = detached.profiles.map((p) => p.id);
          const events = removeRest(
            ids,
            idents,
            detached.events.map((e) => e.seq),
          );
          return { profiles: ids.length, profileIds: ids, events, identifiers: idents.length };
        });
      } finally {
        db.pragma('secure_delete = OFF');
      }
    },

    async listProfileWarnings(profileIds) {
      const rows = read()
        .prepare('SELECT * FROM warnings WHERE profile_id IN (SELECT value FROM json_each(?)) ORDER BY seq')
        .all(json(profileIds)) as Row[];
      return rows.map(toWarning);
    },

    async profileFamily(profileId) {
      return read()
        .prepare('SELECT id FROM profiles WHERE id = ? OR merged_into = ? ORDER BY created_at, id')
        .pluck()
        .all(profileId, profileId) as string[];
    },

    async countSuppressed(n) {
      if (n <= 0) return;
      await queue.run(() => db.prepare(`UPDATE store_counts SET n = n + ? WHERE name = 'suppressed_events'`).run(n));
    },

    async suppressedEvents() {
      return Number(read().prepare(`SELECT n FROM store_counts WHERE name = 'suppressed_events'`).pluck().get() ?? 0);
    },

    async scrub() {
      // secure_delete zeroed what the delete freed, but not the copies SQLite left earlier: a leaf page that
      // later became an interior page keeps the bytes of its old cells in its unused area (found by this
      // file's test). VACUUM rewrites every page from live rows; TRUNCATE then empties the WAL, which holds
      // the old pages until then. The cost: VACUUM copies the whole file once per delete (docs/privacy.md).
      const truncate = () => (db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>)[0]?.busy === 0;
      return queue.run(async () => {
        truncate();
        db.exec('VACUUM');
        // A reader of older frames (the read thread, a second process) keeps the WAL from being emptied: it
        // gets a few more chances (each waits the busy timeout), then the request says `partial`.
        for (let attempt = 0; attempt < 3; attempt++) {
          if (truncate()) return true;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return false;
      });
    },
  };
}

/**
 * The tracked-links port of the SQLite store (links-store.ts). Admin writes go through the store's write
 * queue, reads through its read connection; click rows are written by `sqliteLinkClickTx` on the writer's
 * connection, inside the ingest transaction of their events.
 */
import type Database from 'better-sqlite3';
import type { LinkClickTx, LinksStore } from '../links-store.ts';
import {
  HIT_COUNTER_MIGRATION,
  HIT_COUNTERS,
  createHitTally,
  HIT_COUNTS_SQL,
  hitFirsts,
  LINK_CLICK_COLUMNS,
  linkClickValues,
  PROFILE_CLICKS_ORDER,
  toHitCounts,
  toLinkClickRecord,
  toLinkRecord,
} from '../links-rows.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import { CLICKED_PROFILE_UPSERT, createFirstClicks } from '../links-conversions.ts';
import { countSqliteConversions } from './sqlite-link-conversions.ts';
import { cachedStatement } from './sqlite-statement-cache.ts';
import type { WriteQueue } from './write-queue.ts';

type Row = Record<string, unknown>;

/** Schema of tracked links (migration 18). */
export const SQLITE_LINKS_MIGRATION = {
  version: 18,
  name: 'tracked links',
  // Why a row per hit beside the event: stats count these small rows by link instead of scanning events, and
  // R14 finds a click by its id. Why no foreign keys: a click row is written by the ingest path, which must
  // not fail an event because an admin removed its link.
  sql: `
    CREATE TABLE links (
      id TEXT PRIMARY KEY,
      code TEXT NOT NULL UNIQUE,
      url TEXT NOT NULL,
      campaign_id TEXT,
      expires_at TEXT,
      tags TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE link_recipients (
      id TEXT PRIMARY KEY,
      link_id TEXT NOT NULL,
      ref TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX link_recipients_link ON link_recipients(link_id);
    CREATE TABLE link_clicks (
      click_id TEXT PRIMARY KEY,
      link_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      at TEXT NOT NULL,
      bot INTEGER NOT NULL,
      reason TEXT,
      token TEXT NOT NULL,
      recipient_id TEXT,
      profile_id TEXT,
      anchor_type TEXT,
      anchor_value TEXT,
      visitor TEXT
    );
    CREATE INDEX link_clicks_link ON link_clicks(link_id, kind, bot);
    CREATE TABLE link_click_browsers (
      click_id TEXT NOT NULL,
      anonymous_id TEXT NOT NULL,
      PRIMARY KEY (click_id, anonymous_id)
    ) WITHOUT ROWID;
    CREATE TABLE link_secret (id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL);
  `,
};

/** Counters of each link's hits, kept in the click's write transaction (links-rows.ts `hitCountDeltas`). */
export const SQLITE_LINK_COUNTERS_MIGRATION = {
  version: 26,
  name: 'tracked links: hit counters kept at write time',
  sql: HIT_COUNTER_MIGRATION('TEXT', ' WITHOUT ROWID'),
};

/** Creates the links port over the store's connections. */
export function createSqliteLinksStore(options: { db: Database.Database; read: () => Database.Database; queue: WriteQueue }): LinksStore {
  const { db, read, queue } = options;
  // Why cached statements: the redirect reads a recipient per tokened click, and compiling the statement each
  // time cost more than the read.
  const readStatement = (sql: string): Database.Statement => cachedStatement(read(), sql);
  return {
    async createLink(link) {
      return queue.run(() => {
        const result = db
          .prepare(
            'INSERT INTO links (id, code, url, campaign_id, expires_at, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING',
          )
          .run(link.id, link.code, link.url, link.campaignId ?? null, link.expiresAt ?? null, JSON.stringify(link.tags), link.createdAt);
        return result.changes === 1 ? 'created' : 'code_taken';
      });
    },
    async findLink(id) {
      const row = readStatement('SELECT * FROM links WHERE id = ?').get(id) as Row | undefined;
      return row ? toLinkRecord(row) : undefined;
    },
    async findLinkByCode(code) {
      const row = readStatement('SELECT * FROM links WHERE code = ?').get(code) as Row | undefined;
      return row ? toLinkRecord(row) : undefined;
    },
    async listLinks(query) {
      const after = cursorKey('links', query.cursor);
      const rows = read()
        .prepare(`SELECT * FROM links ${after ? 'WHERE (created_at, id) < (?, ?)' : ''} ORDER BY created_at DESC, id DESC LIMIT ?`)
        .all(...(after ? [String(after[0]), String(after[1])] : []), query.limit + 1) as Row[];
      return pageOf('links', rows, query.limit, toLinkRecord, (row) => [row.created_at as string, row.id as string]);
    },
    async addRecipients(recipients) {
      await queue.run(() => {
        const insert = db.prepare(
          'INSERT INTO link_recipients (id, link_id, ref, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
        );
        db.transaction(() => {
          for (const r of recipients) insert.run(r.id, r.linkId, r.ref, r.createdAt);
        })();
      });
    },
    async findRecipient(id) {
      const row = readStatement('SELECT * FROM link_recipients WHERE id = ?').get(id) as Row | undefined;
      return row
        ? { id: row.id as string, linkId: row.link_id as string, ref: row.ref as string, createdAt: row.created_at as string }
        : undefined;
    },
    async countHits(linkId) {
      return toHitCounts(readStatement(HIT_COUNTS_SQL(() => '?')).get(linkId, linkId) as Row | undefined);
    },
    async countConversions(linkId, query) {
      return countSqliteConversions(read(), linkId, query);
    },
    async listProfileClicks(profileIds, limit) {
      if (profileIds.length === 0) return [];
      // No index on profile_id (adding one is a migration): a scan of the small click rows, read only by an export.
      const rows = read()
        .prepare(`SELECT * FROM link_clicks WHERE profile_id IN (${profileIds.map(() => '?').join(', ')}) ${PROFILE_CLICKS_ORDER} LIMIT ?`)
        .all(...profileIds, limit) as Row[];
      return rows.map(toLinkClickRecord);
    },
    async signingSecret(candidate) {
      return queue.run(() => {
        db.prepare('INSERT INTO link_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING').run(candidate);
        return db.prepare('SELECT secret FROM link_secret WHERE id = 1').pluck().get() as string;
      });
    },
  };
}

/**
 * The click operations of a write transaction on the writer's connection, and the transaction part (see
 * sqlite-store.ts) that writes the transaction's additions to its links' counters before commit.
 */
export function sqliteLinkClickTx(
  db: Database.Database,
): LinkClickTx & { begin(othersWrote: boolean): void; beforeCommit(): void; committed(): void; rolledBack(): void } {
  let insert: Database.Statement | undefined;
  let first: Database.Statement | undefined;
  let count: Database.Statement | undefined;
  let find: Database.Statement | undefined;
  let browsers: Database.Statement | undefined;
  let addBrowser: Database.Statement | undefined;
  let clickedUpsert: Database.Statement | undefined;
  const tally = createHitTally();
  const clicked = createFirstClicks({ remember: true });
  // The firsts this transaction wrote or found: a visitor's next clicks in it need no statement. Only within one
  // transaction: a privacy delete (another transaction, perhaps another connection) may remove firsts.
  const seen = new Set<string>();
  return {
    begin(othersWrote: boolean) {
      seen.clear();
      clicked.drop();
      if (othersWrote) clicked.forget();
    },
    committed: () => clicked.committed(),
    beforeCommit() {
      count ??= db.prepare(
        `INSERT INTO link_hit_counts (link_id, ${HIT_COUNTERS.join(', ')}) VALUES (?, ${HIT_COUNTERS.map(() => '?').join(', ')})
         ON CONFLICT (link_id) DO UPDATE SET ${HIT_COUNTERS.map((k) => `${k} = ${k} + excluded.${k}`).join(', ')}`,
      );
      for (const [linkId, deltas] of tally.take()) count.run(linkId, ...deltas);
    },
    rolledBack() {
      tally.take();
      seen.clear();
      clicked.drop();
    },
    async recordLinkClick(c) {
      insert ??= db.prepare(
        `INSERT INTO link_clicks (${LINK_CLICK_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (click_id) DO NOTHING`,
      );
      if (insert.run(...linkClickValues(c)).changes === 0) return;
      // The counters move with the row, in its transaction (a redelivered click counts once).
      tally.add(c);
      // The link's clicked profiles (conversions): only a click earlier than the first one known moves a row.
      if (clicked.add(c)) {
        clickedUpsert ??= db.prepare(CLICKED_PROFILE_UPSERT('VALUES (?, ?, ?)'));
        clickedUpsert.run(c.linkId, c.profileId, c.at);
      }
      for (const f of hitFirsts(c)) {
        const key = `${c.linkId}\u0000${f.kind}\u0000${f.value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        first ??= db.prepare('INSERT INTO link_hit_firsts (link_id, kind, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
        if (first.run(c.linkId, f.kind, f.value).changes > 0) tally.addFirst(c.linkId, f.counter);
      }
    },
    async findLinkClick(clickId) {
      find ??= db.prepare(`SELECT at, bot, anchor_type, anchor_value FROM link_clicks WHERE click_id = ? AND kind = 'get'`);
      const row = find.get(clickId) as Row | undefined;
      if (!row) return null;
      browsers ??= db.prepare('SELECT anonymous_id FROM link_click_browsers WHERE click_id = ? ORDER BY anonymous_id').pluck();
      const anchor = row.anchor_type == null ? {} : { anchor: { type: row.anchor_type as string, value: row.anchor_value as string } };
      return { clickId, at: row.at as string, bot: row.bot === 1, ...anchor, browsers: browsers.all(clickId) as string[] };
    },
    async addLinkBrowser(clickId, anonymousId) {
      addBrowser ??= db.prepare('INSERT INTO link_click_browsers (click_id, anonymous_id) VALUES (?, ?) ON CONFLICT DO NOTHING');
      addBrowser.run(clickId, anonymousId);
    },
  };
}

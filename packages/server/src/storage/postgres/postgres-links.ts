/**
 * The tracked-links port of the PostgreSQL store (links-store.ts), over the store's pool. Click rows are
 * written by `postgresLinkClickTx` on the ingest transaction's own connection, so they commit with their events.
 */
import type pg from 'pg';
import type { QueryConfig, QueryResultRow } from 'pg';
import type { LinkClickTx, LinksStore } from '../links-store.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import { createFirstClicks } from '../links-conversions.ts';
import { countPostgresConversions, POSTGRES_CLICKED_PROFILES_UPSERT } from './postgres-link-conversions.ts';
import {
  HIT_COUNTER_MIGRATION,
  HIT_COUNTERS,
  createHitTally,
  HIT_COUNTS_SQL,
  hitFirsts,
  LINK_CLICK_COLUMNS,
  linkClickValues,
  PROFILE_CLICKS_ORDER,
  RECIPIENTS_CLICKED,
  toHitCounts,
  toLinkClickRecord,
  toLinkRecord,
  UNIQUE_CLICKS,
} from '../links-rows.ts';

type Row = Record<string, unknown>;
type Query = <R extends QueryResultRow>(config: QueryConfig) => Promise<{ rows: R[] }>;

/** Schema of tracked links (migration 14; the SQLite store's migration 18). */
export const POSTGRES_LINKS_MIGRATION = {
  version: 14,
  name: 'tracked links',
  sql: `
    CREATE TABLE links (
      id text COLLATE "C" PRIMARY KEY,
      code text COLLATE "C" NOT NULL UNIQUE,
      url text NOT NULL,
      campaign_id text,
      expires_at text,
      tags text NOT NULL,
      created_at text COLLATE "C" NOT NULL
    );
    CREATE TABLE link_recipients (
      id text COLLATE "C" PRIMARY KEY,
      link_id text COLLATE "C" NOT NULL,
      ref text NOT NULL,
      created_at text NOT NULL
    );
    CREATE INDEX link_recipients_link ON link_recipients (link_id);
    CREATE TABLE link_clicks (
      click_id text COLLATE "C" PRIMARY KEY,
      link_id text COLLATE "C" NOT NULL,
      kind text NOT NULL,
      at text COLLATE "C" NOT NULL,
      bot smallint NOT NULL,
      reason text,
      token text NOT NULL,
      recipient_id text COLLATE "C",
      profile_id text COLLATE "C",
      anchor_type text,
      anchor_value text,
      visitor text
    );
    CREATE INDEX link_clicks_link ON link_clicks (link_id, kind, bot);
    CREATE TABLE link_click_browsers (
      click_id text COLLATE "C" NOT NULL,
      anonymous_id text COLLATE "C" NOT NULL,
      PRIMARY KEY (click_id, anonymous_id)
    );
    CREATE TABLE link_secret (id integer PRIMARY KEY CHECK (id = 1), secret text NOT NULL);
  `,
};

/** Creates the links port over the store's pool. */
export function createPostgresLinksStore(pool: pg.Pool): LinksStore {
  return {
    async createLink(link) {
      const { rowCount } = await pool.query(
        'INSERT INTO links (id, code, url, campaign_id, expires_at, tags, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING',
        [link.id, link.code, link.url, link.campaignId ?? null, link.expiresAt ?? null, JSON.stringify(link.tags), link.createdAt],
      );
      return rowCount === 1 ? 'created' : 'code_taken';
    },
    async findLink(id) {
      const { rows } = await pool.query<Row>('SELECT * FROM links WHERE id = $1', [id]);
      return rows[0] ? toLinkRecord(rows[0]) : undefined;
    },
    async findLinkByCode(code) {
      const { rows } = await pool.query<Row>({ name: 'kin_link_by_code_v1', text: 'SELECT * FROM links WHERE code = $1', values: [code] });
      return rows[0] ? toLinkRecord(rows[0]) : undefined;
    },
    async listLinks(query) {
      const after = cursorKey('links', query.cursor);
      const { rows } = after
        ? await pool.query<Row>('SELECT * FROM links WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT $3', [
            String(after[0]),
            String(after[1]),
            query.limit + 1,
          ])
        : await pool.query<Row>('SELECT * FROM links ORDER BY created_at DESC, id DESC LIMIT $1', [query.limit + 1]);
      return pageOf('links', rows, query.limit, toLinkRecord, (row) => [row.created_at as string, row.id as string]);
    },
    async addRecipients(recipients) {
      if (recipients.length === 0) return;
      await pool.query(
        `INSERT INTO link_recipients (id, link_id, ref, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT (id) DO NOTHING`,
        [recipients.map((r) => r.id), recipients.map((r) => r.linkId), recipients.map((r) => r.ref), recipients.map((r) => r.createdAt)],
      );
    },
    async findRecipient(id) {
      const { rows } = await pool.query<Row>({
        name: 'kin_link_recipient_v1',
        text: 'SELECT * FROM link_recipients WHERE id = $1',
        values: [id],
      });
      const row = rows[0];
      return row
        ? { id: row.id as string, linkId: row.link_id as string, ref: row.ref as string, createdAt: row.created_at as string }
        : undefined;
    },
    async countHits(linkId) {
      const { rows } = await pool.query<Row>(
        HIT_COUNTS_SQL((n) => `$${n}`),
        [linkId, linkId],
      );
      return toHitCounts(rows[0]);
    },
    countConversions: (linkId, query) => countPostgresConversions(pool, linkId, query),
    async listProfileClicks(profileIds, limit) {
      if (profileIds.length === 0) return [];
      const { rows } = await pool.query<Row>(
        `SELECT * FROM link_clicks WHERE profile_id = ANY($1::text[]) ${PROFILE_CLICKS_ORDER} LIMIT $2`,
        [profileIds, limit],
      );
      return rows.map(toLinkClickRecord);
    },
    async signingSecret(candidate) {
      await pool.query('INSERT INTO link_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [candidate]);
      const { rows } = await pool.query<{ secret: string }>('SELECT secret FROM link_secret WHERE id = 1');
      return rows[0]!.secret;
    },
  };
}

/** Counters of each link's hits, kept in the click's write transaction (the SQLite store's migration 26). */
export const POSTGRES_LINK_COUNTERS_MIGRATION = {
  version: 22,
  name: 'tracked links: hit counters kept at write time',
  sql: HIT_COUNTER_MIGRATION('text COLLATE "C"', ''),
};

const COUNT_UPSERT = `INSERT INTO link_hit_counts (link_id, ${HIT_COUNTERS.join(', ')})
  SELECT * FROM unnest($1::text[], ${HIT_COUNTERS.map((_, i) => `$${i + 2}::bigint[]`).join(', ')}) ORDER BY 1
  ON CONFLICT (link_id) DO UPDATE SET ${HIT_COUNTERS.map((k) => `${k} = link_hit_counts.${k} + excluded.${k}`).join(', ')}`;

/**
 * The click operations of a write transaction on its own connection, and `beforeCommit`, which adds the
 * transaction's clicks to their links' counters. Why at the end, in key order: a link's counter row is locked
 * until commit, and two workers locking the rows of links A and B in different orders would deadlock.
 */
export function postgresLinkClickTx(query: Query): LinkClickTx & { beforeCommit(): Promise<void> } {
  const tally = createHitTally();
  // Per transaction only: this object lives for one transaction (postgres-writes.ts).
  const clicked = createFirstClicks({ remember: false });
  const firsts = new Map<string, { linkId: string; kind: string; value: string; counter: number }>();
  return {
    async recordLinkClick(c) {
      const { rows } = await query({
        name: 'kin_link_click_insert_v2',
        text: `INSERT INTO link_clicks (${LINK_CLICK_COLUMNS})
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (click_id) DO NOTHING RETURNING click_id`,
        values: linkClickValues(c),
      });
      if (rows.length === 0) return;
      tally.add(c);
      clicked.add(c);
      for (const f of hitFirsts(c)) firsts.set(`${c.linkId}\u0000${f.kind}\u0000${f.value}`, { linkId: c.linkId, ...f });
    },
    async beforeCommit() {
      // The links' clicked profiles (conversions), in key order for the same reason as the counters.
      const rows = clicked.take();
      if (rows.length > 0)
        await query({
          name: 'kin_link_clicked_profiles_v1',
          text: POSTGRES_CLICKED_PROFILES_UPSERT,
          values: [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
        });
      if (firsts.size > 0) {
        const all = [...firsts.values()];
        firsts.clear();
        const { rows } = await query<{ link_id: string; kind: string }>({
          name: 'kin_link_firsts_v1',
          text: `INSERT INTO link_hit_firsts (link_id, kind, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ORDER BY 1, 2, 3
                 ON CONFLICT DO NOTHING RETURNING link_id, kind`,
          values: [all.map((f) => f.linkId), all.map((f) => f.kind), all.map((f) => f.value)],
        });
        for (const row of rows) tally.addFirst(row.link_id, row.kind === 'visitor' ? UNIQUE_CLICKS : RECIPIENTS_CLICKED);
      }
      const counts = tally.take();
      if (counts.length === 0) return;
      await query({
        name: 'kin_link_counts_v1',
        text: COUNT_UPSERT,
        values: [counts.map(([linkId]) => linkId), ...HIT_COUNTERS.map((_, i) => counts.map(([, d]) => d[i]!))],
      });
    },
    async findLinkClick(clickId) {
      const { rows } = await query<Row>({
        name: 'kin_link_click_find_v1',
        text: `SELECT at, bot, anchor_type, anchor_value, coalesce((SELECT array_agg(anonymous_id ORDER BY anonymous_id) FROM link_click_browsers b WHERE b.click_id = c.click_id), '{}') AS browsers
               FROM link_clicks c WHERE click_id = $1 AND kind = 'get'`,
        values: [clickId],
      });
      const row = rows[0];
      if (!row) return null;
      const anchor = row.anchor_type == null ? {} : { anchor: { type: row.anchor_type as string, value: row.anchor_value as string } };
      return { clickId, at: row.at as string, bot: Number(row.bot) === 1, ...anchor, browsers: row.browsers as string[] };
    },
    async addLinkBrowser(clickId, anonymousId) {
      await query({
        name: 'kin_link_browser_v1',
        text: 'INSERT INTO link_click_browsers (click_id, anonymous_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        values: [clickId, anonymousId],
      });
    },
  };
}

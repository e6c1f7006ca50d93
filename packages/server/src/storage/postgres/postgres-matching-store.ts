/**
 * The matching port of the PostgreSQL store (review queue, match evidence, trait scans), over the
 * store's pool. `insertMatchLink` runs on the transaction's own connection, so the evidence commits with
 * the ledger entry it explains.
 */
import type pg from 'pg';
import type { QueryConfig, QueryResultRow } from 'pg';
import type { MatchCandidate, MatchingStore, MatchLink, ReviewStatus } from '../matching-store.ts';
import { MATCH_OUTCOMES, matchTotalsOf } from '../matching-store.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import { toMatchLink, toReviewItem } from '../store-rows.ts';
import { rekeyPostgres } from './postgres-match-index.ts';
import { createPostgresSessionLease } from './postgres-session-lease.ts';
import { postgresMatchingOn, switchPostgresMatching } from './postgres-match-switch.ts';
import { clientTransaction } from './postgres-client-transaction.ts';

type Row = Record<string, unknown>;

/** The review queue and match evidence tables (schema migration `match-review`). */
export const MATCHING_MIGRATION_SQL = `
  CREATE TABLE review_items (
    seq bigserial PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    run_id text NOT NULL,
    a_profile text COLLATE "C" NOT NULL,
    b_profile text COLLATE "C" NOT NULL,
    probability double precision NOT NULL,
    reason text NOT NULL,
    evidence jsonb NOT NULL,
    status text NOT NULL,
    created_at text NOT NULL,
    decided_at text
  );
  CREATE INDEX review_items_status ON review_items (status, seq);
  CREATE TABLE match_links (
    message_id text COLLATE "C" PRIMARY KEY,
    run_id text NOT NULL,
    rule text NOT NULL,
    survivor_id text COLLATE "C" NOT NULL,
    absorbed_id text COLLATE "C" NOT NULL,
    probability double precision NOT NULL,
    evidence jsonb NOT NULL,
    created_at text NOT NULL
  );
  CREATE INDEX match_links_survivor ON match_links (survivor_id);
  CREATE INDEX match_links_absorbed ON match_links (absorbed_id);
`;

/** Creates the matching port over the pool; the matcher lease opens its own connection to `url`. */
export function createPostgresMatchingStore(pool: pg.Pool, now: () => number, url: string): MatchingStore {
  /** Per key its newest profiles (a lateral index range each), in key order, the first `limit` distinct, with their record hashes and normalised records. */
  const candidatesOf = async (keys: string[], limit: number): Promise<MatchCandidate[]> => {
    if (keys.length === 0) return [];
    const { rows } = await pool.query<{ profile_id: string; record_hash: string | null; normalised: string | null }>(
      `SELECT p.profile_id, mp.record_hash, mp.normalised FROM unnest($1::text[]) WITH ORDINALITY AS k(key, n)
         CROSS JOIN LATERAL (SELECT profile_id FROM match_keys m WHERE m.key = k.key ORDER BY profile_id DESC LIMIT $2) AS p
         LEFT JOIN match_profiles mp ON mp.profile_id = p.profile_id
       ORDER BY k.n, p.profile_id DESC`,
      [keys, limit],
    );
    const out = new Map<string, MatchCandidate>();
    for (const r of rows)
      if (!out.has(r.profile_id)) out.set(r.profile_id, { profileId: r.profile_id, recordHash: r.record_hash, normalised: r.normalised });
    return [...out.values()].slice(0, limit);
  };
  return {
    // Why a session lease over the whole turn and not `FOR UPDATE SKIP LOCKED` on the pending rows: two
    // followers taking different pending rows could still match two arrivals that are each other's
    // candidates at once and merge one pair twice; one holder per database keeps one matcher, as in one process.
    matcherLease: () => createPostgresSessionLease({ url, key: 'kin:match-follower', label: `kin-matcher:${process.pid}` }),
    incrementalMatching: () => postgresMatchingOn(pool),
    switchIncrementalMatching: (on) => switchPostgresMatching(pool, on),
    async scanProfileTraits(query) {
      if (query.keys.length === 0) return [];
      // Merged profiles keep no traits (a merge moves them), so every profile found here is live.
      const ids = (
        await pool.query<{ profile_id: string }>(
          `SELECT DISTINCT profile_id FROM traits WHERE profile_id > $1 AND key = ANY($2::text[]) AND value IS NOT NULL
           ORDER BY profile_id LIMIT $3`,
          [query.after ?? '', query.keys, query.limit],
        )
      ).rows.map((r) => r.profile_id);
      if (ids.length === 0) return [];
      const { rows } = await pool.query(
        'SELECT profile_id, key, value, source_id FROM traits WHERE profile_id = ANY($1::text[]) AND key = ANY($2::text[]) AND value IS NOT NULL ORDER BY profile_id, key',
        [ids, query.keys],
      );
      const byId = new Map(ids.map((id) => [id, { id, traits: [] as Array<{ key: string; value: unknown; sourceId: string }> }]));
      for (const row of rows as Row[])
        byId.get(row.profile_id as string)?.traits.push({ key: row.key as string, value: row.value, sourceId: row.source_id as string });
      return [...byId.values()];
    },

    async liveProfileIds(ids) {
      if (ids.length === 0) return {};
      const { rows } = await pool.query<{ id: string; live: string }>(
        'SELECT id, coalesce(merged_into, id) AS live FROM profiles WHERE id = ANY($1::text[])',
        [[...new Set(ids)]],
      );
      return Object.fromEntries(rows.map((r) => [r.id, r.live]));
    },

    async addReviewItems(items) {
      if (items.length === 0) return;
      await pool.query(
        `INSERT INTO review_items (id, run_id, a_profile, b_profile, probability, reason, evidence, status, created_at, decided_at)
         SELECT * FROM json_to_recordset($1::json) AS x(id text, run_id text, a_profile text, b_profile text, probability double precision,
           reason text, evidence jsonb, status text, created_at text, decided_at text)`,
        [
          JSON.stringify(
            items.map((x) => ({
              id: x.id,
              run_id: x.runId,
              a_profile: x.aProfile,
              b_profile: x.bProfile,
              probability: x.probability,
              reason: x.reason,
              evidence: x.evidence,
              status: x.status,
              created_at: x.createdAt,
              decided_at: x.decidedAt ?? null,
            })),
          ),
        ],
      );
    },

    async listReviewItems(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.status) {
        params.push(query.status);
        where.push(`status = $${params.length}`);
      }
      const after = cursorKey('review', query.cursor);
      if (after && typeof after[0] === 'number') {
        params.push(after[0]);
        where.push(`seq > $${params.length}`);
      }
      params.push(query.limit + 1);
      const { rows } = await pool.query(
        `SELECT * FROM review_items ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq LIMIT $${params.length}`,
        params,
      );
      return pageOf('review', rows as Row[], query.limit, toReviewItem, (last) => [Number(last.seq)]);
    },

    async listReviewPairs() {
      const { rows } = await pool.query('SELECT a_profile, b_profile, status FROM review_items ORDER BY seq');
      return (rows as Row[]).map((row) => ({
        aProfile: row.a_profile as string,
        bProfile: row.b_profile as string,
        status: row.status as ReviewStatus,
      }));
    },

    async findReviewItem(id) {
      const { rows } = await pool.query('SELECT * FROM review_items WHERE id = $1', [id]);
      const row = rows[0] as Row | undefined;
      return row ? toReviewItem(row) : undefined;
    },

    async decideReviewItem(id, status, at) {
      const { rows } = await pool.query(
        "UPDATE review_items SET status = $2, decided_at = $3 WHERE id = $1 AND status = 'open' RETURNING *",
        [id, status, at],
      );
      const row = rows[0] as Row | undefined;
      return row ? toReviewItem(row) : undefined;
    },

    async reviewPairsOf(profileIds) {
      if (profileIds.length === 0) return [];
      const { rows } = await pool.query(
        'SELECT a_profile, b_profile, status FROM review_items WHERE a_profile = ANY($1::text[]) UNION SELECT a_profile, b_profile, status FROM review_items WHERE b_profile = ANY($1::text[])',
        [profileIds],
      );
      return (rows as Row[]).map((row) => ({
        aProfile: row.a_profile as string,
        bProfile: row.b_profile as string,
        status: row.status as ReviewStatus,
      }));
    },

    async matchKeysOfProfile(profileId) {
      const { rows } = await pool.query<{ keys: string[] | null }>('SELECT keys FROM match_profiles WHERE profile_id = $1', [profileId]);
      return rows[0]?.keys ?? undefined;
    },

    async profilesByMatchKeys(keys, limit) {
      return (await candidatesOf(keys, limit)).map((c) => c.profileId);
    },

    candidatesByMatchKeys: candidatesOf,

    async profileTraits(ids, keys) {
      if (ids.length === 0 || keys.length === 0) return [];
      const { rows } = await pool.query(
        'SELECT profile_id, key, value, source_id FROM traits WHERE profile_id = ANY($1::text[]) AND key = ANY($2::text[]) AND value IS NOT NULL ORDER BY profile_id, key',
        [ids, keys],
      );
      const byId = new Map(ids.map((id) => [id, { id, traits: [] as Array<{ key: string; value: unknown; sourceId: string }> }]));
      for (const row of rows as Row[])
        byId.get(row.profile_id as string)?.traits.push({ key: row.key as string, value: row.value, sourceId: row.source_id as string });
      return [...byId.values()].filter((p) => p.traits.length > 0);
    },

    async pendingMatches(limit) {
      const { rows } = await pool.query<{ profile_id: string; seq: string }>(
        'SELECT profile_id, seq FROM match_profiles WHERE pending ORDER BY seq LIMIT $1',
        [limit],
      );
      return rows.map((r) => ({ profileId: r.profile_id, seq: Number(r.seq) }));
    },

    async settleMatches(done, totals) {
      if (done.length === 0) return;
      const outcomes = MATCH_OUTCOMES.filter((o) => (totals?.[o] ?? 0) > 0);
      // One statement (a data-modifying CTE), so the settle and the totals commit together.
      await pool.query(
        `WITH settled AS (
           UPDATE match_profiles m SET pending = false FROM unnest($1::text[], $2::bigint[]) AS x(p, s) WHERE m.profile_id = x.p AND m.seq = x.s
         )
         INSERT INTO match_totals (outcome, count) SELECT * FROM unnest($3::text[], $4::bigint[])
         ON CONFLICT (outcome) DO UPDATE SET count = match_totals.count + excluded.count`,
        [done.map((d) => d.profileId), done.map((d) => String(d.seq)), outcomes, outcomes.map((o) => String(totals?.[o] ?? 0))],
      );
    },

    async matchTotals() {
      const [totals, pending] = await Promise.all([
        pool.query('SELECT outcome, count FROM match_totals'),
        pool.query<{ n: string }>('SELECT count(*) AS n FROM match_profiles WHERE pending'),
      ]);
      return { ...matchTotalsOf(totals.rows as Row[]), pending: Number(pending.rows[0]?.n ?? 0) };
    },

    async backfillMatchIndex(limit) {
      return clientTransaction(pool, async (client) => {
        // SKIP LOCKED: two servers backfilling at once take different rows.
        const { rows } = await client.query<{ profile_id: string }>(
          'SELECT profile_id FROM match_profiles WHERE keys IS NULL LIMIT $1 FOR UPDATE SKIP LOCKED',
          [limit],
        );
        // Then the rows indexed before normalised records (migration 43; before record hashes, migration 35, too):
        // re-keying one hashes and normalises it.
        if (rows.length < limit)
          rows.push(
            ...(
              await client.query<{ profile_id: string }>(
                'SELECT profile_id FROM match_profiles WHERE normalised IS NULL AND keys IS NOT NULL LIMIT $1 FOR UPDATE SKIP LOCKED',
                [limit - rows.length],
              )
            ).rows,
          );
        await rekeyPostgres((config) => client.query(config), new Map(rows.map((r) => [r.profile_id, false])), now());
        return rows.length;
      });
    },

    async listMatchLinks(profileIds) {
      if (profileIds.length === 0) return [];
      const { rows } = await pool.query(
        'SELECT * FROM match_links WHERE survivor_id = ANY($1::text[]) OR absorbed_id = ANY($1::text[]) ORDER BY created_at, message_id',
        [profileIds],
      );
      return (rows as Row[]).map(toMatchLink);
    },
  };
}

/** Inserts a match link on the transaction's connection. */
export async function insertMatchLink(
  query: <R extends QueryResultRow>(config: QueryConfig) => Promise<{ rows: R[] }>,
  link: MatchLink,
): Promise<void> {
  await query({
    text: `INSERT INTO match_links (message_id, run_id, rule, survivor_id, absorbed_id, probability, evidence, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (message_id) DO NOTHING`,
    values: [
      link.messageId,
      link.runId,
      link.rule,
      link.survivorId,
      link.absorbedId,
      link.probability,
      JSON.stringify(link.evidence),
      link.createdAt,
    ],
  });
}

/**
 * The privacy port of the PostgreSQL store (see privacy-store.ts), over the store's pool. The delete is
 * one transaction: the identity step every admin rewrite takes (`detachProfile` of postgres-identity-ops.ts,
 * which locks the profile as ingestion does), then the rows only a privacy delete removes.
 *
 * What stays on disk: PostgreSQL keeps deleted tuples in the table files until VACUUM reuses their space
 * (autovacuum does, later); a `pg_dump` has none of them. docs/privacy.md says how to force it.
 */
import type pg from 'pg';
import type { PoolClient } from 'pg';
import type { Identifier } from '@kin/core';
import type { IdGenerator } from '../../ports/ids.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import type { DeletedPerson, PrivacyKey, PrivacyKeyKind, PrivacyStore } from '../privacy-store.ts';
import { FINAL_STATUSES, toPrivacyRequest } from '../privacy-store.ts';
import { toWarning } from '../store-rows.ts';
import { postgresIdentityTx } from './postgres-identity-ops.ts';
import { HIT_RECOUNT_SQL } from '../links-rows.ts';
import { PERSON_CLICKED_LINKS, PERSON_REF_DELETES, PERSON_ROW_DELETES, personRefs } from '../person-rows.ts';

type Row = Record<string, unknown>;

/** Migration 11: requests, keys and the dropped-event counter (a `store_counts` row like the others). */
export const POSTGRES_PRIVACY_MIGRATION = {
  version: 11,
  name: 'privacy requests and keys',
  sql: `
    CREATE TABLE privacy_requests (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id text COLLATE "C" NOT NULL UNIQUE,
      type text NOT NULL,
      status text NOT NULL,
      profile_id text COLLATE "C",
      identifiers json NOT NULL,
      reason text,
      requested_by text,
      error text,
      outcome json,
      created_at text NOT NULL,
      updated_at text NOT NULL,
      completed_at text
    );
    CREATE TABLE privacy_keys (
      key text COLLATE "C" NOT NULL,
      kind text COLLATE "C" NOT NULL,
      request_id text COLLATE "C" NOT NULL,
      created_at text NOT NULL,
      PRIMARY KEY (key, kind)
    );
    CREATE INDEX privacy_keys_request ON privacy_keys (request_id);
    INSERT INTO store_counts (name, slot, n) VALUES ('suppressed_events', 0, 0);
  `,
};

const INSERT_KEYS = `INSERT INTO privacy_keys (key, kind, request_id, created_at)
  SELECT k.key, k.kind, k."requestId", $2 FROM json_to_recordset($1::json) AS k(key text, kind text, "requestId" text)
  ON CONFLICT DO NOTHING`;

/** Creates the privacy port over the store's pool. */
export function createPostgresPrivacy(pool: pg.Pool, idGenerator: IdGenerator, digest: (identifier: Identifier) => string): PrivacyStore {
  async function inTransaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw error;
    }
  }

  async function deleteIn(client: PoolClient, profileId: string): Promise<DeletedPerson | undefined> {
    const query = async (text: string, values: unknown[]) => {
      const r = await client.query<Row>(text, values);
      return { rows: r.rows, rowCount: r.rowCount };
    };
    const live = (await query('SELECT coalesce(merged_into, id) AS live FROM profiles WHERE id = $1', [profileId])).rows[0]?.live as
      string | undefined;
    if (live === undefined) return undefined;
    const idents = (await query('SELECT type, value FROM identifiers WHERE profile_id = $1', [live])).rows as Array<{
      type: string;
      value: string;
    }>;
    const detached = await postgresIdentityTx({ query, clear: () => undefined, ids: idGenerator, digest }).detachProfile(live);
    if (!detached) return undefined;
    const ids = detached.profiles.map((p) => p.id);
    const seqs = detached.events.map((e) => e.seq);
    const events = (await query('DELETE FROM events WHERE seq = ANY ($1::bigint[])', [seqs])).rowCount ?? 0;
    const types = idents.map((i) => i.type);
    const values = idents.map((i) => i.value);
    await query(
      `WITH m AS (DELETE FROM merges WHERE survivor_id = ANY ($1::text[]) OR absorbed_id = ANY ($1::text[])),
            w AS (DELETE FROM warnings WHERE profile_id = ANY ($1::text[])),
            t AS (DELETE FROM tombstones WHERE profile_id = ANY ($1::text[])),
            r AS (DELETE FROM review_items WHERE a_profile = ANY ($1::text[]) OR b_profile = ANY ($1::text[])),
            l AS (DELETE FROM match_links WHERE survivor_id = ANY ($1::text[]) OR absorbed_id = ANY ($1::text[])),
            rules AS (SELECT DISTINCT rule_id FROM do_not_link_members m JOIN unnest($2::text[], $3::text[]) AS p(type, value) ON p.type = m.type AND p.value = m.value),
            dm AS (DELETE FROM do_not_link_members WHERE rule_id IN (SELECT rule_id FROM rules)),
            d AS (DELETE FROM do_not_link WHERE id IN (SELECT rule_id FROM rules)),
            rf AS (DELETE FROM refusals WHERE (type, value) IN (SELECT * FROM unnest($2::text[], $3::text[])))
       DELETE FROM device_users WHERE user_id = ANY ($4::text[]) OR (type, value) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [ids, types, values, idents.filter((i) => i.type === 'user_id').map((i) => i.value)],
    );
    const clicked = (await query(PERSON_CLICKED_LINKS.replace('IDS', 'SELECT unnest($1::text[])'), [ids])).rows.map(
      (r) => r.link_id as string,
    );
    for (const statement of PERSON_ROW_DELETES) await query(statement.replace('IDS', 'SELECT unnest($1::text[])'), [ids]);
    for (const statement of HIT_RECOUNT_SQL('SELECT unnest($1::text[])')) await query(statement, [clicked]);
    for (const statement of PERSON_REF_DELETES)
      await query(statement.replace('REFS', 'SELECT unnest($1::text[])'), [personRefs(idents, ids)]);
    return { profiles: ids.length, profileIds: ids, events, identifiers: idents.length };
  }

  return {
    async createRequest(r) {
      await pool.query(
        `INSERT INTO privacy_requests (id, type, status, profile_id, identifiers, reason, requested_by, created_at, updated_at)
         VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $7)`,
        [r.id, r.type, r.subject.profileId, JSON.stringify(r.subject.identifiers), r.reason ?? null, r.requestedBy ?? null, r.createdAt],
      );
    },

    async updateRequest(id, p) {
      await pool.query(
        `UPDATE privacy_requests SET status = $2, updated_at = $3, error = $4, outcome = coalesce($5::json, outcome),
           identifiers = coalesce($6::json, identifiers), completed_at = CASE WHEN $7 THEN $3 ELSE completed_at END
         WHERE id = $1`,
        [
          id,
          p.status,
          p.at,
          p.error ?? null,
          p.outcome ? JSON.stringify(p.outcome) : null,
          p.identifiers ? JSON.stringify(p.identifiers) : null,
          FINAL_STATUSES.has(p.status),
        ],
      );
    },

    async findRequest(id) {
      const { rows } = await pool.query<Row>('SELECT * FROM privacy_requests WHERE id = $1', [id]);
      return rows[0] ? toPrivacyRequest(rows[0]) : undefined;
    },

    async listRequests({ limit, cursor }) {
      const after = cursorKey('privacy', cursor);
      const before = typeof after?.[0] === 'number' ? after[0] : Number.MAX_SAFE_INTEGER;
      const { rows } = await pool.query<Row>('SELECT * FROM privacy_requests WHERE seq < $1 ORDER BY seq DESC LIMIT $2', [
        before,
        limit + 1,
      ]);
      return pageOf('privacy', rows, limit, toPrivacyRequest, (row) => [Number(row.seq)]);
    },

    async addKeys(keys, at) {
      if (keys.length === 0) return;
      await pool.query(INSERT_KEYS, [JSON.stringify(keys), at]);
    },

    async removeSuppressions(keys) {
      const { rows } = await pool.query<{ key: string }>(
        `DELETE FROM privacy_keys WHERE kind = 'suppress'
           AND request_id IN (SELECT request_id FROM privacy_keys WHERE kind = 'suppress' AND key = ANY ($1::text[]))
         RETURNING key`,
        [keys],
      );
      return rows.map((r) => r.key);
    },

    async listKeys() {
      const { rows } = await pool.query<Row>('SELECT key, kind, request_id FROM privacy_keys ORDER BY key, kind');
      return rows.map((r) => ({ key: r.key as string, kind: r.kind as PrivacyKeyKind, requestId: r.request_id as string }));
    },

    async deletePerson(profileId, tombstones: PrivacyKey[], at) {
      return inTransaction(async (client) => {
        if (tombstones.length > 0) await client.query(INSERT_KEYS, [JSON.stringify(tombstones), at]);
        return profileId === null ? undefined : deleteIn(client, profileId);
      });
    },

    async listProfileWarnings(profileIds) {
      const { rows } = await pool.query<Row>('SELECT * FROM warnings WHERE profile_id = ANY ($1::text[]) ORDER BY seq', [profileIds]);
      return rows.map(toWarning);
    },

    async profileFamily(profileId) {
      const { rows } = await pool.query<{ id: string }>(
        'SELECT id FROM profiles WHERE id = $1 OR merged_into = $1 ORDER BY created_at, id',
        [profileId],
      );
      return rows.map((r) => r.id);
    },

    async countSuppressed(n) {
      if (n <= 0) return;
      await pool.query(
        `INSERT INTO store_counts (name, slot, n) VALUES ('suppressed_events', pg_backend_pid(), $1)
         ON CONFLICT (name, slot) DO UPDATE SET n = store_counts.n + excluded.n`,
        [n],
      );
    },

    async suppressedEvents() {
      const { rows } = await pool.query<{ n: string | null }>(`SELECT sum(n) AS n FROM store_counts WHERE name = 'suppressed_events'`);
      return Number(rows[0]?.n ?? 0);
    },

    async scrub() {
      // Nothing to do for a dump: deleted tuples are not dumped. See the file comment for the table files.
      return true;
    },
  };
}

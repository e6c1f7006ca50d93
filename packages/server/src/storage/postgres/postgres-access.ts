/**
 * The PostgreSQL store's access ports: scoped tokens and the audit log (storage/token-store.ts,
 * audit-store.ts), over the store's pool, and the migration that creates their tables.
 */
import type pg from 'pg';
import type { AuditStore } from '../audit-store.ts';
import { AUDIT_COLUMNS, auditValues, auditWhere, toAuditEntry } from '../audit-store.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import type { TokenStore } from '../token-store.ts';
import { publicToken, scopesColumn, toStoredToken } from '../token-store.ts';

type Row = Record<string, unknown>;

/**
 * Migration 12 (the SQLite store's 16). Timestamps are ISO text as the API gives them, so both stores answer
 * byte-identical entries and the same hashes. Why a trigger: append-only for every client of the database.
 */
export const POSTGRES_ACCESS_MIGRATION = {
  version: 12,
  name: 'scoped tokens and the audit log',
  sql: `
    CREATE TABLE access_tokens (
      id text COLLATE "C" PRIMARY KEY,
      name text NOT NULL,
      secret_hash text NOT NULL UNIQUE,
      scopes jsonb NOT NULL,
      created_at text NOT NULL,
      expires_at text,
      rotated_at text,
      revoked_at text
    );
    CREATE TABLE audit_log (
      seq bigint PRIMARY KEY,
      at text NOT NULL,
      actor_id text NOT NULL,
      actor_name text NOT NULL,
      action text NOT NULL,
      target text NOT NULL,
      request_id text NOT NULL,
      change_hash text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL
    );
    CREATE INDEX audit_log_action ON audit_log (action, seq);
    CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
    CREATE FUNCTION kin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN RAISE EXCEPTION 'the audit log is append-only'; END
    $fn$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION kin_audit_append_only();
  `,
};

/** Key of the transaction lock appends take turns on (any constant unique to Kin). */
const AUDIT_LOCK_KEY = 0x4b696e41; // 'KinA'

/** Creates the token and audit ports over the pool. */
export function createPostgresAccess(pool: pg.Pool): { tokens: TokenStore; audit: AuditStore } {
  const one = async (sql: string, values: unknown[]) => (await pool.query<Row>(sql, values)).rows[0];
  const tokens: TokenStore = {
    async createToken(t) {
      await pool.query(
        'INSERT INTO access_tokens (id, name, secret_hash, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [t.id, t.name, t.secretHash, scopesColumn(t.scopes), t.createdAt, t.expiresAt ?? null],
      );
    },
    async findTokenBySecretHash(secretHash) {
      const row = await one('SELECT * FROM access_tokens WHERE secret_hash = $1', [secretHash]);
      return row ? toStoredToken(row) : undefined;
    },
    async findToken(id) {
      const row = await one('SELECT * FROM access_tokens WHERE id = $1', [id]);
      return row ? toStoredToken(row) : undefined;
    },
    async listTokens() {
      return (await pool.query<Row>('SELECT * FROM access_tokens ORDER BY created_at, id')).rows.map((r) => publicToken(toStoredToken(r)));
    },
    async revokeToken(id, at) {
      const row = await one('UPDATE access_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING *', [at, id]);
      return row ? publicToken(toStoredToken(row)) : undefined;
    },
    async rotateToken(id, secretHash, at) {
      const row = await one('UPDATE access_tokens SET secret_hash = $1, rotated_at = $2 WHERE id = $3 AND revoked_at IS NULL RETURNING *', [
        secretHash,
        at,
        id,
      ]);
      return row ? publicToken(toStoredToken(row)) : undefined;
    },
  };

  const audit: AuditStore = {
    async appendAudit(draft, seal) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        // Appenders take turns, so no two of them read the same last entry and chain to it.
        await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
        const last = (await client.query<Row>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')).rows[0];
        const entry = seal(draft, last ? Number(last.seq) + 1 : 1, last?.hash as string | undefined);
        await client.query(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, auditValues(entry));
        await client.query('COMMIT');
        return entry;
      } catch (error) {
        broken = await client.query('ROLLBACK').then(
          () => false,
          () => true,
        );
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async listAudit(query) {
      const after = cursorKey('audit', query.cursor)?.[0];
      const { where, params } = auditWhere(query, typeof after === 'number' ? after : undefined, (n) => `$${n}`);
      const sql = `SELECT * FROM audit_log ${where ? 'WHERE ' + where : ''} ORDER BY seq LIMIT $${params.length + 1}`;
      const rows = (await pool.query<Row>(sql, [...params, query.limit + 1])).rows;
      return pageOf('audit', rows, query.limit, toAuditEntry, (last) => [Number(last.seq)]);
    },
    async scanAudit(afterSeq, limit) {
      return (await pool.query<Row>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])).rows.map(
        toAuditEntry,
      );
    },
  };
  return { tokens, audit };
}

/**
 * The SQLite store's access ports: scoped tokens and the audit log (storage/token-store.ts, audit-store.ts),
 * over the store's writer connection and write queue, and the migration that creates their tables.
 */
import type Database from 'better-sqlite3';
import type { AuditStore } from '../audit-store.ts';
import { AUDIT_COLUMNS, auditValues, auditWhere, toAuditEntry } from '../audit-store.ts';
import { cursorKey, pageOf } from '../keyset-page.ts';
import type { TokenStore } from '../token-store.ts';
import { publicToken, scopesColumn, toStoredToken } from '../token-store.ts';
import type { WriteQueue } from './write-queue.ts';

type Row = Record<string, unknown>;

/**
 * Migration 16. Why triggers: the audit log is append-only for every client of the file, not only for Kin's
 * code; someone who drops the triggers can still change a row, and `kin audit verify` then names it.
 */
export const SQLITE_ACCESS_MIGRATION = {
  version: 16,
  name: 'scoped tokens and the audit log',
  sql: `
    CREATE TABLE access_tokens (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      secret_hash TEXT NOT NULL UNIQUE,
      scopes TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT,
      rotated_at TEXT,
      revoked_at TEXT
    );
    CREATE TABLE audit_log (
      seq INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      actor_id TEXT NOT NULL,
      actor_name TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT NOT NULL,
      request_id TEXT NOT NULL,
      change_hash TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX audit_log_action ON audit_log (action, seq);
    CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  `,
};

/** Creates the token and audit ports over the store's connections. */
export function createSqliteAccess(options: { db: Database.Database; read: () => Database.Database; queue: WriteQueue }): {
  tokens: TokenStore;
  audit: AuditStore;
} {
  const { db, read, queue } = options;
  const tokenRow = (sql: string, ...params: unknown[]) =>
    read()
      .prepare(sql)
      .get(...params) as Row | undefined;
  const tokens: TokenStore = {
    async createToken(t) {
      await queue.run(() =>
        db
          .prepare('INSERT INTO access_tokens (id, name, secret_hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(t.id, t.name, t.secretHash, scopesColumn(t.scopes), t.createdAt, t.expiresAt ?? null),
      );
    },
    async findTokenBySecretHash(secretHash) {
      const row = tokenRow('SELECT * FROM access_tokens WHERE secret_hash = ?', secretHash);
      return row ? toStoredToken(row) : undefined;
    },
    async findToken(id) {
      const row = tokenRow('SELECT * FROM access_tokens WHERE id = ?', id);
      return row ? toStoredToken(row) : undefined;
    },
    async listTokens() {
      return (read().prepare('SELECT * FROM access_tokens ORDER BY created_at, id').all() as Row[]).map((r) =>
        publicToken(toStoredToken(r)),
      );
    },
    async revokeToken(id, at) {
      const row = await queue.run(
        () =>
          db.prepare('UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING *').get(at, id) as
            Row | undefined,
      );
      return row ? publicToken(toStoredToken(row)) : undefined;
    },
    async rotateToken(id, secretHash, at) {
      const row = await queue.run(
        () =>
          db
            .prepare('UPDATE access_tokens SET secret_hash = ?, rotated_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING *')
            .get(secretHash, at, id) as Row | undefined,
      );
      return row ? publicToken(toStoredToken(row)) : undefined;
    },
  };

  const audit: AuditStore = {
    async appendAudit(draft, seal) {
      return queue.run(() =>
        // IMMEDIATE: another process on the same file (the CLI) cannot chain to the same last entry meanwhile.
        db
          .transaction(() => {
            const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
            const entry = seal(draft, last ? Number(last.seq) + 1 : 1, last?.hash as string | undefined);
            db.prepare(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...auditValues(entry));
            return entry;
          })
          .immediate(),
      );
    },
    async listAudit(query) {
      const after = cursorKey('audit', query.cursor)?.[0];
      const { where, params } = auditWhere(query, typeof after === 'number' ? after : undefined, () => '?');
      const sql = `SELECT * FROM audit_log ${where ? 'WHERE ' + where : ''} ORDER BY seq LIMIT ?`;
      const rows = read()
        .prepare(sql)
        .all(...params, query.limit + 1) as Row[];
      return pageOf('audit', rows, query.limit, toAuditEntry, (last) => [Number(last.seq)]);
    },
    async scanAudit(afterSeq, limit) {
      return (read().prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[]).map(toAuditEntry);
    },
  };
  return { tokens, audit };
}

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runTombstoneKeysConformance } from '../tombstone-keys-conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';

runTombstoneKeysConformance({
  name: 'sqlite file',
  fresh: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kin-tombstones-'));
    const path = join(dir, 'kin.db');
    const raw = <T>(fn: (db: Database.Database) => T): T => {
      const db = new Database(path);
      try {
        return fn(db);
      } finally {
        db.close();
      }
    };
    return {
      open: (secret) => openSqliteStore({ path, privacySecret: secret }),
      findAtRest: async (text) =>
        ['kin.db', 'kin.db-wal'].filter((f) => existsSync(join(dir, f)) && readFileSync(join(dir, f)).includes(Buffer.from(text))),
      // `*`: an older file has no `keyed` column (plain).
      tombstoneRows: async () =>
        raw((db) =>
          (db.prepare('SELECT * FROM tombstones ORDER BY type, value').all() as Array<{ type: string; value: string; keyed?: number }>).map(
            (r) => ({ type: r.type, value: r.value, keyed: r.keyed === 1 }),
          ),
        ),
      makeOld: async (rows) =>
        raw((db) => {
          db.exec(`DELETE FROM tombstones; ALTER TABLE tombstones DROP COLUMN keyed; DELETE FROM schema_migrations WHERE version = 23;`);
          const insert = db.prepare('INSERT INTO tombstones (type, value, profile_id, created_at) VALUES (?, ?, ?, ?)');
          for (const row of rows) insert.run(row.type, row.value, row.profileId, '2026-11-01T10:00:00.000Z');
        }),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

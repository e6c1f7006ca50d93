import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runAccessConformance } from '../access-conformance.ts';
import type { Store } from '../storage.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dirs = new Map<Store, string>();

runAccessConformance({
  name: 'sqlite',
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kin-access-'));
    const store = await openSqliteStore({ path: join(dir, 'kin.db') });
    dirs.set(store, dir);
    return store;
  },
  destroy: async (store) => {
    await store.close();
    rmSync(dirs.get(store)!, { recursive: true, force: true });
  },
  exec: async (store, sql) => {
    const db = new Database(join(dirs.get(store)!, 'kin.db'));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  },
  unlockAuditSql: 'DROP TRIGGER audit_log_no_update',
});

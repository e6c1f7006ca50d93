import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMatchIndexConformance } from './match-index-conformance.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

runMatchIndexConformance({
  name: 'sqlite',
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kin-match-index-'));
    const path = join(dir, 'kin.db');
    const store = await openSqliteStore({ path });
    return {
      store,
      exec: async (sql) => {
        const db = new Database(path);
        db.exec(sql);
        db.close();
      },
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

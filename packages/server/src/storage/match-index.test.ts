import Database from 'better-sqlite3';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMatchIndexConformance } from './match-index-conformance.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from './postgres/postgres-test-db.ts';
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

if ((await testPostgresStatus()).ok || servicesRequired()) {
  runMatchIndexConformance({
    name: 'postgres',
    create: async () => {
      const db = await createTestDatabase();
      const store = await openPostgresStore({ url: db.url, poolSize: 2 });
      return {
        store,
        exec: async (sql) => {
          const client = new pg.Client({ connectionString: db.url });
          await client.connect();
          await client.query(sql);
          await client.end();
        },
        close: async () => {
          await store.close();
          await db.drop();
        },
      };
    },
  });
}

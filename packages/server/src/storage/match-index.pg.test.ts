import pg from 'pg';
import { runMatchIndexConformance } from './match-index-conformance.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from './postgres/postgres-test-db.ts';

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

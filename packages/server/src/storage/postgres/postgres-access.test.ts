import { describe, it } from 'vitest';
import pg from 'pg';
import { runAccessConformance } from '../access-conformance.ts';
import type { Store } from '../storage.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from './postgres-test-db.ts';

const status = await testPostgresStatus();
const databases = new Map<Store, TestDatabase>();

if (status.ok) {
  runAccessConformance({
    name: 'postgres',
    create: async () => {
      const db = await createTestDatabase();
      const store = await openPostgresStore({ url: db.url, poolSize: 4 });
      databases.set(store, db);
      return store;
    },
    destroy: async (store) => {
      await store.close();
      await databases.get(store)!.drop();
    },
    exec: async (store, sql) => {
      const client = new pg.Client({ connectionString: databases.get(store)!.url });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    unlockAuditSql: 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only',
  });
} else if (servicesRequired()) {
  describe('postgres access', () => {
    it('needs PostgreSQL (KIN_REQUIRE_SERVICES is set)', () => {
      throw new Error(status.reason);
    });
  });
}

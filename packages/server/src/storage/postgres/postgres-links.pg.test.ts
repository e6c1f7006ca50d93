import { describe, it } from 'vitest';
import { runLinksConformance } from '../links-conformance.ts';
import type { Store } from '../storage.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from './postgres-test-db.ts';

const status = await testPostgresStatus();
if (!status.ok && servicesRequired()) {
  describe('postgres links', () => {
    it('needs PostgreSQL (KIN_REQUIRE_SERVICES is set)', () => {
      throw new Error(`${status.reason}. Start PostgreSQL or set KIN_TEST_POSTGRES_URL.`);
    });
  });
}

if (status.ok) {
  const databases = new Map<Store, TestDatabase>();
  runLinksConformance({
    name: 'postgres',
    create: async () => {
      const db = await createTestDatabase();
      const store = await openPostgresStore({ url: db.url, poolSize: 4 });
      databases.set(store, db);
      return store;
    },
    destroy: async (store) => {
      await store.close();
      await databases.get(store)?.drop();
    },
  });
}

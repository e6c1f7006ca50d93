import type { Store } from '../storage.ts';
import { runMessagingConformance } from '../messaging-conformance.ts';
import { openPostgresStore } from './postgres-store.ts';
import { createTestDatabase, testPostgresStatus } from './postgres-test-db.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { describe } from 'vitest';

const status = await testPostgresStatus();
const dbs = new Map<Store, TestDatabase>();

describe.skipIf(!status.ok)('postgres messaging', () => {
  runMessagingConformance({
    name: 'postgres',
    create: async () => {
      const db = await createTestDatabase();
      const store = await openPostgresStore({ url: db.url, poolSize: 6 });
      dbs.set(store, db);
      return store;
    },
    destroy: async (store) => {
      await store.close();
      await dbs.get(store)?.drop();
    },
  });
});

/** Migrated PostgreSQL stores in throwaway databases, for the conformance suites' `create` / `destroy`. */
import type { Store } from '../storage.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase } from './postgres-test-db.ts';

/** `create` opens a store in a new database; `destroy` closes it and drops the database. */
export function postgresTestStores(poolSize: number): { create: () => Promise<Store>; destroy: (store: Store) => Promise<void> } {
  const databases = new Map<Store, TestDatabase>();
  return {
    create: async () => {
      const db = await createTestDatabase();
      const store = await openPostgresStore({ url: db.url, poolSize });
      databases.set(store, db);
      return store;
    },
    destroy: async (store) => {
      await store.close();
      await databases.get(store)?.drop();
    },
  };
}

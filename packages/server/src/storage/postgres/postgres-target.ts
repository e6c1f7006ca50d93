/** A conformance target over a throwaway PostgreSQL database per store (tests only). */
import type { Store } from '../storage.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase } from './postgres-test-db.ts';

const databases = new Map<Store, TestDatabase>();

/** Each `create` opens a store over a new database; `destroy` closes it and drops the database. */
export const postgresTarget = (name: string, poolSize: number) => ({
  name,
  create: async () => {
    const db = await createTestDatabase();
    const store = await openPostgresStore({ url: db.url, poolSize });
    databases.set(store, db);
    return store;
  },
  destroy: async (store: Store) => {
    await store.close();
    await databases.get(store)?.drop();
  },
});

/** The URL of the database of a store made by `postgresTarget`. */
export const urlOf = (store: Store): string => databases.get(store)!.url;

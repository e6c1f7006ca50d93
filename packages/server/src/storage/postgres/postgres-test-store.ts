/**
 * Migrated PostgreSQL stores in throwaway databases, for the conformance suites and the adapter's own tests
 * (tests only). Why one module: every PostgreSQL test file repeated the same availability check and the
 * same create/destroy pair over a map from store to database.
 */
import pg from 'pg';
import { describe, it } from 'vitest';
import type { Store } from '../storage.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from './postgres-test-db.ts';

/** A conformance target over PostgreSQL: `create` opens a store in a new database, `destroy` drops it. */
export interface PostgresTestStores {
  name: string;
  create: () => Promise<Store>;
  destroy: (store: Store) => Promise<void>;
  /** The URL of a store's database (direct SQL: recounts, pg_dump, tampering). */
  urlOf: (store: Store) => string;
  /** Runs `sql` on a store's database over a connection of its own (what the store must survive). */
  exec: (store: Store, sql: string) => Promise<void>;
}

/** Stores over throwaway databases, each with a pool of `poolSize` connections. */
export function postgresTestStores(name: string, poolSize: number): PostgresTestStores {
  const databases = new Map<Store, TestDatabase>();
  const urlOf = (store: Store): string => {
    const db = databases.get(store);
    if (!db) throw new Error('not a store of this postgresTestStores');
    return db.url;
  };
  return {
    name,
    create: async () => {
      const db = await createTestDatabase();
      const store = await openPostgresStore({ url: db.url, poolSize });
      databases.set(store, db);
      return store;
    },
    destroy: async (store) => {
      await store.close();
      await databases.get(store)?.drop();
      databases.delete(store);
    },
    urlOf,
    exec: async (store, sql) => {
      const client = new pg.Client({ connectionString: urlOf(store) });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Whether PostgreSQL answers. When it does not, the file's suites are left out, unless `KIN_REQUIRE_SERVICES`
 * is set (CI): then a test named `title` fails with the reason.
 */
export async function postgresAvailable(title: string): Promise<boolean> {
  const status = await testPostgresStatus();
  if (status.ok) return true;
  if (servicesRequired()) {
    describe(title, () => {
      it('needs PostgreSQL (KIN_REQUIRE_SERVICES is set)', () => {
        throw new Error(`${status.reason}. Start PostgreSQL or set KIN_TEST_POSTGRES_URL.`);
      });
    });
  }
  return false;
}

/**
 * Migrated PostgreSQL stores in throwaway databases, for the conformance suites and the adapter's own tests
 * (tests only). Why one module: every PostgreSQL test file repeated the same availability check and the
 * same create/destroy pair over a map from store to database.
 */
import pg from 'pg';
import { describe, it } from 'vitest';
import type { Store } from '../storage.ts';
import type { StoreTestTarget } from '../store-test-target.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from './postgres-test-db.ts';

/** A conformance target over PostgreSQL: `create` opens a store in a new database, `destroy` drops it. */
export interface PostgresTestStores extends StoreTestTarget {
  /** The URL of a store's database (direct SQL: recounts, pg_dump). */
  urlOf: (store: Store) => string;
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

/** What a service check answers: `{ ok: false, reason }` when the service cannot be reached. */
export type ServiceStatus = { ok: true } | { ok: false; reason: string };

/**
 * Whether every service in `statuses` answers (`needs` names them: "PostgreSQL", "PostgreSQL and NATS"). When
 * one does not, the file's suites are left out (a skipped suite `title` says why), unless `KIN_REQUIRE_SERVICES`
 * is set (CI): then a test named `title` fails with the reason.
 */
export async function servicesAvailable(title: string, needs: string, statuses: ReadonlyArray<Promise<ServiceStatus>>): Promise<boolean> {
  const missing = (await Promise.all(statuses)).find((status) => !status.ok);
  if (!missing || missing.ok) return true;
  const reason = missing.reason;
  if (servicesRequired()) {
    describe(title, () => {
      it(`needs ${needs} (KIN_REQUIRE_SERVICES is set)`, () => {
        throw new Error(`${reason}. Start ${needs} or point the KIN_TEST_* URLs at them.`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${reason})`, () => {
      it(`needs ${needs}`, () => undefined);
    });
  }
  return false;
}

/** Whether PostgreSQL answers; see `servicesAvailable`. */
export function postgresAvailable(title: string): Promise<boolean> {
  return servicesAvailable(title, 'PostgreSQL', [testPostgresStatus()]);
}

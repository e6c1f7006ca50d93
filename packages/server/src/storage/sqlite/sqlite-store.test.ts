import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RECOUNT_SQL, runStorageConformance } from '../storage-conformance.ts';
import type { Store, StoreStats } from '../storage.ts';
import { runIdentityTrustConformance } from '../storage-identity-conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';

const files = new Map<Store, string>();

/** A store in a file of its own, so another connection can recount its rows. */
const fileTarget = (name: string) => ({
  name,
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kin-sqlite-'));
    const store = await openSqliteStore({ path: join(dir, 'kin.db') });
    files.set(store, dir);
    return store;
  },
  destroy: async (store: Store) => {
    await store.close();
    rmSync(files.get(store)!, { recursive: true, force: true });
  },
  recount: async (store: Store): Promise<StoreStats> => {
    const db = new Database(join(files.get(store)!, 'kin.db'), { readonly: true });
    try {
      const row = db.prepare(RECOUNT_SQL).get() as Record<string, number>;
      return { events: row.events!, profiles: row.profiles!, externalIds: row.external_ids!, merges: row.merges!, warnings: row.warnings! };
    } finally {
      db.close();
    }
  },
});

runStorageConformance(fileTarget('sqlite'));
runIdentityTrustConformance(fileTarget('sqlite file'));

runStorageConformance({ name: 'sqlite :memory:', create: () => openSqliteStore({ path: ':memory:' }) });

runIdentityTrustConformance({ name: 'sqlite :memory:', create: () => openSqliteStore({ path: ':memory:' }) });

// The same contract while messageId claims and timeline entries are written out in bulk every few events
// (by default that happens every 50,000-100,000 events, which these suites never reach).
const bulkEveryFewEvents = () => openSqliteStore({ path: ':memory:', messageIds: { flushAt: 2, slices: 2 }, timeline: { flushAt: 2, slices: 2 } });
runStorageConformance({ name: 'sqlite, bulk writes every few events', create: bulkEveryFewEvents });
runIdentityTrustConformance({ name: 'sqlite, bulk writes every few events', create: bulkEveryFewEvents });

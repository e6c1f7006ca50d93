/** A conformance target over a SQLite file of its own (tests only), so another connection can recount its rows. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RECOUNT_SQL } from '../storage-conformance.ts';
import type { Store, StoreStats } from '../storage.ts';
import { openSqliteStore } from './sqlite-store.ts';

const files = new Map<Store, string>();

/** A store in a file of its own; `dirOf` gives its folder. */
export const fileTarget = (name: string) => ({
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

/** The folder of a store made by `fileTarget`. */
export const dirOf = (store: Store): string => files.get(store)!;

/** Migrated SQLite stores in files of their own, for the conformance suites' `create` / `destroy` (the twin of postgres-test-store.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../storage.ts';
import { openSqliteStore } from './sqlite-store.ts';

/** `create` opens a store in a new temporary folder (`kin-<prefix>-…/kin.db`); `destroy` closes it and removes the folder. */
export function sqliteFileTestStores(prefix: string): { create: () => Promise<Store>; destroy: (store: Store) => Promise<void> } {
  const dirs = new Map<Store, string>();
  return {
    create: async () => {
      const dir = mkdtempSync(join(tmpdir(), `kin-${prefix}-`));
      const store = await openSqliteStore({ path: join(dir, 'kin.db') });
      dirs.set(store, dir);
      return store;
    },
    destroy: async (store) => {
      await store.close();
      rmSync(dirs.get(store)!, { recursive: true, force: true });
      dirs.delete(store);
    },
  };
}

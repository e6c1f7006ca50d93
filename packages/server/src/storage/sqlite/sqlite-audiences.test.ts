import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAudienceConformance } from '../../audiences/audience-conformance.ts';
import type { Store } from '../storage.ts';
import { openSqliteStore } from './sqlite-store.ts';

runAudienceConformance({ name: 'sqlite in memory', create: () => openSqliteStore({ path: ':memory:' }), destroy: (store) => store.close(), operations: 1000 });

// A file: the per-profile state lives in its own file beside the database (sqlite-audiences.ts).
const dirs = new Map<Store, string>();
runAudienceConformance({
  name: 'sqlite file',
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kin-audiences-'));
    const store = await openSqliteStore({ path: join(dir, 'kin.db') });
    dirs.set(store, dir);
    return store;
  },
  destroy: async (store) => {
    await store.close();
    rmSync(dirs.get(store)!, { recursive: true, force: true });
  },
  operations: 300,
});

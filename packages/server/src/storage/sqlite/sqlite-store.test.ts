import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageConformance } from '../storage-conformance.ts';
import { runIdentityTrustConformance } from '../storage-identity-conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dirs: string[] = [];

runStorageConformance({
  name: 'sqlite',
  create: () => {
    const dir = mkdtempSync(join(tmpdir(), 'kin-sqlite-'));
    dirs.push(dir);
    return openSqliteStore({ path: join(dir, 'kin.db') });
  },
  destroy: async (store) => {
    await store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  },
});

runStorageConformance({ name: 'sqlite :memory:', create: () => openSqliteStore({ path: ':memory:' }) });

runIdentityTrustConformance({ name: 'sqlite :memory:', create: () => openSqliteStore({ path: ':memory:' }) });

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

// The same contract while messageId claims and timeline entries are written out in bulk every few events
// (by default that happens every 50,000-100,000 events, which these suites never reach).
const bulkEveryFewEvents = () => openSqliteStore({ path: ':memory:', messageIds: { flushAt: 2, slices: 2 }, timeline: { flushAt: 2, slices: 2 } });
runStorageConformance({ name: 'sqlite, bulk writes every few events', create: bulkEveryFewEvents });
runIdentityTrustConformance({ name: 'sqlite, bulk writes every few events', create: bulkEveryFewEvents });

import { runStorageConformance } from '../storage-conformance.ts';
import { fileTarget } from './sqlite-file-target.ts';
import { runIdentityTrustConformance } from '../storage-identity-conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';

runStorageConformance(fileTarget('sqlite'));
runIdentityTrustConformance(fileTarget('sqlite file'));

runStorageConformance({ name: 'sqlite :memory:', create: () => openSqliteStore({ path: ':memory:' }) });

runIdentityTrustConformance({ name: 'sqlite :memory:', create: () => openSqliteStore({ path: ':memory:' }) });

// The same contract while messageId claims and timeline entries are written out in bulk every few events
// (by default that happens every 50,000-100,000 events, which these suites never reach).
const bulkEveryFewEvents = () =>
  openSqliteStore({ path: ':memory:', messageIds: { flushAt: 2, slices: 2 }, timeline: { flushAt: 2, slices: 2 } });
runStorageConformance({ name: 'sqlite, bulk writes every few events', create: bulkEveryFewEvents });
runIdentityTrustConformance({ name: 'sqlite, bulk writes every few events', create: bulkEveryFewEvents });

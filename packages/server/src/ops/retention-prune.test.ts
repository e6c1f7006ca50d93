import { afterEach, expect, it } from 'vitest';
import { fixedClock } from '../ports/clock.ts';
import { memoryLogger } from '../ports/logger.ts';
import type { Store } from '../storage/storage.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { pruneRetained } from './retention-prune.ts';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

// Different fields: warnings of the same kind, code and field are one record (counted, last seen at the latest).
const warning = (field: string, createdAt: string) => ({ kind: 'rejected_event', code: 'invalid_event', field, message: 'bad', createdAt });

it('removes the warnings last seen before the retention window on the injected clock, and keeps the rest', async () => {
  store = await openSqliteStore({ path: ':memory:' });
  await store.addWarnings([warning('old', '2026-01-01T00:00:00.000Z'), warning('new', '2026-03-01T00:00:00.000Z')]);
  const options = { store, logger: memoryLogger(), dedupWindowDays: 30, warningsRetentionDays: 30 };
  await pruneRetained({ ...options, clock: fixedClock('2026-03-10T00:00:00.000Z') });
  const left = await store.listWarnings({ limit: 10 });
  expect(left.data.map((w) => w.field)).toEqual(['new']);
});

it('logs a failed prune and settles', async () => {
  const logger = memoryLogger();
  const failing = { pruneMessageIds: () => Promise.reject(new Error('down')), pruneWarnings: () => Promise.resolve(0) };
  await pruneRetained({
    store: failing,
    logger,
    clock: fixedClock('2026-03-10T00:00:00.000Z'),
    dedupWindowDays: 1,
    warningsRetentionDays: 1,
  });
  expect(logger.lines.join('\n')).toContain('pruning message ids failed');
});

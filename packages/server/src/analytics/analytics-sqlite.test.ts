// The analytics conformance suite on the embedded SQLite store (in memory), and again with blocks of 7 events
// (sqlite-event-blocks.ts), so most scans go through event_blocks rather than the unflushed tail.
import { registerAnalyticsConformance } from './analytics-conformance.ts';
import { openStore } from '../storage/store-open.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';

registerAnalyticsConformance('sqlite', async () => {
  const store = await openStore(':memory:', {});
  return { store, close: () => store.close() };
});

registerAnalyticsConformance('sqlite, blocks of 7 events', async () => {
  const store = await openSqliteStore({ path: ':memory:', eventBlockSize: 7 });
  return { store, close: () => store.close() };
});

// The analytics conformance suite on the embedded SQLite store (in memory), and again with blocks of 7 events
// (sqlite-event-blocks.ts), so most scans go through event_blocks and their packed columns (sqlite-event-columns.ts)
// rather than the unflushed tail.
import { registerAnalyticsConformance } from './analytics-conformance.ts';
import { openStore } from '../storage/store-open.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';

const destroy = (store: { close(): Promise<void> }) => store.close();
registerAnalyticsConformance({ name: 'sqlite', create: () => openStore(':memory:', {}), destroy });
registerAnalyticsConformance({
  name: 'sqlite, blocks of 7 events',
  create: () => openSqliteStore({ path: ':memory:', eventBlockSize: 7 }),
  destroy,
});

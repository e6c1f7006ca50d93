// The analytics conformance suite on the embedded SQLite store (in memory).
import { registerAnalyticsConformance } from './analytics-conformance.ts';
import { openStore } from '../storage/store-open.ts';

registerAnalyticsConformance('sqlite', async () => {
  const store = await openStore(':memory:', {});
  return { store, close: () => store.close() };
});

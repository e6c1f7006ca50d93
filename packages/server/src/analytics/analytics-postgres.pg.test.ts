// The analytics conformance suite on PostgreSQL (a throwaway database): the same answers as on SQLite.
import { describe, it } from 'vitest';
import { openPostgresStore } from '../storage/postgres/postgres-store.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import { registerAnalyticsConformance } from './analytics-conformance.ts';

const status = await testPostgresStatus();

if (!status.ok) {
  (servicesRequired() ? describe : describe.skip)(`analytics conformance: postgres (${status.reason})`, () => {
    it('needs PostgreSQL', () => {
      throw new Error(status.reason);
    });
  });
} else {
  registerAnalyticsConformance('postgres', async () => {
    const db = await createTestDatabase();
    const store = await openPostgresStore({ url: db.url });
    return {
      store,
      close: async () => {
        await store.close();
        await db.drop();
      },
    };
  });
}

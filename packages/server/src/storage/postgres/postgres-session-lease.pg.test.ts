/**
 * The runner lease (a session lease) on a real PostgreSQL: one holder at a time; when the holder's session dies (as when its
 * process is killed) another takes over, and the old holder learns it lost the lease.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresRunnerLease } from './postgres-session-lease.ts';
import { createTestDatabase, selectColumn } from './postgres-test-db.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { postgresAvailable } from './postgres-test-store.ts';

if (await postgresAvailable('postgres runner lease')) {
  describe('postgres runner lease', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('is held by one lease at a time, passes on when the holder session dies or releases, and names its process', async () => {
      const a = createPostgresRunnerLease({ url: db.url, name: 'journeys' });
      const b = createPostgresRunnerLease({ url: db.url, name: 'journeys' });
      const other = createPostgresRunnerLease({ url: db.url, name: 'other' });
      try {
        expect(await a.hold()).toBe(true);
        expect(await b.hold()).toBe(false);
        expect(await a.hold()).toBe(true);
        // Another name is another lease.
        expect(await other.hold()).toBe(true);
        expect(
          await selectColumn(db.url, "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'kin-runner:journeys:%'"),
        ).toHaveLength(2);

        // The holder's session dies (its process was killed): the database drops the lock.
        await selectColumn(
          db.url,
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kin-runner:journeys:${process.pid}' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
        );
        expect(await b.hold()).toBe(true);
        // The old holder finds out at its next hold and does not decide.
        expect(await a.hold()).toBe(false);
        expect(await b.hold()).toBe(true);

        await b.release();
        expect(await a.hold()).toBe(true);
      } finally {
        await Promise.all([a.release(), b.release(), other.release()]);
      }
    });
  });
}

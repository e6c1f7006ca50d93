import { applyRow } from '../../testing/apply-row.ts';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pg from 'pg';
import type { ResolutionPlan, TrackingEvent } from '@kin/core';
import { RECOUNT_SQL, runStorageConformance } from '../storage-conformance.ts';
import { runIdentityTrustConformance } from '../storage-identity-conformance.ts';
import type { StoreStats } from '../storage.ts';
import { migratePostgres, POSTGRES_MIGRATIONS } from './postgres-migrations.ts';
import { createPostgresStore, openPostgresStore, parseTimestamptz } from './postgres-store.ts';
import { UnfollowablePlanError } from './postgres-plan-follow.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase } from './postgres-test-db.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';

const available = await postgresAvailable('postgres store');

describe('parseTimestamptz', () => {
  it('answers ISO strings with milliseconds whatever the session offset', () => {
    expect(parseTimestamptz('2026-11-01 10:00:00+00')).toBe('2026-11-01T10:00:00.000Z');
    expect(parseTimestamptz('2026-11-01 10:00:00.123456+00')).toBe('2026-11-01T10:00:00.123Z');
    expect(parseTimestamptz('2026-11-01 11:00:00+01')).toBe('2026-11-01T10:00:00.000Z');
    expect(parseTimestamptz('2026-11-01 15:30:00+05:30')).toBe('2026-11-01T10:00:00.000Z');
    expect(parseTimestamptz('2026-11-01 10:00:00.5+00')).toBe('2026-11-01T10:00:00.500Z');
    expect(parseTimestamptz('infinity')).toBe('infinity');
  });

  it('reads any UTC value as PostgreSQL writes it (fraction trimmed of zeros) as Date does, cut to milliseconds', () => {
    const first = Date.parse('0001-01-01T00:00:00.000Z');
    const last = Date.parse('9999-12-31T23:59:59.999Z');
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), fc.integer({ min: 0, max: 999 }), (ms, extra) => {
        const iso = new Date(ms).toISOString();
        // The microseconds of the second (ms * 1000 itself would lose digits past 2^53).
        const fraction = String(Number(iso.slice(20, 23)) * 1000 + extra)
          .padStart(6, '0')
          .replace(/0+$/, '');
        const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
        expect(parseTimestamptz(text)).toBe(iso);
      }),
      { numRuns: 2_000 },
    );
  });
});

if (available) {
  const stores = postgresTestStores('postgres', 8);
  runStorageConformance({ ...stores, recount: (store) => recount(stores.urlOf(store)) });
  const trustStores = postgresTestStores('postgres', 4);
  runIdentityTrustConformance({ ...trustStores, recount: (store) => recount(trustStores.urlOf(store)) });

  describe('postgres store: migrations and partitions', () => {
    const withDatabase = async (fn: (db: TestDatabase, admin: pg.Client) => Promise<void>) => {
      const db = await createTestDatabase();
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        await fn(db, admin);
      } finally {
        await admin.end();
        await db.drop();
      }
    };

    it('migrating twice is a no-op', () =>
      withDatabase(async (db, admin) => {
        const store = createPostgresStore({ url: db.url });
        try {
          await store.migrate();
          const first = (await admin.query('SELECT version, applied_at FROM schema_migrations ORDER BY version')).rows;
          expect(first.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
          await store.migrate();
          expect((await admin.query('SELECT version, applied_at FROM schema_migrations ORDER BY version')).rows).toEqual(first);
          // Migration 45 dropped the index of unhashed match profiles (no query reads it); the backfill's stays.
          const indexes = (await admin.query("SELECT indexname FROM pg_indexes WHERE tablename = 'match_profiles'")).rows.map(
            (r) => r.indexname,
          );
          expect(indexes).not.toContain('match_profiles_unhashed');
          expect(indexes).toContain('match_profiles_unnormalised');
        } finally {
          await store.close();
        }
      }));

    it('migration 8 starts the counters from the rows and folds repeated warnings', () =>
      withDatabase(async (db, admin) => {
        const pool = new pg.Pool({ connectionString: db.url, max: 1 });
        try {
          await migratePostgres(
            pool,
            POSTGRES_MIGRATIONS.filter((m) => m.version < 8),
          );
          await pool.query(`INSERT INTO profiles (id, created_at, updated_at) VALUES ('p1', now(), now()), ('p2', now(), now())`);
          await pool.query(`UPDATE profiles SET merged_into = 'p1' WHERE id = 'p2'`);
          await pool.query(`INSERT INTO warnings (kind, code, field, message, source_id, message_id, created_at) VALUES
            ('rejected_event', 'invalid_event', 'type', 'bad', 's1', 'w1', '2026-01-01T00:00:02Z'),
            ('rejected_event', 'invalid_event', 'type', 'bad', 's1', 'w2', '2026-01-01T00:00:03Z'),
            ('rejected_event', 'invalid_event', 'event', 'bad', 's1', 'w3', '2026-01-01T00:00:04Z')`);
        } finally {
          await pool.end();
        }
        const store = await openPostgresStore({ url: db.url });
        try {
          expect(await store.stats()).toEqual({ events: 0, profiles: 1, externalIds: 0, merges: 0, warnings: 3 });
          const warnings = (await store.listWarnings({ limit: 10 })).data;
          expect(warnings.map((w) => [w.field, w.count, w.messageId, w.lastSeenAt])).toEqual([
            ['event', 1, 'w3', '2026-01-01T00:00:04.000Z'],
            ['type', 2, 'w1', '2026-01-01T00:00:03.000Z'],
          ]);
          await store.addWarnings([
            {
              kind: 'rejected_event',
              code: 'invalid_event',
              field: 'type',
              message: 'bad',
              sourceId: 's1',
              createdAt: '2026-01-02T00:00:00.000Z',
            },
          ]);
          expect((await store.listWarnings({ limit: 10 })).data.find((w) => w.field === 'type')?.count).toBe(3);
          expect((await admin.query('SELECT count(*)::int AS n FROM warnings')).rows[0]?.n).toBe(2);
          expect(await store.stats()).toEqual(await recount(db.url));
        } finally {
          await store.close();
        }
      }));

    it("folds the writers' counter slots into slot 0 with the warnings retention, keeping the totals", () =>
      withDatabase(async (db, admin) => {
        const store = await openPostgresStore({ url: db.url, poolSize: 4 });
        try {
          const at = '2026-11-01T10:00:00.000Z';
          await Promise.all(
            Array.from({ length: 6 }, (_, i) =>
              store.addWarnings([{ kind: 'rejected_event', code: 'invalid_event', field: `f${i % 2}`, message: 'bad', createdAt: at }]),
            ),
          );
          const before = await store.stats();
          expect(before.warnings).toBe(6);
          expect(await store.pruneWarnings('2000-01-01T00:00:00.000Z')).toBe(0);
          const slots = (await admin.query<{ slot: number }>('SELECT DISTINCT slot FROM store_counts')).rows.map((r) => r.slot);
          expect(slots).toEqual([0]);
          expect(await store.stats()).toEqual(before);
          expect(await store.stats()).toEqual(await recount(db.url));
        } finally {
          await store.close();
        }
      }));

    it('two processes opening a fresh database at once both succeed, and it is migrated once', () =>
      withDatabase(async (db, admin) => {
        const stores = await Promise.all([openPostgresStore({ url: db.url }), openPostgresStore({ url: db.url })]);
        try {
          expect((await admin.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0]?.n).toBe(POSTGRES_MIGRATIONS.length);
          expect((await stores[1]!.stats()).events).toBe(0);
        } finally {
          await Promise.all(stores.map((s) => s.close()));
        }
      }));

    it('puts events in monthly partitions made on demand, and far-off times in the default one', () =>
      withDatabase(async (db, admin) => {
        const store = await openPostgresStore({ url: db.url });
        try {
          const write = (messageId: string, timestamp: string) =>
            store.transaction((tx) =>
              applyRow(tx, {
                event: { type: 'track', event: 'Viewed', messageId, anonymousId: 'a-1', timestamp, receivedAt: timestamp } as TrackingEvent,
                sourceId: 'src-1',
                plan: {
                  target: { kind: 'none' },
                  merges: [],
                  links: [],
                  touches: [],
                  refused: [],
                  traits: { set: {}, unset: [] },
                  warnings: [],
                },
              }),
            );
          await write('p-1', '2031-03-15T12:00:00.000Z');
          await write('p-2', '2031-03-31T23:59:59.999Z');
          await write('p-3', '1999-12-31T23:59:59.999Z');
          const rows = (await admin.query('SELECT message_id, tableoid::regclass::text AS part FROM events ORDER BY message_id')).rows;
          expect(rows).toEqual([
            { message_id: 'p-1', part: 'events_p2031_03' },
            { message_id: 'p-2', part: 'events_p2031_03' },
            { message_id: 'p-3', part: 'events_default' },
          ]);
        } finally {
          await store.close();
        }
      }));

    it('refuses a hand-written plan it cannot follow (a stored identifier linked again, a missing profile) and writes nothing', () =>
      withDatabase(async (db) => {
        const store = await openPostgresStore({ url: db.url });
        try {
          const none: ResolutionPlan = {
            target: { kind: 'none' },
            merges: [],
            links: [],
            touches: [],
            refused: [],
            traits: { set: {}, unset: [] },
            warnings: [],
          };
          const event = (messageId: string) =>
            ({
              type: 'identify',
              messageId,
              userId: 'u-1',
              timestamp: '2031-03-15T12:00:00.000Z',
              receivedAt: '2031-03-15T12:00:00.000Z',
            }) as TrackingEvent;
          const userId = { type: 'user_id', value: 'u-1' };
          const { profileId } = await store.transaction((tx) =>
            applyRow(tx, {
              event: event('seed'),
              sourceId: 'src-1',
              plan: { ...none, target: { kind: 'new' }, links: [{ identifier: userId, rule: 'new_profile' }] },
            }),
          );
          const before = await store.stats();
          await expect(
            store.transaction(async (tx) => {
              // The transaction has read u-1 (as every resolver plan's snapshot would), so it sees the plan is wrong.
              await tx.loadSnapshot([userId]);
              return applyRow(tx, {
                event: event('relink'),
                sourceId: 'src-1',
                plan: { ...none, target: { kind: 'new' }, links: [{ identifier: userId, rule: 'new_profile' }] },
              });
            }),
          ).rejects.toThrow(UnfollowablePlanError);
          await expect(
            store.transaction((tx) =>
              applyRow(tx, {
                event: event('ghost'),
                sourceId: 'src-1',
                plan: { ...none, target: { kind: 'existing', profileId: 'no-such-profile' } },
              }),
            ),
          ).rejects.toMatchObject({ code: 'unfollowable_plan' });
          expect(await store.stats()).toEqual(before);
          expect(await store.findProfileIdByIdentifier(userId)).toBe(profileId);
        } finally {
          await store.close();
        }
      }));

    it('retries a transaction aborted by a deadlock and runs its callback again', () =>
      withDatabase(async (db) => {
        const store = await openPostgresStore({ url: db.url, poolSize: 4 });
        try {
          await store.transaction((tx) => tx.claimMessageIds('src-1', ['seed']));
          // Two transactions lock two identities in opposite orders; PostgreSQL aborts one, which must retry.
          // A barrier, not a sleep: both hold their first lock before either asks for its second, so the
          // deadlock happens however slow the machine is.
          let runs = 0;
          let locked = 0;
          let release = (): void => undefined;
          const barrier = new Promise<void>((resolve) => (release = resolve));
          const both = (first: string, second: string) =>
            store.transaction(async (tx) => {
              runs++;
              await tx.loadSnapshot([{ type: 'user_id', value: first }]);
              if (++locked === 2) release();
              await barrier;
              await tx.loadSnapshot([{ type: 'user_id', value: second }]);
              return 'done';
            });
          expect(await Promise.all([both('x', 'y'), both('y', 'x')])).toEqual(['done', 'done']);
          expect(runs).toBeGreaterThanOrEqual(3);
        } finally {
          await store.close();
        }
      }));
  });
}

/** The rows of the database at `url`, counted one by one. */
async function recount(url: string): Promise<StoreStats> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (await client.query(RECOUNT_SQL)).rows[0] as Record<string, string>;
    return {
      events: Number(row.events),
      profiles: Number(row.profiles),
      externalIds: Number(row.external_ids),
      merges: Number(row.merges),
      warnings: Number(row.warnings),
    };
  } finally {
    await client.end();
  }
}

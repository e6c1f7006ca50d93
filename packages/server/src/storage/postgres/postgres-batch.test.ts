/**
 * The PostgreSQL batch write path (prefetch, graph cache, buffered flush) against the embedded SQLite store:
 * the same overlapping event stream must give the same profiles, applied batch after batch and applied by
 * three concurrent "workers" taking batches in an interleaved order (with some batches delivered twice).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, validateEvent } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import type { EventGroup } from '../../pipeline/event-apply.ts';
import { applyEventGroups } from '../../pipeline/event-apply.ts';
import { buildOverlapWorkload } from '../../testing/overlap-workload.ts';
import { storeState } from '../../testing/store-state.ts';
import { openSqliteStore } from '../sqlite/sqlite-store.ts';
import type { Store } from '../storage.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase } from './postgres-test-db.ts';
import { postgresAvailable } from './postgres-test-store.ts';

const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };

/** The workload as validated batches of 200 events, grouped by source within each batch. */
function batches(): EventGroup[][] {
  const receivedAt = new Date('2026-11-02T00:00:00.000Z');
  const events = buildOverlapWorkload({ events: 3000, persons: 400, seed: 11 }).map(({ source, event }) => {
    const result = validateEvent(event, { receivedAt, newMessageId: () => 'unused' });
    if (!result.ok) throw new Error(result.message);
    return { sourceId: `src-${source}`, event: result.event };
  });
  const out: EventGroup[][] = [];
  for (let i = 0; i < events.length; i += 200) {
    const bySource = new Map<string, TrackingEvent[]>();
    for (const { sourceId, event } of events.slice(i, i + 200)) bySource.set(sourceId, [...(bySource.get(sourceId) ?? []), event]);
    out.push([...bySource].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sourceId, evs]) => ({ sourceId, events: evs })));
  }
  return out;
}

const apply = (store: Store, batch: EventGroup[]) => store.transaction((tx) => applyEventGroups(tx, batch, deps));

if (await postgresAvailable('postgres batch writes')) {
  describe('postgres batch writes', () => {
    const all = batches();
    let expected: Awaited<ReturnType<typeof storeState>>;
    const databases: TestDatabase[] = [];

    beforeAll(async () => {
      const sqlite = await openSqliteStore({ path: ':memory:' });
      for (const batch of all) await apply(sqlite, batch);
      expected = await storeState(sqlite);
      await sqlite.close();
    });
    afterAll(async () => {
      for (const db of databases) await db.drop();
    });

    const withPostgres = async (fn: (store: Store) => Promise<void>) => {
      const db = await createTestDatabase();
      databases.push(db);
      const store = await openPostgresStore({ url: db.url, poolSize: 6 });
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    };

    it('the stream merges heavily (the comparison is not trivial)', () => {
      expect(expected.events).toBe(3000);
      const identifiers = expected.profiles.reduce((n, p) => n + p.identifiers.length, 0);
      expect(identifiers / expected.profiles.length).toBeGreaterThan(2.5);
      expect(expected.profiles.some((p) => p.identifiers.length >= 8)).toBe(true);
    });

    it('gives the same profiles, events and traits as SQLite, batch after batch', () =>
      withPostgres(async (store) => {
        for (const batch of all) await apply(store, batch);
        expect(await storeState(store)).toEqual(expected);
      }));

    it("equal event times: merges keep the survivor's value on a tie, an event's own write wins its tie (same as SQLite)", async () => {
      const T = '2026-11-01T10:00:00.000Z';
      const T2 = '2026-11-01T11:00:00.000Z';
      let n = 0;
      const ev = (fields: Record<string, unknown>) => ({
        type: 'track',
        event: 'Viewed',
        messageId: `tie-${++n}`,
        timestamp: T2,
        ...fields,
      });
      const identify = (fields: Record<string, unknown>, traits: Record<string, unknown>) =>
        ev({ type: 'identify', event: undefined, timestamp: T, traits, ...fields });
      const batchesWithTies: Array<{ receivedAt: string; events: Array<Record<string, unknown>> }> = [
        {
          receivedAt: '2026-11-01T12:00:00.000Z',
          events: [identify({ userId: 'u1' }, { plan: 'x' }), identify({ anonymousId: 'a0' }, { plan: 'q', city: 'Q' })],
        },
        {
          receivedAt: '2026-11-01T12:05:00.000Z',
          events: [
            identify({ anonymousId: 'a1' }, { plan: 'y', city: 'A' }),
            identify({ userId: 'u1' }, { plan: 'z' }),
            ev({ userId: 'u1', anonymousId: 'a1' }),
            ev({ userId: 'u1', anonymousId: 'a0' }),
            identify({ anonymousId: 'a2' }, { plan: 'w', city: null }),
            ev({ userId: 'u1', anonymousId: 'a2', timestamp: '2026-11-01T12:00:00.000Z' }),
            identify({ anonymousId: 'a3' }, { size: 'M' }),
            identify({ anonymousId: 'a4' }, { size: 'L' }),
            ev({ anonymousId: 'a3', userId: 'u3' }),
            ev({ anonymousId: 'a4', userId: 'u3' }),
          ],
        },
      ];
      const groups = batchesWithTies.map(({ receivedAt, events }) => [
        {
          sourceId: 'src-web',
          events: events.map((raw) => {
            const result = validateEvent(raw, { receivedAt: new Date(receivedAt), newMessageId: () => 'unused' });
            if (!result.ok) throw new Error(result.message);
            return result.event;
          }),
        },
      ]);
      const sqlite = await openSqliteStore({ path: ':memory:' });
      for (const batch of groups) await apply(sqlite, batch);
      const reference = await storeState(sqlite);
      await sqlite.close();
      expect(reference.profiles.find((p) => p.identifiers.includes('user_id:u1'))?.traits).toEqual({ plan: 'z' });
      await withPostgres(async (store) => {
        for (const batch of groups) await apply(store, batch);
        expect(await storeState(store)).toEqual(reference);
      });
    });

    it('three concurrent writers in another order, some batches twice: same state, nothing lost or doubled', () =>
      withPostgres(async (store) => {
        // Interleaved order, and every fifth batch delivered again (a redelivery after a lost ack).
        const queue = all.flatMap((batch, i) => (i % 5 === 0 ? [batch, batch] : [batch])).reverse();
        const worker = async () => {
          for (let batch = queue.pop(); batch; batch = queue.pop()) await apply(store, batch);
        };
        await Promise.all([worker(), worker(), worker()]);
        expect(await storeState(store)).toEqual(expected);
      }));
  });
}

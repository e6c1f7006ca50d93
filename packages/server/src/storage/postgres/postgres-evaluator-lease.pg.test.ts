/**
 * One evaluator per PostgreSQL database: two Kin processes (two stores, two pools, two evaluators) on one
 * real database. Only the lease holder evaluates; when it stops or its session is killed, the other takes
 * over where the feed was recorded, and no `Audience Entered` event is written twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AudienceDefinition, ComputedTraitDefinition, TrackingEvent } from '@kin/core';
import { AUDIENCE_ENTERED, DEFAULT_POLICY } from '@kin/core';
import { createAudienceEngine } from '../../audiences/audience-engine.ts';
import type { AudienceEngine } from '../../audiences/audience-engine.ts';
import { normalizerFor } from '../../identity/policy-load.ts';
import { createGroupCommitIngestor } from '../../pipeline/group-commit.ts';
import { fixedClock } from '../../ports/clock.ts';
import { memoryLogger } from '../../ports/logger.ts';
import type { Store } from '../storage.ts';
import { openPostgresStore } from './postgres-store.ts';
import type { TestDatabase } from './postgres-test-db.ts';
import { createTestDatabase, selectColumn } from './postgres-test-db.ts';
import { postgresAvailable } from './postgres-test-store.ts';

const START = '2026-03-10T12:00:00.000Z';
const ORDERS: ComputedTraitDefinition = { key: 'orders', type: 'event_counter', event: 'Order Completed', where: [], window: null };
const REPEAT: AudienceDefinition = {
  key: 'repeat_buyers',
  where: { performed: { event: 'Order Completed', where: [], count: { op: 'gte', value: 2 } } },
};

const available = await postgresAvailable('postgres: evaluator lease');

/** Two processes on one database: each with its store (own pool) and evaluator. */
interface Kin {
  store: Store;
  engine: AudienceEngine;
}

let db: TestDatabase | undefined;
let processes: Kin[] = [];
afterEach(async () => {
  for (const p of processes) {
    await p.engine.stop();
    await p.store.close();
  }
  processes = [];
  await db?.drop();
  db = undefined;
});

async function start(url: string): Promise<Kin> {
  const store = await openPostgresStore({ url, poolSize: 3 });
  const kin = { store, engine: createAudienceEngine({ store, clock: fixedClock(START), logger: memoryLogger() }) };
  processes.push(kin);
  return kin;
}

async function orders(store: Store, user: string, count: number, from: number): Promise<void> {
  const ingestor = createGroupCommitIngestor({ store, policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) });
  const source =
    (await store.listSources()).find((s) => s.name === 'web') ??
    (await store.createSource({ name: 'web', writeKeyHash: 'lease', createdAt: START }));
  const events: TrackingEvent[] = Array.from({ length: count }, (_, i) => ({
    type: 'track',
    event: 'Order Completed',
    messageId: `${user}-${from + i}`,
    userId: user,
    timestamp: START,
    receivedAt: START,
  }));
  expect((await ingestor.submit({ sourceId: source.id, events })).accepted).toBe(count);
  await ingestor.close();
}

/** The stored `orders` value of a user's profile (undefined: nothing stored). */
async function ordersOf(store: Store, user: string): Promise<unknown> {
  const id = (await store.findProfileIdByIdentifier({ type: 'user_id', value: user }))!;
  return (await store.audiences.readStates([id])).get(id)!.values['orders'];
}

/** Every `Audience Entered` event in the database, as `audience user`. */
async function entries(url: string): Promise<string[]> {
  return (
    await selectColumn(
      url,
      `SELECT (payload->'properties'->>'audience') || ' ' || (payload->>'userId') FROM events WHERE event = '${AUDIENCE_ENTERED}' ORDER BY 1`,
    )
  ).sort();
}

/** The backend of the session holding the evaluator's advisory lock. */
async function holderPid(url: string): Promise<string[]> {
  // pg_locks lists the whole cluster: only this database's advisory locks held by a lease connection.
  return selectColumn(
    url,
    `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)
      WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'kin-evaluator-lease' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
}

if (available) {
  describe('postgres: one evaluator per database', () => {
    for (const ending of ['stops', 'is killed'] as const) {
      it(`only the lease holder evaluates; when it ${ending}, the other takes over and no entry is written twice`, async () => {
        db = await createTestDatabase();
        const a = await start(db.url);
        const b = await start(db.url);
        await a.store.audiences.saveDefinition('trait', ORDERS, START);
        await a.store.audiences.saveDefinition('audience', REPEAT, START);
        await a.engine.definitionsChanged();
        await b.engine.definitionsChanged();

        await orders(a.store, 'u1', 2, 0);
        await a.engine.drain(); // takes the lease
        await b.engine.drain(); // standby: evaluates nothing
        expect(await ordersOf(a.store, 'u1')).toBe(2);
        expect(await holderPid(db.url)).toHaveLength(1);

        // While a holds the lease, b's turns do nothing: u2's orders stay uncounted until a's turn.
        await orders(b.store, 'u2', 2, 0);
        await b.engine.drain();
        expect(await ordersOf(b.store, 'u2')).toBeUndefined();
        await a.engine.drain();
        expect(await ordersOf(b.store, 'u2')).toBe(2);
        expect(await entries(db.url)).toEqual(['repeat_buyers u1', 'repeat_buyers u2']);

        // More traffic, then the holder goes away before evaluating it.
        await orders(a.store, 'u1', 1, 2);
        await orders(a.store, 'u3', 2, 0);
        if (ending === 'stops') await a.engine.stop();
        else {
          const [pid] = await holderPid(db.url);
          await selectColumn(db.url, `SELECT pg_terminate_backend(${pid!})`);
          await a.engine.drain(); // notices the broken session: evaluates nothing
          expect(await ordersOf(a.store, 'u3')).toBeUndefined();
        }
        await b.engine.drain(); // takes over at the recorded feed position
        expect(await ordersOf(b.store, 'u1')).toBe(3);
        expect(await ordersOf(b.store, 'u3')).toBe(2);
        expect(await holderPid(db.url)).toHaveLength(1);
        // The old holder, if it lives on, stays a standby.
        await orders(b.store, 'u4', 2, 0);
        await a.engine.drain();
        expect(await ordersOf(b.store, 'u4')).toBeUndefined();
        await b.engine.drain();
        expect(await ordersOf(b.store, 'u4')).toBe(2);
        expect(await entries(db.url)).toEqual(['repeat_buyers u1', 'repeat_buyers u2', 'repeat_buyers u3', 'repeat_buyers u4']);
      }, 60_000);
    }
  });
}

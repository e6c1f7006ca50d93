/** The evaluator on its own thread, over a real SQLite file that the test's store writes to. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { TrackingEvent } from '@kin/core';
import { DEFAULT_POLICY } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { createGroupCommitIngestor } from '../pipeline/group-commit.ts';
import type { PlannedEventWriter } from '../pipeline/ingest-port.ts';
import { memoryLogger } from '../ports/logger.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/storage.ts';
import type { AudienceEngine } from './audience-engine.ts';
import { audienceThread } from './audience-thread.ts';

let dir: string | undefined;
let store: Store | undefined;
let engine: AudienceEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  engine = store = dir = undefined;
});

it('computes traits and memberships of events committed by another connection, and stops cleanly', async () => {
  dir = mkdtempSync(join(tmpdir(), 'kin-audience-thread-'));
  const path = join(dir, 'kin.db');
  const s = (store = await openSqliteStore({ path }));
  const at = new Date().toISOString();
  await s.audiences.saveDefinition(
    'trait',
    { key: 'orders', type: 'event_counter', event: 'Order Completed', where: [], window: null },
    at,
  );
  await s.audiences.saveDefinition(
    'audience',
    { key: 'buyers', where: { performed: { event: 'Order Completed', where: [], count: { op: 'gte', value: 1 } } } },
    at,
  );
  const e = (engine = audienceThread({ db: path, tuning: {} }, memoryLogger(), { kind: 'own' }));
  e.start();
  await e.definitionsChanged();
  await e.drain(); // the backfill of no profile: both definitions go live

  const ingestor = createGroupCommitIngestor({ store: s, policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) });
  const source = await s.createSource({ name: 'web', writeKeyHash: 'thread', createdAt: at });
  const events: TrackingEvent[] = [1, 2, 3].map((i) => ({
    type: 'track',
    event: 'Order Completed',
    messageId: `o-${i}`,
    userId: 'u1',
    timestamp: at,
    receivedAt: at,
  }));
  expect((await ingestor.submit({ sourceId: source.id, events })).accepted).toBe(3);
  await ingestor.close();
  await e.drain();

  const id = (await s.findProfileIdByIdentifier({ type: 'user_id', value: 'u1' }))!;
  expect((await s.audiences.readStates([id])).get(id)?.values).toEqual({ orders: 3 });
  expect(await s.audiences.countMembers('buyers')).toBe(1);
  expect((await s.audiences.listDefinitions('trait'))[0]?.status).toBe('live');
  expect(e.pending()).toBe(0);
  await e.stop();
  // Stopped: the thread is gone, a request answers without it.
  await e.drain();
});

/** A store with the audience `buyers` (one order or more) and a group-commit ingestor of it. */
async function buyersStore(): Promise<{ path: string; s: Store; at: string; ingestor: ReturnType<typeof createGroupCommitIngestor> }> {
  dir = mkdtempSync(join(tmpdir(), 'kin-audience-thread-'));
  const path = join(dir, 'kin.db');
  const s = (store = await openSqliteStore({ path }));
  const at = new Date().toISOString();
  await s.audiences.saveDefinition(
    'audience',
    { key: 'buyers', where: { performed: { event: 'Order Completed', where: [], count: { op: 'gte', value: 1 } } } },
    at,
  );
  const ingestor = createGroupCommitIngestor({ store: s, policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) });
  return { path, s, at, ingestor };
}

it('hands its audience events to the ingest writer, which commits them on the profile', async () => {
  const { path, s, at, ingestor } = await buyersStore();
  const handed: string[] = [];
  const writer: PlannedEventWriter = {
    applyPlanned(events) {
      handed.push(...events.map((x) => x.event.event ?? ''));
      return ingestor.applyPlanned(events);
    },
  };
  const e = (engine = audienceThread({ db: path, tuning: {} }, memoryLogger(), { kind: 'writer', writer }));
  e.start();
  await e.definitionsChanged();
  await e.drain();
  const source = await s.createSource({ name: 'web', writeKeyHash: 'thread-writer', createdAt: at });
  const order: TrackingEvent = { type: 'track', event: 'Order Completed', messageId: 'o-1', userId: 'u1', timestamp: at, receivedAt: at };
  await ingestor.submit({ sourceId: source.id, events: [order] });
  await e.drain();

  expect(handed).toEqual(['Audience Entered']);
  const id = (await s.findProfileIdByIdentifier({ type: 'user_id', value: 'u1' }))!;
  const timeline = await s.listProfileEvents(id, { limit: 10 });
  expect(timeline.data.map((x) => x.event)).toEqual(expect.arrayContaining(['Order Completed', 'Audience Entered']));
  await e.stop();
  await ingestor.close();
});

it('writes its audience events again after the ingest writer failed them, once', async () => {
  const { path, s, at, ingestor } = await buyersStore();
  let calls = 0;
  const writer: PlannedEventWriter = {
    applyPlanned(events) {
      calls++;
      // The first hand-over meets a writer thread that is restarting: nothing is committed.
      return calls === 1 ? Promise.reject(new Error('restarting')) : ingestor.applyPlanned(events);
    },
  };
  const e = (engine = audienceThread({ db: path, tuning: {} }, memoryLogger(), { kind: 'writer', writer }));
  e.start();
  await e.definitionsChanged();
  await e.drain();
  const source = await s.createSource({ name: 'web', writeKeyHash: 'thread-retry', createdAt: at });
  const order: TrackingEvent = { type: 'track', event: 'Order Completed', messageId: 'o-1', userId: 'u1', timestamp: at, receivedAt: at };
  await ingestor.submit({ sourceId: source.id, events: [order] });
  await e.drain();
  await e.drain();

  expect(calls).toBe(2);
  const id = (await s.findProfileIdByIdentifier({ type: 'user_id', value: 'u1' }))!;
  const timeline = await s.listProfileEvents(id, { limit: 10 });
  expect(timeline.data.filter((x) => x.event === 'Audience Entered')).toHaveLength(1);
  await e.stop();
  await ingestor.close();
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { decorate } from '../ops/port-decorator.ts';
import type { Store } from '../storage/storage.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { plan } from '../storage/storage-conformance-fixtures.ts';
import type { ApplyOutcome, Ingestor } from './ingest-port.ts';
import { createGroupCommitIngestor } from './group-commit.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-group-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
let n = 0;
let files = 0;

const events = (count: number): TrackingEvent[] =>
  Array.from({ length: count }, () => ({
    type: 'track',
    event: 'Product Viewed',
    messageId: `gc-${++n}`,
    anonymousId: `anon-${n % 7}`,
    timestamp: '2026-11-01T10:00:00.000Z',
    receivedAt: '2026-11-01T10:00:01.000Z',
  }));

/** A real SQLite store whose syncs take `syncMs` (a slow disk), counting transactions. */
async function slowDiskStore(syncMs: number): Promise<{ store: Store; transactions: () => number }> {
  const real = await openSqliteStore({ path: join(dir, `kin-${++files}.db`) });
  let count = 0;
  const store = decorate(real, {
    overrides: {
      async transactionDeferred(fn) {
        count++;
        const written = await real.transactionDeferred!(fn);
        return { result: written.result, durable: written.durable.then(() => new Promise((done) => setTimeout(done, syncMs))) };
      },
    },
  });
  return { store, transactions: () => count };
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** One request, then three more 30 ms apart while the first one's commit syncs. */
async function fourRequests(ingestor: Ingestor): Promise<ApplyOutcome[]> {
  const sent = [ingestor.submit({ sourceId: 'web', events: events(10) })];
  await pause(20);
  for (let i = 0; i < 3; i++) {
    sent.push(ingestor.submit({ sourceId: 'web', events: events(10) }));
    await pause(30);
  }
  return Promise.all(sent);
}

describe('group commit gathering', () => {
  it('puts requests that arrive while an earlier commit syncs into one transaction', async () => {
    const { store, transactions } = await slowDiskStore(600);
    const ingestor = createGroupCommitIngestor({ store, ...deps, minGroupEvents: 30, groupWaitMs: 1000 });
    // The first commit is syncing: the three after it arrive one after another and wait for each other.
    const outcomes = await fourRequests(ingestor);
    expect(outcomes.map((o) => o.accepted)).toEqual([10, 10, 10, 10]);
    expect(transactions()).toBe(2);
    expect((await store.stats()).events).toBe(40);
    await ingestor.close();
    await store.close();
  });

  it('without gathering, the same requests take a transaction each', async () => {
    const { store, transactions } = await slowDiskStore(600);
    const ingestor = createGroupCommitIngestor({ store, ...deps, minGroupEvents: 30, groupWaitMs: 0 });
    await fourRequests(ingestor);
    // Each arrives while the writer is idle (timers under load may let two meet, never all three).
    expect(transactions()).toBeGreaterThanOrEqual(3);
    await ingestor.close();
    await store.close();
  });

  it('never waits when no commit is syncing', async () => {
    const { store, transactions } = await slowDiskStore(0);
    // A wait of a minute would time this test out: with nothing syncing, nothing can be gathered.
    const ingestor = createGroupCommitIngestor({ store, ...deps, minGroupEvents: 10_000, groupWaitMs: 60_000 });
    expect((await ingestor.submit({ sourceId: 'web', events: events(5) })).accepted).toBe(5);
    expect((await ingestor.submit({ sourceId: 'web', events: events(5) })).accepted).toBe(5);
    expect(transactions()).toBe(2);
    await ingestor.close();
    await store.close();
  }, 10_000);
});

describe('planned events', () => {
  it('are applied as planned in the group of the submissions that arrive with them, once durable', async () => {
    const { store, transactions } = await slowDiskStore(200);
    const ingestor = createGroupCommitIngestor({ store, ...deps, minGroupEvents: 30, groupWaitMs: 1000 });
    const [first] = events(1);
    await ingestor.submit({ sourceId: 'web', events: [first!] });
    const profileId = (await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: first!.anonymousId! }))!;
    const before = transactions();
    const planned: TrackingEvent = { ...first!, event: 'Audience Entered', messageId: 'kin-audience:a:planned' };
    const attach = plan({ target: { kind: 'existing', profileId } });
    // Sent together while nothing syncs: one transaction holds both.
    const [outcome] = await Promise.all([
      ingestor.submit({ sourceId: 'web', events: events(3) }),
      ingestor.applyPlanned([{ event: planned, payload: JSON.stringify(planned), sourceId: 'web', plan: attach }]),
    ]);
    expect(outcome.accepted).toBe(3);
    expect(transactions() - before).toBe(1);
    const timeline = await store.listProfileEvents(profileId, { limit: 10 });
    expect(timeline.data.map((e) => e.messageId)).toContain('kin-audience:a:planned');
    await ingestor.close();
    await store.close();
  });
});

/**
 * The switch of incremental matching against write transactions in flight on another connection (two
 * processes on one PostgreSQL): a switch waits for every transaction that read the old value, so what such a
 * transaction wrote is rebuilt after switching on, and nothing it keyed outlives switching off.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizerFor } from '../../identity/policy-load.ts';
import { matchKeysOf } from '../../matching/match-keys.ts';
import { applyEvents } from '../../pipeline/event-apply.ts';
import type { Store } from '../storage.ts';
import { openPostgresStore } from './postgres-store.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';

const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
const TRAITS = { firstName: 'Ann', lastName: 'Lee', birthday: '1980-02-03' };
const at = '2026-01-01T00:00:00.000Z';
const identify = (anonymousId: string, messageId: string): TrackingEvent =>
  ({ type: 'identify', anonymousId, traits: TRAITS, messageId, timestamp: at, receivedAt: at }) as TrackingEvent;

const stores = postgresTestStores('postgres', 2);
let open: Store[] = [];
afterEach(async () => {
  for (const store of open.slice(1)) await store.close();
  if (open[0]) await stores.destroy(open[0]);
  open = [];
});

/** Two stores (two processes) on one new database. */
async function twoWriters(): Promise<[Store, Store]> {
  const a = await stores.create();
  const b = await openPostgresStore({ url: stores.urlOf(a), poolSize: 2 });
  open = [a, b];
  return [a, b];
}

/** Writes one identify in a transaction of `writer` that stays open while `b` switches, and commits after a pause. */
async function switchDuringWrite(writer: Store, other: Store, on: boolean, anonymousId: string): Promise<boolean> {
  let switching: Promise<boolean> | undefined;
  await writer.transaction(async (tx) => {
    await applyEvents(tx, 'web', [identify(anonymousId, `m-${anonymousId}`)], deps);
    switching = other.matching.switchIncrementalMatching(on);
    // Time for a switch that does not wait to run its whole course before this transaction commits.
    await sleep(300);
  });
  return switching!;
}

if (await postgresAvailable('postgres: the match switch and writers in flight')) {
  describe('postgres: the match switch and writers in flight', () => {
    it('switching on waits for a writer that read it off, and the rebuild keys what that writer wrote', async () => {
      const [a, b] = await twoWriters();
      expect(await switchDuringWrite(a, b, true, 'ann')).toBe(true);
      let rebuilt = 0;
      for (let step = 1; step > 0; rebuilt += step) step = await b.matching.backfillMatchIndex(100);
      expect(rebuilt).toBe(1);
      const id = (await a.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'ann' }))!;
      const keys = matchKeysOf({ id, traits: Object.entries(TRAITS).map(([key, value]) => ({ key, value, sourceId: 'web' })) });
      expect(await a.matching.matchKeysOfProfile(id)).toEqual(keys);
    });

    it('switching off waits for a writer that read it on, and leaves none of its keys', async () => {
      const [a, b] = await twoWriters();
      await b.matching.switchIncrementalMatching(true);
      expect(await switchDuringWrite(a, b, false, 'bo')).toBe(true);
      expect(await a.matching.incrementalMatching()).toBe(false);
      const id = (await a.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'bo' }))!;
      expect(await a.matching.matchKeysOfProfile(id)).toBeUndefined();
      expect(await a.matching.pendingMatches(10)).toEqual([]);
    });
  });
}

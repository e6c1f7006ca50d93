/**
 * The switch of incremental matching, as every store keeps it (`switchIncrementalMatching`): the write path
 * keeps the blocking index only while the database's switch is on, switching on rebuilds the index from the
 * profiles' traits as they are then, and no key outlives a switch. One suite, run by each adapter's test.
 */
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizerFor } from '../identity/policy-load.ts';
import { matchKeysOf } from '../matching/match-keys.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import type { Store } from './storage.ts';
import type { StoreTestTarget } from './store-test-target.ts';

const normalize = normalizerFor(DEFAULT_POLICY);
const deps = { policy: DEFAULT_POLICY, normalize };
let n = 0;
const at = (): string => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const identify = (anonymousId: string, traits: Record<string, unknown>): TrackingEvent =>
  ({ type: 'identify', anonymousId, traits, messageId: `s${++n}`, timestamp: at(), receivedAt: at() }) as TrackingEvent;
/** The keys a profile holding exactly these traits (sent by source `web`) has. */
const keysOf = (id: string, traits: Record<string, unknown>): string[] =>
  matchKeysOf({ id, traits: Object.entries(traits).map(([key, value]) => ({ key, value, sourceId: 'web' })) });

const ANN = { firstName: 'Ann', lastName: 'Lee', birthday: '1980-02-03', address: { city: 'Leeds', postalCode: 'LS1 1AA' } };
// Ann again, through another channel with no shared identifier: one typo, same birthday and postcode.
const ANNE = { firstName: 'Anne', lastName: 'Lee', birthday: '1980-02-03', address: { city: 'Leeds', postalCode: 'LS1 1AA' } };

/** Runs the suite against one adapter (`exec` plays another process writing the switch). */
export function runMatchSwitchConformance(target: StoreTestTarget): void {
  describe(`match switch (${target.name})`, () => {
    let store: Store;
    const send = (...events: TrackingEvent[]) => store.transaction((tx) => applyEvents(tx, 'web', events, deps));
    const idOf = async (value: string) => (await store.findProfileIdByIdentifier({ type: 'anonymous_id', value }))!;
    const backfill = async (): Promise<number> => {
      let done = 0;
      for (let step = await store.matching.backfillMatchIndex(100); step > 0; step = await store.matching.backfillMatchIndex(100))
        done += step;
      return done;
    };

    beforeEach(async () => {
      store = await target.create();
    });
    afterEach(async () => {
      await target.destroy(store);
    });

    it('is off by default, and off, identify events leave no match keys and nothing pending', async () => {
      expect(await store.matching.incrementalMatching()).toBe(false);
      await send(identify('ann', ANN));
      const id = await idOf('ann');
      expect(await store.matching.matchKeysOfProfile(id)).toBeUndefined();
      expect(await store.matching.profilesByMatchKeys(keysOf(id, ANN), 10)).toEqual([]);
      expect(await store.matching.pendingMatches(10)).toEqual([]);
      expect(await backfill()).toBe(0);
    });

    it('switched on, rebuilds the keys of existing profiles, so an arriving record finds an earlier one', async () => {
      await send(identify('ann', ANN));
      const ann = await idOf('ann');
      expect(await store.matching.switchIncrementalMatching(true)).toBe(true);
      expect(await store.matching.switchIncrementalMatching(true)).toBe(false); // already on: no second rebuild
      expect(await store.matching.incrementalMatching()).toBe(true);
      expect(await backfill()).toBe(1);
      expect(await store.matching.matchKeysOfProfile(ann)).toEqual(keysOf(ann, ANN));
      expect(await store.matching.pendingMatches(10)).toEqual([]); // the rebuild makes no arrivals

      await send(identify('anne', ANNE));
      const anne = await idOf('anne');
      expect((await store.matching.pendingMatches(10)).map((p) => p.profileId)).toEqual([anne]);
      const shared = keysOf(anne, ANNE).filter((k) => keysOf(ann, ANN).includes(k));
      expect(shared.length).toBeGreaterThan(0);
      expect(await store.matching.profilesByMatchKeys(shared, 10)).toContain(ann);
    });

    it('on, off, on: a profile whose traits changed while off is keyed by its new traits only', async () => {
      await store.matching.switchIncrementalMatching(true);
      await send(identify('ann', ANN));
      const id = await idOf('ann');
      const old = keysOf(id, ANN);
      expect(await store.matching.matchKeysOfProfile(id)).toEqual(old);

      expect(await store.matching.switchIncrementalMatching(false)).toBe(true);
      expect(await store.matching.matchKeysOfProfile(id)).toBeUndefined();
      expect(await store.matching.profilesByMatchKeys(old, 10)).toEqual([]);
      expect(await store.matching.pendingMatches(10)).toEqual([]);
      const renamed = { ...ANN, lastName: 'Park', address: { city: 'York', postalCode: 'YO1 7HH' } };
      await send(identify('ann', { lastName: renamed.lastName, address: renamed.address }));

      await store.matching.switchIncrementalMatching(true);
      await backfill();
      const now = keysOf(id, renamed);
      expect(await store.matching.matchKeysOfProfile(id)).toEqual(now);
      const stale = old.filter((k) => !now.includes(k));
      expect(stale.length).toBeGreaterThan(0);
      expect(await store.matching.profilesByMatchKeys(stale, 10)).toEqual([]);
      expect(await store.matching.profilesByMatchKeys(now, 10)).toEqual([id]);
    });

    it('the backfill removes the key rows a profile marked for it still holds', async () => {
      await store.matching.switchIncrementalMatching(true);
      await send(identify('ann', ANN));
      const id = await idOf('ann');
      await target.exec(store, `INSERT INTO match_keys (key, profile_id) VALUES ('00000000000000ff', '${id}')`);
      await target.exec(store, `UPDATE match_profiles SET keys = NULL WHERE profile_id = '${id}'`);
      expect(await backfill()).toBe(1);
      expect(await store.matching.profilesByMatchKeys(['00000000000000ff'], 10)).toEqual([]);
      expect(await store.matching.matchKeysOfProfile(id)).toEqual(keysOf(id, ANN));
    });

    it("every writer goes by the database's switch: one another process set is seen by the next transaction", async () => {
      await send(identify('ann', ANN)); // this writer has read the switch: off
      await target.exec(store, 'UPDATE match_switch SET incremental = true');
      await send(identify('bo', { firstName: 'Bo', lastName: 'Stone', birthday: '1975-01-02' }));
      const bo = await idOf('bo');
      expect(await store.matching.matchKeysOfProfile(bo)).toBeDefined();

      await target.exec(store, 'UPDATE match_switch SET incremental = false');
      await send(identify('cy', { firstName: 'Cy', lastName: 'Moss', birthday: '1990-09-09' }));
      expect(await store.matching.matchKeysOfProfile(await idOf('cy'))).toBeUndefined();
    });
  });
}

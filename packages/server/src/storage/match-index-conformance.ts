/**
 * The persistent blocking index of incremental matching, as every store keeps it (match-keys.ts): one
 * suite, run by each adapter's test. Events go through the ordinary write path (`applyEvents`); the
 * index is read back through the matching port.
 */
import { DEFAULT_POLICY } from '@kin/core';
import { decodeNormalised, encodeNormalised } from '@kin/core/matching/index.ts';
import type { TrackingEvent } from '@kin/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizerFor } from '../identity/policy-load.ts';
import { matchKeysOf } from '../matching/match-keys.ts';
import { MATCH_NORMALISER, profileToRecord, recordHashOf } from '../matching/match-profiles.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import type { Store } from './storage.ts';
import type { StoreTestTarget } from './store-test-target.ts';

const normalize = normalizerFor(DEFAULT_POLICY);
const deps = { policy: DEFAULT_POLICY, normalize };
let n = 0;
const at = (): string => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const identify = (fields: Partial<TrackingEvent>): TrackingEvent =>
  ({ type: 'identify', messageId: `m${++n}`, timestamp: at(), receivedAt: at(), ...fields }) as TrackingEvent;

/** Runs the suite against one adapter (`exec` turns rows back into the migration's backfill state). */
export function runMatchIndexConformance(target: StoreTestTarget): void {
  describe(`match index (${target.name})`, () => {
    let store: Store;
    const send = (...events: TrackingEvent[]) => store.transaction((tx) => applyEvents(tx, 'web', events, deps));
    const idOf = async (value: string) => (await store.findProfileIdByIdentifier({ type: 'anonymous_id', value }))!;
    const pending = async (id: string) => (await store.matching.pendingMatches(1000)).find((p) => p.profileId === id);

    beforeAll(async () => {
      store = await target.create();
      // The index is kept only while incremental matching is switched on (match-switch-conformance.ts: off).
      await store.matching.switchIncrementalMatching(true);
    });
    afterAll(async () => {
      if (store) await target.destroy(store);
    });

    it('keys a profile in the transaction that sets its person traits, and marks it pending', async () => {
      await send(identify({ anonymousId: 'ann', traits: { firstName: 'Ann', lastName: 'Lee', birthday: '1980-02-03' } }));
      const id = await idOf('ann');
      const traits = [
        { key: 'firstName', value: 'Ann', sourceId: 'web' },
        { key: 'lastName', value: 'Lee', sourceId: 'web' },
        { key: 'birthday', value: '1980-02-03', sourceId: 'web' },
      ];
      expect(await store.matching.matchKeysOfProfile(id)).toEqual(matchKeysOf({ id, traits }));
      expect(await store.matching.profilesByMatchKeys(matchKeysOf({ id, traits }), 10)).toEqual([id]);
      expect(await pending(id)).toBeDefined();
    });

    it('leaves the index alone on events that change no person trait', async () => {
      const id = await idOf('ann');
      const before = await pending(id);
      await store.matching.settleMatches([before!]);
      await send(identify({ anonymousId: 'ann', traits: { plan: 'pro' } }), {
        type: 'track',
        event: 'Viewed',
        anonymousId: 'ann',
        messageId: `m${++n}`,
        timestamp: at(),
        receivedAt: at(),
      } as TrackingEvent);
      await send(identify({ anonymousId: 'ann', traits: { firstName: 'Ann', lastName: 'Lee' } }));
      expect(await pending(id)).toBeUndefined();
    });

    it('re-keys on a changed person trait, and a merge moves the keys to the survivor', async () => {
      const id = await idOf('ann');
      const old = (await store.matching.matchKeysOfProfile(id))!;
      await send(identify({ anonymousId: 'ann', traits: { lastName: 'Lee-Park' } }));
      const renamed = (await store.matching.matchKeysOfProfile(id))!;
      expect(renamed).not.toEqual(old);
      expect(
        await store.matching.profilesByMatchKeys(
          old.filter((k) => !renamed.includes(k)),
          10,
        ),
      ).toEqual([]);
      expect(await pending(id)).toBeDefined();

      await send(
        identify({ anonymousId: 'bo', traits: { firstName: 'Bo', lastName: 'Stone', address: { city: 'Leeds', postalCode: 'LS1 1AA' } } }),
      );
      const bo = await idOf('bo');
      const boKeys = (await store.matching.matchKeysOfProfile(bo))!;
      // One user logs in on both browsers: the two profiles merge.
      await send(identify({ anonymousId: 'ann', userId: 'u1' }), identify({ anonymousId: 'bo', userId: 'u1' }));
      const survivor = await idOf('ann');
      expect(await idOf('bo')).toBe(survivor);
      const absorbed = survivor === id ? bo : id;
      expect(await store.matching.matchKeysOfProfile(absorbed)).toBeUndefined();
      const merged = (await store.matching.matchKeysOfProfile(survivor))!;
      for (const key of boKeys.filter((k) => !renamed.includes(k)))
        expect(await store.matching.profilesByMatchKeys([key], 10)).toEqual([survivor]);
      expect(merged.length).toBeGreaterThan(renamed.length);
    });

    it('forgets the keys of a detached profile, and the replay re-keys it without making it an arrival', async () => {
      const id = await idOf('ann');
      const keys = (await store.matching.matchKeysOfProfile(id))!;
      await store.matching.settleMatches((await store.matching.pendingMatches(1000)).filter((p) => p.profileId === id));
      await store.transaction(async (tx) => {
        const detached = await tx.detachProfile(id);
        expect(detached).toBeDefined();
        expect(await store.matching.matchKeysOfProfile(id)).toBeDefined(); // not committed yet: reads see the old keys
      });
      expect(await store.matching.matchKeysOfProfile(id)).toBeUndefined();
      expect(await store.matching.profilesByMatchKeys(keys, 10)).toEqual([]);
    });

    it('backfills profiles the migration marked (keys NULL), without making them arrivals', async () => {
      await send(identify({ anonymousId: 'cy', traits: { firstName: 'Cy', lastName: 'Moss', email: 'cy@example.com' } }));
      const id = await idOf('cy');
      const keys = (await store.matching.matchKeysOfProfile(id))!;
      await target.exec(store, 'DELETE FROM match_keys');
      await target.exec(store, 'DELETE FROM match_profiles');
      await target.exec(
        store,
        "INSERT INTO match_profiles (profile_id) SELECT DISTINCT profile_id FROM traits WHERE key IN ('firstName', 'lastName', 'email')",
      );
      expect(await store.matching.matchKeysOfProfile(id)).toBeUndefined();
      let done = 0;
      for (let step = await store.matching.backfillMatchIndex(1); step > 0; step = await store.matching.backfillMatchIndex(1)) done += step;
      expect(done).toBeGreaterThanOrEqual(1);
      expect(await store.matching.matchKeysOfProfile(id)).toEqual(keys);
      expect(await store.matching.profilesByMatchKeys(keys, 10)).toEqual([id]);
      expect(await pending(id)).toBeUndefined();
    });

    it("keeps each profile's record hash and normalised record: a compared value that changes no key rehashes it, without making it an arrival", async () => {
      const traits = { firstName: 'Di', lastName: 'Hart', birthday: '1970-05-06', address: { city: 'York' } };
      await send(identify({ anonymousId: 'di', traits }));
      const id = await idOf('di');
      const hashOf = (t: Record<string, unknown>): string =>
        recordHashOf(
          profileToRecord({ id, traits: Object.entries(t).map(([key, value]) => ({ key, value, sourceId: 'web' })) }, (s) => s)!,
        );
      // What the write path stores: the record of that hash, normalised, decoding to what normalising the traits gives.
      const candidate = (t: Record<string, unknown>) => {
        const record = profileToRecord(
          { id, traits: Object.entries(t).map(([key, value]) => ({ key, value, sourceId: 'web' })) },
          (s) => s,
        )!;
        const normalised = encodeNormalised(MATCH_NORMALISER.normalise({ key: id, values: record.values }));
        expect(decodeNormalised(normalised, id, MATCH_NORMALISER)).toEqual(MATCH_NORMALISER.normalise({ key: id, values: record.values }));
        return { profileId: id, recordHash: hashOf(t), normalised };
      };
      const keys = (await store.matching.matchKeysOfProfile(id))!;
      expect(await store.matching.candidatesByMatchKeys(keys, 10)).toEqual([candidate(traits)]);
      await store.matching.settleMatches((await store.matching.pendingMatches(1000)).filter((p) => p.profileId === id));

      // The city is compared but in no key: the keys stay, the hash follows the values.
      const moved = { ...traits, address: { city: 'Hull' } };
      await send(identify({ anonymousId: 'di', traits: { address: moved.address } }));
      expect(await store.matching.matchKeysOfProfile(id)).toEqual(keys);
      expect(hashOf(moved)).not.toBe(hashOf(traits));
      expect(await store.matching.candidatesByMatchKeys(keys, 10)).toEqual([candidate(moved)]);
      expect(await pending(id)).toBeUndefined();

      // Rows indexed before the hash or the normalised record existed (their migrations) are completed by the backfill.
      const backfill = async (): Promise<number> => {
        let done = 0;
        for (let step = await store.matching.backfillMatchIndex(1); step > 0; step = await store.matching.backfillMatchIndex(1))
          done += step;
        return done;
      };
      await target.exec(store, 'UPDATE match_profiles SET record_hash = NULL, normalised = NULL');
      expect(await store.matching.candidatesByMatchKeys(keys, 10)).toEqual([{ profileId: id, recordHash: null, normalised: null }]);
      expect(await backfill()).toBeGreaterThanOrEqual(1);
      expect(await store.matching.candidatesByMatchKeys(keys, 10)).toEqual([candidate(moved)]);
      await target.exec(store, 'UPDATE match_profiles SET normalised = NULL');
      expect(await store.matching.candidatesByMatchKeys(keys, 10)).toEqual([{ ...candidate(moved), normalised: null }]);
      expect(await backfill()).toBeGreaterThanOrEqual(1);
      expect(await store.matching.candidatesByMatchKeys(keys, 10)).toEqual([candidate(moved)]);
      expect(await pending(id)).toBeUndefined();
    });

    it('finds candidates key by key, newest first under each key, each once, at most the limit', async () => {
      // Three namesakes (one name key), two of them also sharing a surname and postcode with a fourth.
      const people = [
        ['eve1', { firstName: 'Eve', lastName: 'Lark', address: { postalCode: 'YO1 7HH' } }],
        ['eve2', { firstName: 'Eve', lastName: 'Lark', address: { postalCode: 'YO1 7HH' } }],
        ['eve3', { firstName: 'Eve', lastName: 'Lark', address: { postalCode: 'HU1 2AA' } }],
        ['lark', { firstName: 'Tom', lastName: 'Lark', address: { postalCode: 'YO1 7HH' } }],
      ] as const;
      for (const [anonymousId, traits] of people) await send(identify({ anonymousId, traits }));
      const ids = await Promise.all(people.map(([a]) => idOf(a)));
      const keysOf = async (i: number) => (await store.matching.matchKeysOfProfile(ids[i]!))!;
      const [eve1, eve3, lark] = [await keysOf(0), await keysOf(2), await keysOf(3)];
      const nameKey = eve1.find((k) => eve3.includes(k) && !lark.includes(k))!;
      const postcodeKey = eve1.find((k) => lark.includes(k) && !eve3.includes(k))!;
      const newest = (of: readonly number[]): string[] => of.map((i) => ids[i]!).sort((a, b) => (a < b ? 1 : -1));
      const found = async (keys: string[], limit: number) =>
        (await store.matching.candidatesByMatchKeys(keys, limit)).map((c) => c.profileId);
      expect(await found([nameKey], 10)).toEqual(newest([0, 1, 2]));
      expect(await found([nameKey], 2)).toEqual(newest([0, 1, 2]).slice(0, 2));
      expect(await found([nameKey, postcodeKey], 10)).toEqual([...newest([0, 1, 2]), ids[3]]);
      expect(await found([postcodeKey, nameKey], 10)).toEqual([...newest([0, 1, 3]), ids[2]]);
      expect(await found([postcodeKey, nameKey], 3)).toEqual(newest([0, 1, 3]));
      expect(await found([], 10)).toEqual([]);
    });
  });
}

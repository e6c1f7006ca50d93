/**
 * Trait source ranks (trust) before time, and the trait history a store keeps per trait.
 * Registered in this order by runStorageConformance (storage-conformance.ts) inside its describe.
 */
import { applyRow } from '../testing/apply-row.ts';
import { beforeAll, expect, it } from 'vitest';
import type { Store, StoreTx } from './storage.ts';
import { TRAIT_HISTORY_KEPT } from './storage.ts';
import type { ConformanceSuite } from './storage-conformance-fixtures.ts';
import { T0, event, id, plan } from './storage-conformance-fixtures.ts';

/** Registers these cases on the suite's store. */
export function registerTraitRankCases(suite: ConformanceSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store();
  });
  const { newProfile } = suite;

  it('ranks trait sources before time (trust), in one transaction and across them, and through merges', async () => {
    const profileId = await newProfile([id('user_id', 'u-trust')]);
    const write = (
      tx: StoreTx,
      target: string,
      set: Record<string, unknown>,
      unset: string[],
      trust: number,
      timestamp: string,
      sourceId: string,
    ) =>
      applyRow(tx, {
        event: event({ timestamp }),
        sourceId,
        plan: plan({ target: { kind: 'existing', profileId: target }, traits: { set, unset, trust: { email: trust } } }),
      });
    await store.transaction((tx) => write(tx, profileId, { email: 'ann@x.io' }, [], 2, '2026-11-01T12:00:00.000Z', 'src-web'));
    await store.transaction((tx) => write(tx, profileId, { email: 'nan@x.io' }, [], 1, '2026-11-01T13:00:00.000Z', 'src-crm'));
    expect((await store.findProfile(profileId))?.traits).toEqual({ email: 'ann@x.io' });
    await store.transaction((tx) => write(tx, profileId, {}, ['email'], 1, '2026-11-01T14:00:00.000Z', 'src-crm'));
    expect((await store.findProfile(profileId))?.traits).toEqual({ email: 'ann@x.io' });
    // Both in one transaction (a store that buffers writes folds them with the same rule).
    await store.transaction(async (tx) => {
      await write(tx, profileId, { email: 'late@x.io' }, [], 1, '2026-11-01T15:00:00.000Z', 'src-crm');
      await write(tx, profileId, { email: 'ann@new.io' }, [], 2, '2026-11-01T11:00:00.000Z', 'src-web');
    });
    expect((await store.findProfile(profileId))?.traits).toEqual({ email: 'ann@x.io' });
    await store.transaction((tx) => write(tx, profileId, { email: 'ann@new.io' }, [], 2, '2026-11-01T16:00:00.000Z', 'src-web'));
    expect((await store.findProfile(profileId))?.traits).toEqual({ email: 'ann@new.io' });
    // A merge keeps the more trusted value even when the other side's is newer, for stored and new profiles.
    const crmOnly = await newProfile(
      [id('crm_id', 'c-trust')],
      { traits: { set: { email: 'typo@x.io' }, unset: [], trust: { email: 1 } } },
      event({ timestamp: '2026-11-01T18:00:00.000Z' }),
    );
    const mergeInto = (tx: StoreTx, absorbedId: string) =>
      applyRow(tx, {
        event: event({ timestamp: '2026-11-01T19:00:00.000Z' }),
        sourceId: 'src-1',
        plan: plan({ target: { kind: 'existing', profileId }, merges: [{ survivorId: profileId, absorbedId, rule: 'merge', via: [] }] }),
      });
    await store.transaction((tx) => mergeInto(tx, crmOnly));
    expect((await store.findProfile(profileId))?.traits).toEqual({ email: 'ann@new.io' });
    await store.transaction(async (tx) => {
      const { profileId: fresh } = await applyRow(tx, {
        event: event({ timestamp: '2026-11-01T20:00:00.000Z' }),
        sourceId: 'src-crm',
        plan: plan({
          links: [{ identifier: id('crm_id', 'c-trust-2'), rule: 'new_profile' }],
          traits: { set: { email: 'other@x.io' }, unset: [], trust: { email: 1 } },
        }),
      });
      await mergeInto(tx, fresh!);
    });
    expect((await store.findProfile(profileId))?.traits).toEqual({ email: 'ann@new.io' });
    const history = await store.listTraitHistory(profileId);
    expect(history.map((h) => [h.key, h.value, h.sourceId, h.trust])).toEqual([['email', 'ann@new.io', 'src-web', 2]]);
    expect(history[0]?.history.map((h) => [h.value, h.timestamp, h.sourceId, h.trust])).toEqual([
      ['other@x.io', '2026-11-01T20:00:00.000Z', 'src-crm', 1],
      ['typo@x.io', '2026-11-01T18:00:00.000Z', 'src-1', 1],
      ['ann@new.io', '2026-11-01T16:00:00.000Z', 'src-web', 2],
      ['late@x.io', '2026-11-01T15:00:00.000Z', 'src-crm', 1],
      [null, '2026-11-01T14:00:00.000Z', 'src-crm', 1],
      ['nan@x.io', '2026-11-01T13:00:00.000Z', 'src-crm', 1],
      ['ann@x.io', '2026-11-01T12:00:00.000Z', 'src-web', 2],
      ['ann@new.io', '2026-11-01T11:00:00.000Z', 'src-web', 2],
    ]);
  });

  it('keeps the newest TRAIT_HISTORY_KEPT values of a trait by event time, unset traits included', async () => {
    const profileId = await newProfile([id('user_id', 'u-history')]);
    const at = (n: number) => new Date(Date.parse(T0) + n * 60_000).toISOString();
    const order = Array.from({ length: TRAIT_HISTORY_KEPT + 5 }, (_, n) => (n * 7) % (TRAIT_HISTORY_KEPT + 5));
    for (const n of order) {
      await store.transaction((tx) =>
        applyRow(tx, {
          event: event({ timestamp: at(n) }),
          sourceId: 'src-1',
          plan: plan({ target: { kind: 'existing', profileId }, traits: { set: { visits: n }, unset: ['gone'] } }),
        }),
      );
    }
    const [gone, visits] = await store.listTraitHistory(profileId);
    expect(visits?.value).toBe(TRAIT_HISTORY_KEPT + 4);
    expect(visits?.history.map((h) => h.value)).toEqual(Array.from({ length: TRAIT_HISTORY_KEPT }, (_, i) => TRAIT_HISTORY_KEPT + 4 - i));
    expect(gone).toMatchObject({ key: 'gone', value: null });
    expect(gone?.history).toHaveLength(TRAIT_HISTORY_KEPT);
    expect(await store.listTraitHistory('no-such-profile')).toEqual([]);
  });

  it('keeps the newest TRAIT_HISTORY_KEPT values when one transaction writes several values past the limit', async () => {
    const profileId = await newProfile([id('user_id', 'u-history-batch')]);
    const at = (n: number) => new Date(Date.parse(T0) + n * 60_000).toISOString();
    const write = (tx: StoreTx, n: number) =>
      applyRow(tx, {
        event: event({ timestamp: at(n) }),
        sourceId: 'src-1',
        plan: plan({ target: { kind: 'existing', profileId }, traits: { set: { score: n }, unset: [] } }),
      });
    // Just under the limit, then four more in one transaction, two of them older than every stored value.
    await store.transaction(async (tx) => {
      for (let n = 10; n < 10 + TRAIT_HISTORY_KEPT - 1; n++) await write(tx, n);
    });
    await store.transaction(async (tx) => {
      for (const n of [100, 1, 101, 2]) await write(tx, n);
    });
    const [score] = await store.listTraitHistory(profileId);
    const stored = Array.from({ length: TRAIT_HISTORY_KEPT - 1 }, (_, i) => 10 + i);
    const newestFirst = [...stored, 100, 1, 101, 2].sort((a, b) => b - a).slice(0, TRAIT_HISTORY_KEPT);
    expect(score?.history.map((h) => h.value)).toEqual(newestFirst);
  });

  it('folds a repeated trait value into its newest history entry, and moves only the time and source of an unchanged value', async () => {
    const profileId = await newProfile([id('user_id', 'u-repeat')]);
    const at = (n: number) => new Date(Date.parse(T0) + n * 60_000).toISOString();
    const write = (tx: StoreTx, n: number, sourceId: string, set: Record<string, unknown>) =>
      applyRow(tx, {
        event: event({ timestamp: at(n) }),
        sourceId,
        plan: plan({ target: { kind: 'existing', profileId }, traits: { set, unset: [] } }),
      });
    await store.transaction((tx) => write(tx, 2, 'src-a', { plan: 'pro', name: 'Ann Lee' }));
    await store.transaction((tx) => write(tx, 3, 'src-a', { plan: 'pro', name: 'Ann Lee' }));
    await store.transaction((tx) => write(tx, 4, 'src-b', { plan: 'pro', name: 'Ann Lee' }));
    // In one transaction too (a store that buffers writes folds them there), and an older repeat stays apart.
    await store.transaction(async (tx) => {
      await write(tx, 5, 'src-b', { plan: 'team' });
      await write(tx, 6, 'src-b', { plan: 'team' });
      await write(tx, 1, 'src-a', { plan: 'pro' });
    });
    await store.transaction((tx) => write(tx, 7, 'src-b', { plan: 'team' }));
    const history = new Map(
      (await store.listTraitHistory(profileId)).map((trait) => [trait.key, trait.history.map((h) => [h.value, h.timestamp, h.sourceId])]),
    );
    expect(history.get('plan')).toEqual([
      ['team', at(7), 'src-b'],
      ['pro', at(4), 'src-b'],
      ['pro', at(3), 'src-a'],
      ['pro', at(1), 'src-a'],
    ]);
    expect(history.get('name')).toEqual([
      ['Ann Lee', at(4), 'src-b'],
      ['Ann Lee', at(3), 'src-a'],
    ]);
    const traits = await store.listTraits(profileId);
    expect(traits.map((t) => [t.key, t.value, t.timestamp, t.sourceId])).toEqual([
      ['name', 'Ann Lee', at(4), 'src-b'],
      ['plan', 'team', at(7), 'src-b'],
    ]);
    expect(await store.profileIdsByName({ prefix: 'lee', limit: 10 })).toContain(profileId);
  });
}

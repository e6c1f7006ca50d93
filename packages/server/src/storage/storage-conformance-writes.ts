/**
 * What a store does with the plans it is given: sources, message id claims, rollback, new profiles, trait
 * order by time, merges and their chains.
 * Registered in this order by runStorageConformance (storage-conformance.ts) inside its describe.
 */
import { applyRow } from '../testing/apply-row.ts';
import { beforeAll, expect, it } from 'vitest';
import type { Store } from './storage.ts';
import { LAST_SEEN_GRANULARITY_MS } from './storage.ts';
import type { ConformanceSuite } from './storage-conformance-fixtures.ts';
import { T0, event, id, plan } from './storage-conformance-fixtures.ts';

/** Registers these cases on the suite's store. */
export function registerWriteCases(suite: ConformanceSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store();
  });
  const { newProfile } = suite;

  it('moves lastSeen only by LAST_SEEN_GRANULARITY_MS or more, and firstSeen back for an older event', async () => {
    const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
    const touched = id('anonymous_id', 'seen-anon');
    const profileId = await newProfile([touched], {}, event({ timestamp: at(0) }));
    const touch = (minutes: number) =>
      store.transaction((tx) =>
        applyRow(tx, {
          event: event({ timestamp: at(minutes) }),
          sourceId: 'src-1',
          plan: plan({ target: { kind: 'existing', profileId }, touches: [touched] }),
        }),
      );
    const seen = async () => (await store.findProfile(profileId))?.externalIds.find((e) => e.value === 'seen-anon');
    const step = LAST_SEEN_GRANULARITY_MS / 60_000;
    await touch(step - 1);
    expect(await seen()).toMatchObject({ firstSeen: at(0), lastSeen: at(0) });
    await touch(step);
    expect(await seen()).toMatchObject({ firstSeen: at(0), lastSeen: at(step) });
    await touch(-5);
    expect(await seen()).toMatchObject({ firstSeen: at(-5), lastSeen: at(step) });
  });

  it('creates, finds and revokes sources by write key hash', async () => {
    const created = await store.createSource({ name: 'web', writeKeyHash: 'h-web', createdAt: T0 });
    expect((await store.findSourceByKeyHash('h-web'))?.id).toBe(created.id);
    expect(await store.findSourceByKeyHash('h-other')).toBeUndefined();
    expect((await store.revokeSource('web', T0))?.revokedAt).toBe(T0);
    expect(await store.findSourceByKeyHash('h-web')).toBeUndefined();
    expect(await store.findSourceByKeyHash('h-web', { includeRevoked: true })).toMatchObject({
      id: created.id,
      name: 'web',
      revokedAt: T0,
    });
    expect(await store.revokeSource('web', T0)).toBeUndefined();
    const again = await store.createSource({ name: 'web', writeKeyHash: 'h-web-2', createdAt: T0 });
    expect((await store.listSources()).filter((s) => s.name === 'web').map((s) => s.id)).toContain(again.id);
  });

  it('claims message ids exactly once per source, across transactions', async () => {
    const first = await store.transaction((tx) => tx.claimMessageIds('src-1', ['a', 'b', 'a']));
    expect(first).toEqual([true, true, false]);
    const second = await store.transaction((tx) => tx.claimMessageIds('src-1', ['b', 'c']));
    expect(second).toEqual([false, true]);
    const otherSource = await store.transaction((tx) => tx.claimMessageIds('src-2', ['a']));
    expect(otherSource).toEqual([true]);
  });

  it('rolls back everything when the callback throws', async () => {
    const before = await store.stats();
    await expect(
      store.transaction(async (tx) => {
        await tx.claimMessageIds('src-1', ['rolled-back']);
        await applyRow(tx, {
          event: event(),
          sourceId: 'src-1',
          plan: plan({ links: [{ identifier: id('user_id', 'ghost'), rule: 'new_profile' }] }),
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.stats()).toEqual(before);
    expect(await store.findProfileIdByIdentifier(id('user_id', 'ghost'))).toBeUndefined();
    expect(await store.transaction((tx) => tx.claimMessageIds('src-1', ['rolled-back']))).toEqual([true]);
  });

  it('creates a profile with its identifiers, traits and event', async () => {
    const ev = event({ type: 'identify', userId: 'u-create', timestamp: '2026-11-01T09:00:00.000Z' });
    const profileId = await newProfile(
      [id('user_id', 'u-create'), id('email', 'c@example.com')],
      { traits: { set: { plan: 'pro' }, unset: [] } },
      ev,
    );
    expect(await store.findProfileIdByIdentifier(id('email', 'c@example.com'))).toBe(profileId);
    const profile = await store.findProfile(profileId);
    expect(profile?.traits).toEqual({ plan: 'pro' });
    expect(profile?.externalIds.map((e) => `${e.type}:${e.value}`)).toEqual(['email:c@example.com', 'user_id:u-create']);
    expect(profile?.externalIds[0]).toMatchObject({
      sourceId: 'src-1',
      firstSeen: '2026-11-01T09:00:00.000Z',
      lastSeen: '2026-11-01T09:00:00.000Z',
    });
    const events = await store.listProfileEvents(profileId, { limit: 10 });
    expect(events.data.map((e) => e.messageId)).toEqual([ev.messageId]);
    expect(events.data[0]).toMatchObject({ sourceId: 'src-1', profileId, userId: 'u-create', receivedAt: T0 });
  });

  it('keeps the later value of a trait: older events never overwrite, null removes with a tombstone', async () => {
    const profileId = await newProfile([id('user_id', 'u-traits')]);
    const setTraits = (set: Record<string, unknown>, unset: string[], timestamp: string) =>
      store.transaction((tx) =>
        applyRow(tx, {
          event: event({ timestamp }),
          sourceId: 'src-2',
          plan: plan({ target: { kind: 'existing', profileId }, traits: { set, unset } }),
        }),
      );
    await setTraits({ city: 'Berlin', name: 'Ann' }, [], '2026-11-01T12:00:00.000Z');
    await setTraits({ city: 'Paris' }, [], '2026-11-01T11:00:00.000Z');
    expect((await store.findProfile(profileId))?.traits).toEqual({ city: 'Berlin', name: 'Ann' });
    await setTraits({}, ['name'], '2026-11-01T13:00:00.000Z');
    await setTraits({ name: 'Old Ann' }, [], '2026-11-01T12:30:00.000Z');
    expect((await store.findProfile(profileId))?.traits).toEqual({ city: 'Berlin' });
    const traits = await store.listTraits(profileId);
    expect(traits).toEqual([{ key: 'city', value: 'Berlin', timestamp: '2026-11-01T12:00:00.000Z', sourceId: 'src-2' }]);
  });

  it('merges: identifiers, traits (later wins), events and ledger move to the survivor; the absorbed id forwards', async () => {
    const a = await newProfile(
      [id('anonymous_id', 'm-anon')],
      { traits: { set: { color: 'red', size: 'M' }, unset: [] } },
      event({ timestamp: '2026-11-01T08:00:00.000Z' }),
    );
    const b = await newProfile(
      [id('user_id', 'm-user')],
      { traits: { set: { color: 'blue' }, unset: [] } },
      event({ timestamp: '2026-11-01T09:00:00.000Z' }),
    );
    const trigger = event({ userId: 'm-user', anonymousId: 'm-anon', timestamp: '2026-11-01T10:00:00.000Z' });
    await store.transaction((tx) =>
      applyRow(tx, {
        event: trigger,
        sourceId: 'src-3',
        plan: plan({
          target: { kind: 'existing', profileId: a },
          merges: [{ survivorId: a, absorbedId: b, rule: 'merge', via: [id('anonymous_id', 'm-anon'), id('user_id', 'm-user')] }],
          touches: [id('anonymous_id', 'm-anon'), id('user_id', 'm-user')],
        }),
      }),
    );
    expect(await store.findProfileIdByIdentifier(id('user_id', 'm-user'))).toBe(a);
    const survivor = await store.findProfile(b);
    expect(survivor?.id).toBe(a);
    expect(survivor?.mergedFrom).toEqual([b]);
    expect(survivor?.traits).toEqual({ color: 'blue', size: 'M' });
    expect(survivor?.externalIds.find((e) => e.type === 'user_id')?.lastSeen).toBe('2026-11-01T10:00:00.000Z');
    expect((await store.listProfileEvents(a, { limit: 10 })).data).toHaveLength(3);
    const merges = await store.listProfileMerges(a);
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({ survivorId: a, absorbedId: b, rule: 'merge', messageId: trigger.messageId, sourceId: 'src-3' });
    expect(merges[0]?.via).toEqual([id('anonymous_id', 'm-anon'), id('user_id', 'm-user')]);
  });

  it('chains merges: a profile absorbed earlier forwards to the final survivor', async () => {
    const a = await newProfile([id('anonymous_id', 'c-1')]);
    const b = await newProfile([id('anonymous_id', 'c-2')]);
    const c = await newProfile([id('anonymous_id', 'c-3')]);
    const merge = (survivorId: string, absorbedId: string) =>
      store.transaction((tx) =>
        applyRow(tx, {
          event: event(),
          sourceId: 'src-1',
          plan: plan({
            target: { kind: 'existing', profileId: survivorId },
            merges: [{ survivorId, absorbedId, rule: 'merge', via: [] }],
          }),
        }),
      );
    await merge(b, c);
    await merge(a, b);
    expect((await store.findProfile(c))?.id).toBe(a);
    expect((await store.findProfile(a))?.mergedFrom.sort()).toEqual([b, c].sort());
    const snapshot = await store.transaction((tx) => tx.loadSnapshot([id('anonymous_id', 'c-3'), id('anonymous_id', 'nope')]));
    expect(snapshot.known.map((k) => k.profileId)).toEqual([a]);
    expect(
      snapshot.profiles
        .get(a)
        ?.identifiers.map((i) => i.value)
        .sort(),
    ).toEqual(['c-1', 'c-2', 'c-3']);
    expect(snapshot.profiles.get(a)?.mergeCount).toBe(2);
  });
}

import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, prepareEvent } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/storage.ts';
import { decide, decideAndApply } from './decide-apply.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

const normalize = normalizerFor(DEFAULT_POLICY);
const at = '2026-11-01T10:00:00.000Z';
const identify = (messageId: string, userId: string, anonymousId: string, traits: Record<string, unknown> = {}): TrackingEvent =>
  ({ type: 'identify', messageId, userId, anonymousId, traits, timestamp: at, receivedAt: at }) as TrackingEvent;
const prepared = (event: TrackingEvent) => prepareEvent(event, DEFAULT_POLICY, normalize);

async function open(): Promise<Store> {
  const store = await openSqliteStore({ path: ':memory:' });
  stores.push(store);
  return store;
}

describe('decideAndApply', () => {
  it('writes the plan that decide alone answers, and decide writes nothing', async () => {
    const store = await open();
    const event = identify('m1', 'u-1', 'a-1', { plan: 'pro' });
    const dry = await store.transaction((tx) => decide(tx, prepared(event), DEFAULT_POLICY));
    expect(dry.plan.target).toEqual({ kind: 'new' });
    expect(dry.snapshot.known).toEqual([]);
    expect((await store.stats()).profiles).toBe(0);

    const applied = await store.transaction((tx) =>
      decideAndApply(tx, prepared(event), { event, sourceId: 'src-1', payload: JSON.stringify(event) }, DEFAULT_POLICY),
    );
    expect(applied.written).toBe(true);
    expect(applied.plan.links.map((l) => l.identifier).sort((x, y) => x.type.localeCompare(y.type))).toEqual(
      dry.plan.links.map((l) => l.identifier).sort((x, y) => x.type.localeCompare(y.type)),
    );
    const profile = await store.findProfile(applied.profileId!);
    expect(profile?.traits['plan']).toBe('pro');
    expect(await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-1' })).toBe(applied.profileId);

    // The next event on the same person is decided against what was written.
    const next = identify('m2', 'u-1', 'a-2');
    const again = await store.transaction((tx) => decide(tx, prepared(next), DEFAULT_POLICY));
    expect(again.plan.target).toEqual({ kind: 'existing', profileId: applied.profileId });
  });

  it('writes nothing when refine answers undefined, and writes the narrower plan refine answers', async () => {
    const store = await open();
    const event = identify('m1', 'u-1', 'a-1', { plan: 'pro' });
    const skipped = await store.transaction((tx) =>
      decideAndApply(
        tx,
        prepared(event),
        { event, sourceId: 'src-1', payload: JSON.stringify(event) },
        DEFAULT_POLICY,
        {},
        () => undefined,
      ),
    );
    expect(skipped).toMatchObject({ written: false, profileId: undefined });
    expect(skipped.plan.target).toEqual({ kind: 'new' });
    expect(await store.stats()).toMatchObject({ profiles: 0, events: 0 });

    const narrowed = await store.transaction((tx) =>
      decideAndApply(tx, prepared(event), { event, sourceId: 'src-1', payload: JSON.stringify(event) }, DEFAULT_POLICY, {}, ({ plan }) => ({
        ...plan,
        traits: { set: {}, unset: [] },
      })),
    );
    expect(narrowed.written).toBe(true);
    expect(narrowed.plan.traits.set).toEqual({ plan: 'pro' });
    expect((await store.findProfile(narrowed.profileId!))?.traits).toEqual({});
  });
});

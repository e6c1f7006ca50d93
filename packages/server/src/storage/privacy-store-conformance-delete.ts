/**
 * Deleting a whole person: every merged profile, their identifiers, events, merges, warnings and the refusals
 * that name them, and nobody else; the counters follow.
 * Registered by runPrivacyConformance (privacy-store-conformance.ts) inside its describe, in this order.
 */
import { beforeAll, expect, it } from 'vitest';
import type { TrackingEvent } from '@kin/core';
import { applyRow } from '../testing/apply-row.ts';
import type { PrivacyStore } from './privacy-store.ts';
import type { Store } from './storage.ts';
import type { PrivacySuite } from './privacy-store-conformance-fixtures.ts';
import { T0, ev } from './privacy-store-conformance-fixtures.ts';

/** Registers these cases on the suite's store. */
export function registerPrivacyDeleteCases(suite: PrivacySuite): void {
  let store: Store;
  let privacy: PrivacyStore;
  beforeAll(() => {
    store = suite.store();
    privacy = store.privacy;
  });
  const { ingest, target } = suite;

  it('deletes a whole person (merged profiles too) and nobody else, with the counters', async () => {
    await ingest('src-a', [
      ev({
        type: 'identify',
        userId: 'del-u',
        anonymousId: 'del-anon-1',
        traits: { email: 'del@example.com', phone: '+14155550100' },
      } as Partial<TrackingEvent>),
      ev({ anonymousId: 'del-anon-2' }),
      ev({
        type: 'identify',
        anonymousId: 'keep-anon',
        userId: 'keep-u',
        traits: { email: 'keep@example.com' },
      } as Partial<TrackingEvent>),
    ]);
    // A second profile folded in by a merge: del-anon-2 meets del-u.
    await ingest('src-b', [
      ev({ userId: 'del-u', anonymousId: 'del-anon-2' }),
      ev({ userId: 'del-u', context: { consent: { categoryPreferences: { ads: true } } } } as Partial<TrackingEvent>),
    ]);
    const live = (await store.findProfileIdByIdentifier({ type: 'email', value: 'del@example.com' }))!;
    const family = await privacy.profileFamily(live);
    expect(family.length).toBe(2);
    await store.addWarnings([{ kind: 'cap_reached', message: 'del-u warning', profileId: live, createdAt: T0 }]);
    // Someone else's event refused the person's email: the refusal names it.
    const keep = (await store.findProfileIdByIdentifier({ type: 'email', value: 'keep@example.com' }))!;
    const refused = [{ identifier: { type: 'email', value: 'del@example.com' }, reason: 'blocked' as const, detail: 'test' }];
    const plan = {
      target: { kind: 'existing' as const, profileId: keep },
      merges: [],
      links: [],
      touches: [],
      refused,
      traits: { set: {}, unset: [] },
      warnings: [],
    };
    await store.transaction((tx) => applyRow(tx, { event: ev({ anonymousId: 'keep-anon' }), sourceId: 'src-a', plan }));
    expect((await store.explainProfile(keep))?.refusals.map((r) => r.value)).toEqual(['del@example.com']);
    expect((await privacy.listProfileWarnings(family)).map((w) => w.message)).toEqual(['del-u warning']);
    const before = await store.stats();

    const deleted = await privacy.deletePerson(family[1]!, [{ key: 'email.x', kind: 'tombstone', requestId: 'rdel' }], T0);
    expect(deleted).toEqual({ profiles: 2, profileIds: family, events: 4, identifiers: 5 });
    for (const [type, value] of [
      ['email', 'del@example.com'],
      ['phone', '+14155550100'],
      ['user_id', 'del-u'],
      ['anonymous_id', 'del-anon-1'],
      ['anonymous_id', 'del-anon-2'],
    ] as const) {
      expect(await store.findProfileIdByIdentifier({ type, value })).toBeUndefined();
    }
    for (const id of family) expect(await store.findProfile(id)).toBeUndefined();
    expect(await store.searchProfiles({ value: 'del@example.com', limit: 5 })).toEqual([]);
    expect(await privacy.listProfileWarnings(family)).toEqual([]);
    expect(await store.listProfileMerges(live)).toEqual([]);
    const after = await store.stats();
    expect(after).toMatchObject({
      events: before.events - 4,
      profiles: before.profiles - 1,
      externalIds: before.externalIds - 5,
      merges: before.merges - 1,
      warnings: before.warnings - 1,
    });
    if (target.recount) expect(await target.recount(store)).toEqual(after);
    expect((await privacy.listKeys()).filter((k) => k.requestId === 'rdel')).toEqual([
      { key: 'email.x', kind: 'tombstone', requestId: 'rdel' },
    ]);

    expect((await store.explainProfile(keep))?.refusals).toEqual([]);
    expect((await store.listProfileEvents(keep, { limit: 10 })).data).toHaveLength(2);
    expect(await privacy.deletePerson('no-such-profile', [], T0)).toBeUndefined();
    expect(await privacy.scrub()).toBe(true);
  });
}

/**
 * The reads behind the dashboard: source names, search by identifier and trait, name prefixes, the live
 * profile list and event volume per source.
 * Registered in this order by runStorageConformance (storage-conformance.ts) inside its describe.
 */
import { applyRow } from '../testing/apply-row.ts';
import { beforeAll, expect, it } from 'vitest';
import type { Store } from './storage.ts';
import type { ConformanceSuite } from './storage-conformance-fixtures.ts';
import { T0, event, id, plan } from './storage-conformance-fixtures.ts';

/** Registers these cases on the suite's store. */
export function registerReadCases(suite: ConformanceSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store();
  });
  const { newProfile } = suite;

  it('names a source by id inside a transaction', async () => {
    const created = await store.createSource({ name: 'crm-named', writeKeyHash: 'h-crm-named', createdAt: T0 });
    expect(await store.transaction((tx) => tx.sourceName(created.id))).toBe('crm-named');
    expect(await store.transaction((tx) => tx.sourceName('no-such-source'))).toBeUndefined();
  });

  it('searches profiles by identifier value (any type or one type) and by trait value', async () => {
    const profileId = await newProfile([id('email', 'search@example.com'), id('twitter', 'searcher')], {
      traits: { set: { city: 'Lisbon' }, unset: [] },
    });
    const byEmail = await store.searchProfiles({ value: 'search@example.com', limit: 10 });
    expect(byEmail.map((m) => [m.id, m.matchedOn])).toEqual([[profileId, 'identifier:email']]);
    expect(byEmail[0]?.traits).toEqual({ city: 'Lisbon' });
    expect(await store.searchProfiles({ value: 'searcher', type: 'email', limit: 10 })).toEqual([]);
    expect((await store.searchProfiles({ value: 'searcher', type: 'twitter', limit: 10 })).map((m) => m.id)).toEqual([profileId]);
    const byTrait = await store.searchProfiles({ value: 'Lisbon', limit: 10 });
    expect(byTrait.map((m) => [m.id, m.matchedOn])).toEqual([[profileId, 'trait:city']]);
  });

  it('finds profiles by the start of a name trait, case-insensitively (ASCII), in name order', async () => {
    const farid = await newProfile([id('user_id', 'name-farid')], {
      traits: { set: { firstName: 'Farid', lastName: 'Fischer', city: 'Farum' }, unset: [] },
    });
    const fiona = await newProfile([id('user_id', 'name-fiona')], { traits: { set: { name: 'Fiona Fabian' }, unset: [] } });
    const ozil = await newProfile([id('user_id', 'name-ozil')], { traits: { set: { lastName: 'Özil' }, unset: [] } });
    expect(await store.profileIdsByName({ prefix: 'farid', limit: 10 })).toEqual([farid]);
    expect(await store.profileIdsByName({ prefix: 'fisch', limit: 10 })).toEqual([farid]);
    expect(await store.profileIdsByName({ prefix: 'f', limit: 10 })).toEqual([farid, fiona]);
    expect(await store.profileIdsByName({ prefix: 'f', limit: 1 })).toEqual([farid]);
    expect(await store.profileIdsByName({ prefix: 'fiona fab', limit: 10 })).toEqual([fiona]);
    // A later word of a full name, after the names that start with the prefix.
    expect(await store.profileIdsByName({ prefix: 'fabian', limit: 10 })).toEqual([fiona]);
    expect(await store.profileIdsByName({ prefix: 'fa', limit: 10 })).toEqual([farid, fiona]);
    expect(await store.profileIdsByName({ prefix: 'farum', limit: 10 })).toEqual([]);
    expect(await store.profileIdsByName({ prefix: 'f%', limit: 10 })).toEqual([]);
    // lower() folds ASCII everywhere; PostgreSQL may fold more, so callers also try the capitalised prefix.
    const ozilHits = [
      ...(await store.profileIdsByName({ prefix: 'özil', limit: 10 })),
      ...(await store.profileIdsByName({ prefix: 'Özil', limit: 10 })),
    ];
    expect([...new Set(ozilHits)]).toEqual([ozil]);
    await store.transaction((tx) =>
      applyRow(tx, {
        event: event(),
        sourceId: 'src-1',
        plan: plan({ target: { kind: 'existing', profileId: farid }, traits: { set: {}, unset: ['firstName'] } }),
      }),
    );
    expect(await store.profileIdsByName({ prefix: 'farid', limit: 10 })).toEqual([]);
  });

  it('lists live profiles by creation order, as many as stats() counts', async () => {
    const all = await store.listProfileIds({ order: 'newest', limit: 1000, offset: 0 });
    expect(all).toHaveLength((await store.stats()).profiles);
    expect(all).toEqual([...all].sort().reverse());
    expect(await store.listProfileIds({ order: 'oldest', limit: 2, offset: 1 })).toEqual([...all].reverse().slice(1, 3));
  });

  it('reports events per source and per time bucket', async () => {
    const source = await store.createSource({ name: 'volume', writeKeyHash: 'h-volume', createdAt: T0 });
    const at = (receivedAt: string) =>
      store.transaction((tx) =>
        applyRow(tx, {
          event: event({ receivedAt, timestamp: receivedAt }),
          sourceId: source.id,
          plan: plan({ links: [{ identifier: id('anonymous_id', `vol-${receivedAt}`), rule: 'new_profile' }] }),
        }),
      );
    await at('2026-11-03T10:00:10.000Z');
    await at('2026-11-03T10:00:50.000Z');
    await at('2026-11-03T10:01:30.000Z');
    const volume = await store.eventVolume({ since: '2026-11-03T10:00:00.000Z', bucketMinutes: 1 });
    expect(volume.filter((v) => v.sourceId === source.id)).toEqual([
      { sourceId: source.id, bucket: '2026-11-03T10:00:00.000Z', events: 2 },
      { sourceId: source.id, bucket: '2026-11-03T10:01:00.000Z', events: 1 },
    ]);
    const activity = (await store.sourceActivity()).find((a) => a.sourceId === source.id);
    expect(activity).toEqual({ sourceId: source.id, events: 3, lastEventAt: '2026-11-03T10:01:30.000Z' });
  });
}

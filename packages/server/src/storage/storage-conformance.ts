/**
 * The storage conformance suite: one function every adapter's test file calls. Plans are written by hand
 * here so the suite tests what a store does with a plan, independent of the resolver's decisions.
 */
import { applyRow } from '../testing/apply-row.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identifier, ResolutionPlan, TrackingEvent } from '@kin/core';
import type { Store, StoreStats, StoreTx } from './storage.ts';
import { LAST_SEEN_GRANULARITY_MS, TRAIT_HISTORY_KEPT } from './storage.ts';

/** How a test file plugs its adapter in. */
export interface ConformanceTarget {
  name: string;
  /** A fresh, migrated, empty store. */
  create: () => Promise<Store>;
  /** Drops whatever `create` made (database, files). */
  destroy?: (store: Store) => Promise<void>;
  /** Counts the store's rows with `RECOUNT_SQL` over another connection (stores that allow one). */
  recount?: (store: Store) => Promise<StoreStats>;
}

/** What `Store.stats()` must equal, counted row by row (one row: events, profiles, external_ids, merges, warnings). */
export const RECOUNT_SQL = `SELECT (SELECT count(*) FROM events) AS events,
  (SELECT count(*) FROM profiles WHERE merged_into IS NULL) AS profiles, (SELECT count(*) FROM identifiers) AS external_ids,
  (SELECT count(*) FROM merges) AS merges, (SELECT coalesce(sum(count), 0) FROM warnings) AS warnings`;

const T0 = '2026-11-01T10:00:00.000Z';
let seq = 0;

function event(overrides: Partial<TrackingEvent> & { timestamp?: string } = {}): TrackingEvent {
  seq++;
  return {
    type: 'track',
    event: 'Viewed',
    messageId: `msg-${seq}`,
    anonymousId: `anon-${seq}`,
    timestamp: T0,
    receivedAt: T0,
    ...overrides,
  };
}

function plan(partial: Partial<ResolutionPlan>): ResolutionPlan {
  return {
    target: { kind: 'new' },
    merges: [],
    links: [],
    touches: [],
    refused: [],
    traits: { set: {}, unset: [] },
    warnings: [],
    ...partial,
  };
}

const id = (type: string, value: string): Identifier => ({ type, value });

/** Registers the suite for one adapter. */
export function runStorageConformance(target: ConformanceTarget): void {
  describe(`storage conformance: ${target.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await target.create();
    });
    afterAll(async () => {
      if (target.destroy) await target.destroy(store);
      else await store.close();
    });

    const newProfile = async (identifiers: Identifier[], extra: Partial<ResolutionPlan> = {}, ev = event()) =>
      (
        await store.transaction((tx) =>
          applyRow(tx, {
            event: ev,
            sourceId: 'src-1',
            plan: plan({ links: identifiers.map((identifier) => ({ identifier, rule: 'new_profile' })), ...extra }),
          }),
        )
      ).profileId!;

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

    it('pages the timeline newest first with filters and a cursor', async () => {
      const profileId = await newProfile(
        [id('user_id', 'u-pages')],
        {},
        event({ timestamp: '2026-11-02T00:00:00.000Z', type: 'identify', event: undefined }),
      );
      for (let i = 1; i <= 5; i++) {
        await store.transaction((tx) =>
          applyRow(tx, {
            event: event({ event: i % 2 ? 'Odd' : 'Even', timestamp: `2026-11-02T0${i}:00:00.000Z` }),
            sourceId: 'src-1',
            plan: plan({ target: { kind: 'existing', profileId } }),
          }),
        );
      }
      const first = await store.listProfileEvents(profileId, { limit: 2 });
      expect(first.data.map((e) => e.timestamp)).toEqual(['2026-11-02T05:00:00.000Z', '2026-11-02T04:00:00.000Z']);
      expect(first.cursor.hasMore).toBe(true);
      const second = await store.listProfileEvents(profileId, { limit: 10, cursor: first.cursor.next! });
      expect(second.data).toHaveLength(4);
      expect(second.cursor).toEqual({ next: null, hasMore: false });
      expect((await store.listProfileEvents(profileId, { limit: 10, event: 'Odd' })).data).toHaveLength(3);
      expect((await store.listProfileEvents(profileId, { limit: 10, type: 'identify' })).data).toHaveLength(1);
      const all = (await store.listProfileEvents(profileId, { limit: 100 })).data;
      const sourceId = all[0]!.sourceId;
      const bySource = (await store.listProfileEvents(profileId, { limit: 100, sourceIds: [sourceId] })).data;
      expect(bySource.length).toBe(all.filter((e) => e.sourceId === sourceId).length);
      expect(bySource.length).toBeGreaterThan(0);
      expect((await store.listProfileEvents(profileId, { limit: 100, sourceIds: ['no-such-source'] })).data).toEqual([]);
      expect((await store.listProfileEvents(profileId, { limit: 100, sourceIds: [] })).data).toEqual([]);
    });

    it('stores events without identity and plan warnings, and lists warnings by kind', async () => {
      const ev = event({ anonymousId: undefined, userId: 'null' });
      const result = await store.transaction((tx) =>
        applyRow(tx, {
          event: ev,
          sourceId: 'src-1',
          plan: plan({ target: { kind: 'none' }, warnings: [{ kind: 'no_identity', message: 'no usable identifier' }] }),
        }),
      );
      expect(result.profileId).toBeUndefined();
      await store.addWarnings([
        { kind: 'rejected_event', code: 'invalid_event', field: 'event', message: 'event is required', sourceId: 'src-1', createdAt: T0 },
      ]);
      const page = await store.listWarnings({ limit: 1, kind: 'no_identity' });
      expect(page.data[0]).toMatchObject({ kind: 'no_identity', messageId: ev.messageId, sourceId: 'src-1' });
      const all = await store.listWarnings({ limit: 1 });
      expect(all.data[0]).toMatchObject({ kind: 'rejected_event', code: 'invalid_event', field: 'event' });
      expect(all.cursor.hasMore).toBe(true);
      const next = await store.listWarnings({ limit: 100, cursor: all.cursor.next! });
      expect(next.data.some((w) => w.kind === 'no_identity')).toBe(true);
    });

    it('pages review items oldest first, by status, with a cursor', async () => {
      const a = await newProfile([id('user_id', 'review-a')]);
      const b = await newProfile([id('user_id', 'review-b')]);
      const item = (n: number) => ({
        id: `rev-${n}`,
        runId: 'run-1',
        aProfile: a,
        bProfile: b,
        probability: 0.5,
        reason: 'below-link-threshold',
        evidence: [],
        status: 'open' as const,
        createdAt: T0,
      });
      await store.matching.addReviewItems([1, 2, 3, 4, 5].map(item));
      expect(await store.matching.decideReviewItem('rev-2', 'rejected', T0)).toMatchObject({ status: 'rejected' });
      const first = await store.matching.listReviewItems({ limit: 2 });
      expect(first.data.map((i) => i.id)).toEqual(['rev-1', 'rev-2']);
      expect(first.cursor.hasMore).toBe(true);
      const rest = await store.matching.listReviewItems({ limit: 3, cursor: first.cursor.next! });
      expect(rest.data.map((i) => i.id)).toEqual(['rev-3', 'rev-4', 'rev-5']);
      expect(rest.cursor).toEqual({ next: null, hasMore: false });
      const open = await store.matching.listReviewItems({ status: 'open', limit: 2 });
      expect(open.data.map((i) => i.id)).toEqual(['rev-1', 'rev-3']);
      const openRest = await store.matching.listReviewItems({ status: 'open', limit: 2, cursor: open.cursor.next! });
      expect(openRest).toMatchObject({ data: [{ id: 'rev-4' }, { id: 'rev-5' }], cursor: { next: null, hasMore: false } });
    });

    it('counts what it holds', async () => {
      const stats = await store.stats();
      expect(stats.profiles).toBeGreaterThan(0);
      expect(stats.merges).toBe(3);
      expect(stats.events).toBeGreaterThan(stats.profiles);
      expect(stats.externalIds).toBeGreaterThanOrEqual(stats.profiles);
      expect(stats.warnings).toBe(2);
    });

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

    it('prunes old message id claims so they can be claimed again', async () => {
      await store.transaction((tx) => tx.claimMessageIds('src-9', ['old']));
      expect(await store.pruneMessageIds(new Date(Date.now() + 60_000).toISOString())).toBeGreaterThan(0);
      expect(await store.transaction((tx) => tx.claimMessageIds('src-9', ['old']))).toEqual([true]);
    });

    it('never creates two profiles for one identifier under concurrent transactions', async () => {
      const ids = await Promise.all(
        Array.from({ length: 8 }, () =>
          store.transaction(async (tx) => {
            const snapshot = await tx.loadSnapshot([id('user_id', 'u-race')]);
            const known = snapshot.known[0];
            const p = known
              ? plan({ target: { kind: 'existing', profileId: known.profileId }, touches: [id('user_id', 'u-race')] })
              : plan({ links: [{ identifier: id('user_id', 'u-race'), rule: 'new_profile' }] });
            return (await applyRow(tx, { event: event(), sourceId: 'src-1', plan: p })).profileId;
          }),
        ),
      );
      expect(new Set(ids).size).toBe(1);
    });
    it('folds repeated warnings into one record with a count and the last time, and prunes by last time', async () => {
      const later = '2026-11-01T12:00:00.000Z';
      const repeat = { kind: 'rejected_event', code: 'invalid_event', field: 'type', message: 'type is unknown', sourceId: 'src-fold' };
      await store.addWarnings([
        { ...repeat, messageId: 'first', createdAt: T0 },
        { ...repeat, messageId: 'second', createdAt: T0 },
      ]);
      await store.addWarnings([{ ...repeat, messageId: 'third', createdAt: later, count: 3 }]);
      await store.addWarnings([{ ...repeat, field: 'event', createdAt: T0 }]);
      const all = (await store.listWarnings({ limit: 1000 })).data;
      const folded = all.filter((w) => w.sourceId === 'src-fold');
      expect(folded).toHaveLength(2);
      expect(folded.find((w) => w.field === 'type')).toMatchObject({ count: 5, createdAt: T0, lastSeenAt: later, messageId: 'first' });
      expect(folded.find((w) => w.field === 'event')).toMatchObject({ count: 1, lastSeenAt: T0 });
      const cutoff = '2026-11-01T11:00:00.000Z';
      const old = all.filter((w) => w.lastSeenAt < cutoff);
      const before = (await store.stats()).warnings;
      expect(await store.pruneWarnings(cutoff)).toBe(old.length);
      expect((await store.listWarnings({ limit: 1000 })).data.filter((w) => w.sourceId === 'src-fold').map((w) => w.field)).toEqual([
        'type',
      ]);
      expect((await store.stats()).warnings).toBe(before - old.reduce((sum, w) => sum + w.count, 0));
    });

    it('keeps every counter equal to a recount of the rows', async () => {
      if (!target.recount) return;
      expect(await store.stats()).toEqual(await target.recount(store));
    });
  });
}

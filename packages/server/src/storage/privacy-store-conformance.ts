/**
 * The privacy conformance suite: what every store's privacy port must do (privacy-store.ts). SQLite and
 * PostgreSQL run it (`sqlite-privacy.test.ts`, `postgres-privacy.test.ts`). Events go in through the real
 * resolver (`applyEvents`), so a delete is checked against the rows ingestion really writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import { exportDocument } from '../privacy/privacy-export.ts';
import { applyRow } from '../testing/apply-row.ts';
import type { ConformanceTarget } from './storage-conformance.ts';
import type { PrivacyStore } from './privacy-store.ts';
import type { Store } from './storage.ts';

const T0 = '2026-11-01T10:00:00.000Z';
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
let seq = 0;
const ev = (e: Partial<TrackingEvent>): TrackingEvent =>
  ({ type: 'track', event: 'Viewed', messageId: `pc-${++seq}`, timestamp: T0, receivedAt: T0, ...e }) as TrackingEvent;

/** Registers the privacy suite for one adapter. */
export function runPrivacyConformance(target: ConformanceTarget): void {
  describe(`privacy conformance: ${target.name}`, () => {
    let store: Store;
    let privacy: PrivacyStore;
    beforeAll(async () => {
      store = await target.create();
      privacy = store.privacy;
    });
    afterAll(async () => {
      if (target.destroy) await target.destroy(store);
      else await store.close();
    });
    const ingest = (sourceId: string, events: TrackingEvent[]) => store.transaction((tx) => applyEvents(tx, sourceId, events, deps));

    it('stores requests, updates their progress and pages them newest first', async () => {
      await privacy.createRequest({
        id: 'pr-1',
        type: 'export',
        subject: { profileId: null, identifiers: ['email:a@b.c'] },
        reason: 'ticket',
        createdAt: T0,
      });
      await privacy.createRequest({
        id: 'pr-2',
        type: 'suppress',
        subject: { profileId: 'p', identifiers: [] },
        requestedBy: 'dpo',
        createdAt: T0,
      });
      expect(await privacy.findRequest('pr-1')).toMatchObject({
        id: 'pr-1',
        type: 'export',
        status: 'pending',
        reason: 'ticket',
        subject: { profileId: null, identifiers: ['email:a@b.c'] },
        destinations: [],
      });
      await privacy.updateRequest('pr-1', { status: 'running', at: '2026-11-01T10:00:01.000Z' });
      await privacy.updateRequest('pr-1', {
        status: 'completed',
        at: '2026-11-01T10:00:02.000Z',
        outcome: { eventsExported: 3 },
        identifiers: [],
      });
      const done = await privacy.findRequest('pr-1');
      expect(done).toMatchObject({
        status: 'completed',
        completedAt: '2026-11-01T10:00:02.000Z',
        updatedAt: '2026-11-01T10:00:02.000Z',
        store: { status: 'completed', outcome: { eventsExported: 3 } },
        subject: { identifiers: [] },
      });
      expect(await privacy.findRequest('nope')).toBeUndefined();
      const first = await privacy.listRequests({ limit: 1 });
      expect(first.data.map((r) => r.id)).toEqual(['pr-2']);
      const next = await privacy.listRequests({ limit: 5, cursor: first.cursor.next! });
      expect(next.data.map((r) => r.id)).toEqual(['pr-1']);
      expect(next.cursor.hasMore).toBe(false);
    });

    it('keeps keys; unsuppress lifts a whole suppression and never a tombstone', async () => {
      await privacy.addKeys(
        [
          { key: 'email.s1', kind: 'suppress', requestId: 'rs' },
          { key: 'anonymous_id.s2', kind: 'suppress', requestId: 'rs' },
          { key: 'email.s1', kind: 'tombstone', requestId: 'rd' },
          { key: 'email.other', kind: 'suppress', requestId: 'rx' },
        ],
        T0,
      );
      expect((await privacy.removeSuppressions(['email.s1'])).sort()).toEqual(['anonymous_id.s2', 'email.s1']);
      expect(await privacy.listKeys()).toEqual([
        { key: 'email.other', kind: 'suppress', requestId: 'rx' },
        { key: 'email.s1', kind: 'tombstone', requestId: 'rd' },
      ]);
    });

    it('counts suppressed events', async () => {
      const before = await privacy.suppressedEvents();
      await privacy.countSuppressed(3);
      await privacy.countSuppressed(0);
      await privacy.countSuppressed(2);
      expect(await privacy.suppressedEvents()).toBe(before + 5);
    });

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

    it('exports the link clicks of the person and of the profiles merged into them, and nobody else’s', async () => {
      await ingest('src-a', [
        ev({ type: 'identify', userId: 'clk-ann', traits: { email: 'clk-ann@example.com' } } as Partial<TrackingEvent>),
        ev({ anonymousId: 'clk-ann-browser' }),
        ev({ type: 'identify', userId: 'clk-bob', traits: { email: 'clk-bob@example.com' } } as Partial<TrackingEvent>),
      ]);
      const ann = (await store.findProfileIdByIdentifier({ type: 'user_id', value: 'clk-ann' }))!;
      const browser = (await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'clk-ann-browser' }))!;
      const bob = (await store.findProfileIdByIdentifier({ type: 'user_id', value: 'clk-bob' }))!;
      expect(new Set([ann, browser, bob]).size).toBe(3);
      const at = (s: number) => `2026-11-01T10:00:0${s}.000Z`;
      await store.transaction(async (tx) => {
        await tx.links!.recordLinkClick({
          clickId: 'clk-ann-1',
          linkId: 'lnk-x',
          kind: 'get',
          at: at(1),
          bot: false,
          token: 'valid',
          recipientId: 'rcp-ann',
          profileId: ann,
          anchor: { type: 'email', value: 'clk-ann@example.com' },
          visitor: 'r:rcp-ann',
        });
        await tx.links!.recordLinkClick({
          clickId: 'clk-ann-2',
          linkId: 'lnk-x',
          kind: 'open',
          at: at(2),
          bot: true,
          reason: 'apple_mpp',
          token: 'valid',
          profileId: browser,
        });
        await tx.links!.recordLinkClick({
          clickId: 'clk-bob-1',
          linkId: 'lnk-x',
          kind: 'get',
          at: at(3),
          bot: false,
          token: 'valid',
          profileId: bob,
          visitor: 'r:rcp-bob',
        });
        await tx.links!.recordLinkClick({
          clickId: 'clk-nobody',
          linkId: 'lnk-x',
          kind: 'get',
          at: at(4),
          bot: false,
          token: 'none',
          visitor: 'v-anon',
        });
      });
      // The browser's profile merges into Ann's: its click is hers now.
      await ingest('src-a', [ev({ userId: 'clk-ann', anonymousId: 'clk-ann-browser' })]);
      // Which of the two survives is the resolver's choice (both were created in one batch); either holds both.
      const live = (await store.findProfileIdByIdentifier({ type: 'user_id', value: 'clk-ann' }))!;
      expect([ann, browser]).toContain(live);
      expect(await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'clk-ann-browser' })).toBe(live);

      expect((await store.links.listProfileClicks([ann, browser], 10)).map((c) => c.clickId)).toEqual(['clk-ann-2', 'clk-ann-1']);
      expect(await store.links.listProfileClicks([ann, browser], 1)).toMatchObject([
        { clickId: 'clk-ann-2', kind: 'open', bot: true, reason: 'apple_mpp', token: 'valid', profileId: browser },
      ]);
      expect((await store.links.listProfileClicks([ann], 10))[0]).toEqual({
        clickId: 'clk-ann-1',
        linkId: 'lnk-x',
        kind: 'get',
        at: at(1),
        bot: false,
        token: 'valid',
        recipientId: 'rcp-ann',
        profileId: ann,
        anchor: { type: 'email', value: 'clk-ann@example.com' },
        visitor: 'r:rcp-ann',
      });
      expect(await store.links.listProfileClicks([], 10)).toEqual([]);

      const doc = await exportDocument(store, { requestId: 'pr-clicks', profileId: live, exportedAt: T0 });
      expect(doc.clicks).toEqual([
        { clickId: 'clk-ann-2', linkId: 'lnk-x', kind: 'open', at: at(2), bot: true, reason: 'apple_mpp', profileId: browser },
        { clickId: 'clk-ann-1', linkId: 'lnk-x', kind: 'get', at: at(1), bot: false, profileId: ann },
      ]);
      expect(JSON.stringify(doc)).not.toMatch(/clk-bob|clk-nobody|rcp-ann|r:rcp/);
    });

    it('removes the person’s link clicks, link recipients and deliveries (User Deleted aside), and nobody else’s', async () => {
      await ingest('src-a', [
        ev({ type: 'identify', userId: 'rows-del', traits: { email: 'rows-del@example.com' } } as Partial<TrackingEvent>),
        ev({ type: 'identify', userId: 'rows-keep', traits: { email: 'rows-keep@example.com' } } as Partial<TrackingEvent>),
      ]);
      const gone = (await store.findProfileIdByIdentifier({ type: 'user_id', value: 'rows-del' }))!;
      const kept = (await store.findProfileIdByIdentifier({ type: 'user_id', value: 'rows-keep' }))!;
      const click = (clickId: string, profileId: string) => ({
        clickId,
        linkId: 'lnk-rows',
        kind: 'get' as const,
        at: T0,
        bot: false,
        token: 'valid' as const,
        profileId,
        recipientId: `rcp-${profileId}`,
        visitor: `v-${profileId}`,
      });
      await store.transaction(async (tx) => {
        await tx.links!.recordLinkClick(click('clk-del', gone));
        await tx.links!.addLinkBrowser('clk-del', 'rows-browser');
        await tx.links!.recordLinkClick(click('clk-keep', kept));
        // The kept person's second click, a bot's and a HEAD: the counters rebuilt after the delete keep them.
        await tx.links!.recordLinkClick(click('clk-keep-2', kept));
        await tx.links!.recordLinkClick({ ...click('clk-bot', kept), bot: true, reason: 'user_agent' });
        await tx.links!.recordLinkClick({ ...click('clk-head', kept), kind: 'head' });
      });
      const delivery = (id: string, profileKey: string, kind: 'event' | 'user_deleted') => ({
        id,
        destinationId: 'dst-rows',
        profileKey,
        kind,
        payload: { event: { traits: { email: 'rows-del@example.com' } } },
        createdAt: T0,
      });
      if (store.messaging)
        await store.messaging.enqueueDeliveries([
          delivery('dlv-rows-del', gone, 'event'),
          delivery('dlv_del_rows', gone, 'user_deleted'),
          delivery('dlv-rows-keep', kept, 'event'),
        ]);
      const counts = { botClicks: 1, headRequests: 1, invalidTokenClicks: 0, recipients: 0, opens: 0, machineOpens: 0 };
      expect(await store.links.countHits('lnk-rows')).toEqual({ ...counts, clicks: 3, uniqueClicks: 2, recipientsClicked: 2 });
      await store.links.addRecipients([
        { id: 'rcp-del', linkId: 'lnk-rows', ref: 'email:rows-del@example.com', createdAt: T0 },
        { id: 'rcp-del-id', linkId: 'lnk-rows', ref: gone, createdAt: T0 },
        { id: 'rcp-keep', linkId: 'lnk-rows', ref: 'email:rows-keep@example.com', createdAt: T0 },
      ]);

      await privacy.deletePerson(gone, [], T0);
      expect(await store.links.countHits('lnk-rows')).toEqual({
        ...counts,
        clicks: 2,
        uniqueClicks: 1,
        recipientsClicked: 1,
        recipients: 1,
      });
      expect(await store.transaction(async (tx) => tx.links!.findLinkClick('clk-del'))).toBeNull();
      expect(await store.transaction(async (tx) => tx.links!.findLinkClick('clk-keep'))).not.toBeNull();
      expect(await store.links.findRecipient('rcp-del')).toBeUndefined();
      expect(await store.links.findRecipient('rcp-del-id')).toBeUndefined();
      expect((await store.links.findRecipient('rcp-keep'))?.ref).toBe('email:rows-keep@example.com');
      if (store.messaging)
        expect((await store.messaging.listDeliveries({ destinationId: 'dst-rows', limit: 10 })).data.map((d) => d.id).sort()).toEqual([
          'dlv-rows-keep',
          'dlv_del_rows',
        ]);
    });
  });
}

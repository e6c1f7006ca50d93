/**
 * The rows a person leaves outside the profile tables (link clicks, link recipients, deliveries): exported
 * with the person and the profiles merged into them, and removed with the person, and nobody else's.
 * Registered by runPrivacyConformance (privacy-store-conformance.ts) inside its describe, in this order.
 */
import { beforeAll, expect, it } from 'vitest';
import type { TrackingEvent } from '@kin/core';
import { exportDocument } from '../privacy/privacy-export.ts';
import type { PrivacyStore } from './privacy-store.ts';
import type { Store } from './storage.ts';
import type { PrivacySuite } from './privacy-store-conformance-fixtures.ts';
import { T0, ev } from './privacy-store-conformance-fixtures.ts';

/** Registers these cases on the suite's store. */
export function registerPrivacyRowCases(suite: PrivacySuite): void {
  let store: Store;
  let privacy: PrivacyStore;
  beforeAll(() => {
    store = suite.store();
    privacy = store.privacy;
  });
  const { ingest } = suite;

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
      await tx.links.recordLinkClick({
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
      await tx.links.recordLinkClick({
        clickId: 'clk-ann-2',
        linkId: 'lnk-x',
        kind: 'open',
        at: at(2),
        bot: true,
        reason: 'apple_mpp',
        token: 'valid',
        profileId: browser,
      });
      await tx.links.recordLinkClick({
        clickId: 'clk-bob-1',
        linkId: 'lnk-x',
        kind: 'get',
        at: at(3),
        bot: false,
        token: 'valid',
        profileId: bob,
        visitor: 'r:rcp-bob',
      });
      await tx.links.recordLinkClick({
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
      await tx.links.recordLinkClick(click('clk-del', gone));
      await tx.links.addLinkBrowser('clk-del', 'rows-browser');
      await tx.links.recordLinkClick(click('clk-keep', kept));
      // The kept person's second click, a bot's and a HEAD: the counters rebuilt after the delete keep them.
      await tx.links.recordLinkClick(click('clk-keep-2', kept));
      await tx.links.recordLinkClick({ ...click('clk-bot', kept), bot: true, reason: 'user_agent' });
      await tx.links.recordLinkClick({ ...click('clk-head', kept), kind: 'head' });
    });
    const delivery = (id: string, profileKey: string, kind: 'event' | 'user_deleted') => ({
      id,
      destinationId: 'dst-rows',
      profileKey,
      kind,
      payload: { event: { traits: { email: 'rows-del@example.com' } } },
      createdAt: T0,
    });
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
    expect(await store.transaction(async (tx) => tx.links.findLinkClick('clk-del'))).toBeNull();
    expect(await store.transaction(async (tx) => tx.links.findLinkClick('clk-keep'))).not.toBeNull();
    expect(await store.links.findRecipient('rcp-del')).toBeUndefined();
    expect(await store.links.findRecipient('rcp-del-id')).toBeUndefined();
    expect((await store.links.findRecipient('rcp-keep'))?.ref).toBe('email:rows-keep@example.com');
    expect((await store.messaging.listDeliveries({ destinationId: 'dst-rows', limit: 10 })).data.map((d) => d.id).sort()).toEqual([
      'dlv-rows-keep',
      'dlv_del_rows',
    ]);
  });
}

/**
 * The tracked-links conformance suite (links-store.ts): each adapter's links test file calls it, so both
 * stores keep links, recipients and clicks alike, and land clicks and landing browsers (R14) alike through
 * the real ingest step (event-apply.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { undoMerge } from '../identity/identity-undo.ts';
import { hitEvent } from '../links/link-events.ts';
import type { LinkHit } from '../links/link-events.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import { LINKS_SOURCE_ID } from '../pipeline/link-click-apply.ts';
import type { LinkRecord, LinksStore } from './links-store.ts';
import type { Store } from './storage.ts';

/** How a test file plugs its adapter in. */
export interface LinksConformanceTarget {
  name: string;
  /** A fresh, migrated, empty store. */
  create: () => Promise<Store>;
  destroy: (store: Store) => Promise<void>;
}

const T0 = '2026-11-01T10:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
const link = (id: string, code: string, createdAt = T0): LinkRecord => ({
  id,
  code,
  url: `https://shop.example/${code}`,
  tags: ['t'],
  createdAt,
});

/** Runs the suite against one adapter. */
export function runLinksConformance(target: LinksConformanceTarget): void {
  describe(`links conformance: ${target.name}`, () => {
    let store: Store;
    let links: LinksStore;
    beforeAll(async () => {
      store = await target.create();
      if (!store.links) throw new Error(`${target.name} offers no links port`);
      links = store.links;
    });
    afterAll(async () => target.destroy(store));

    const ingest = (sourceId: string, events: TrackingEvent[]) => store.transaction((tx) => applyEvents(tx, sourceId, events, deps));
    const click = (over: Partial<LinkHit> & { clickId: string; link: LinkRecord }): TrackingEvent =>
      hitEvent({ kind: 'get', at: at(1), token: 'none', machine: undefined, userAgent: 'Mozilla/5.0 (X11)', ...over });
    const landing = (anonymousId: string, clickId: string, minutes = 2, userId?: string): TrackingEvent => ({
      type: 'page',
      messageId: `page-${anonymousId}-${clickId}-${minutes}`,
      anonymousId,
      ...(userId ? { userId } : {}),
      timestamp: at(minutes),
      receivedAt: at(minutes),
      context: { kin: { link: clickId } },
    });

    it('keeps links by id and code, refuses a taken code, and lists newest first in pages', async () => {
      expect(await links.createLink(link('l-1', 'one', at(0)))).toBe('created');
      expect(await links.createLink(link('l-2', 'two', at(1)))).toBe('created');
      expect(await links.createLink({ ...link('l-3', 'three', at(2)), campaignId: 'c', expiresAt: at(60) })).toBe('created');
      expect(await links.createLink(link('l-4', 'one'))).toBe('code_taken');
      expect(await links.findLinkByCode('one')).toEqual(link('l-1', 'one', at(0)));
      expect(await links.findLink('l-3')).toMatchObject({ campaignId: 'c', expiresAt: at(60), tags: ['t'] });
      expect(await links.findLink('nope')).toBeUndefined();
      const first = await links.listLinks({ limit: 2 });
      expect(first.data.map((l) => l.id)).toEqual(['l-3', 'l-2']);
      const second = await links.listLinks({ limit: 2, cursor: first.cursor.next! });
      expect(second.data.map((l) => l.id)).toEqual(['l-1']);
      expect(second.cursor.hasMore).toBe(false);
    });

    it('adds recipients once (the first time stays) and keeps one signing secret', async () => {
      await links.addRecipients([{ id: 'r-1', linkId: 'l-1', ref: 'email:ann@x.io', createdAt: at(0) }]);
      await links.addRecipients([
        { id: 'r-1', linkId: 'l-1', ref: 'email:ann@x.io', createdAt: at(5) },
        { id: 'r-2', linkId: 'l-1', ref: 'email:bob@x.io', createdAt: at(5) },
      ]);
      expect(await links.findRecipient('r-1')).toEqual({ id: 'r-1', linkId: 'l-1', ref: 'email:ann@x.io', createdAt: at(0) });
      expect(await links.signingSecret('first-secret')).toBe('first-secret');
      expect(await links.signingSecret('second-secret')).toBe('first-secret');
    });

    it('records a click with its event, on the recipient profile, once, and counts hits apart from bots and HEAD', async () => {
      const l1 = link('l-1', 'one', at(0));
      const ann = { id: 'r-1', ref: { type: 'email', value: 'Ann@X.io' } };
      const events = [
        click({ clickId: 'click-ann-1', link: l1, token: 'valid', recipient: ann }),
        click({ clickId: 'click-bot-1', link: l1, machine: 'user_agent' }),
        click({ clickId: 'click-head-1', link: l1, kind: 'head', token: 'valid', recipient: ann }),
        click({ clickId: 'click-bad-1', link: l1, token: 'invalid' }),
        click({ clickId: 'click-open-1', link: l1, kind: 'open', token: 'valid', recipient: ann }),
      ];
      const outcome = await ingest(LINKS_SOURCE_ID, events);
      expect(outcome.accepted).toBe(5);
      const annProfile = await store.findProfileIdByIdentifier({ type: 'email', value: 'ann@x.io' });
      expect(outcome.profileIds).toEqual([annProfile, undefined, undefined, undefined, annProfile]);
      // Redelivered (a NATS retry): the messageId is claimed, nothing is counted twice.
      expect((await ingest(LINKS_SOURCE_ID, events.slice(0, 1))).duplicates).toBe(1);
      expect(await links.countHits('l-1')).toEqual({
        clicks: 2,
        uniqueClicks: 2,
        botClicks: 1,
        headRequests: 1,
        invalidTokenClicks: 1,
        recipients: 2,
        recipientsClicked: 1,
        opens: 1,
        machineOpens: 0,
      });
      // Ann is the one clicked profile, from her first click (her click's own event is within the window; the bot
      // and tokenless clicks have no profile to count).
      const clicked = { event: 'Link Clicked', windowDays: 0, limit: 10 };
      expect(await links.countConversions('l-1', clicked)).toBe(1);
      // A bot click or a tokenless one leaves no no_identity warning behind.
      expect((await store.listWarnings({ limit: 10 })).data.filter((w) => w.kind === 'no_identity')).toEqual([]);
    });

    it('counts a visitor once across transactions and within one, and a rolled-back click not at all', async () => {
      const l3 = link('l-3', 'three', at(2));
      const dee = { id: 'r-4', ref: { type: 'email', value: 'dee@x.io' } };
      const deeClick = (clickId: string) => click({ clickId, link: l3, token: 'valid', recipient: dee });
      await ingest(LINKS_SOURCE_ID, [deeClick('click-dee-1'), deeClick('click-dee-2'), click({ clickId: 'click-anon-1', link: l3 })]);
      await ingest(LINKS_SOURCE_ID, [deeClick('click-dee-3'), click({ clickId: 'click-anon-2', link: l3 })]);
      await expect(
        store.transaction(async (tx) => {
          await applyEvents(tx, LINKS_SOURCE_ID, [click({ clickId: 'click-gone', link: l3, userAgent: 'Mozilla/5.0 (Mac)' })], deps);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      // The next transaction writes its own additions, none of the rolled-back one's.
      await ingest(LINKS_SOURCE_ID, [click({ clickId: 'click-anon-3', link: l3, userAgent: 'Mozilla/5.0 (Mac)' })]);
      expect(await links.countHits('l-3')).toMatchObject({ clicks: 6, uniqueClicks: 3, recipientsClicked: 1, botClicks: 0 });
    });

    it('R14: the landing browser joins the clicked profile, at most 3 browsers per click, never from a bot click', async () => {
      const l2 = link('l-2', 'two', at(1));
      const cy = { id: 'r-3', ref: { type: 'email', value: 'cy@x.io' } };
      await ingest(LINKS_SOURCE_ID, [
        click({ clickId: 'click-cy-1', link: l2, token: 'valid', recipient: cy }),
        click({ clickId: 'click-bot-2', link: l2, machine: 'user_agent' }),
      ]);
      // A browser known before the click is merged with the clicked profile (the older one survives, R5); new
      // ones are linked; the fourth is refused.
      await ingest('web', [{ type: 'page', messageId: 'before', anonymousId: 'b-1', timestamp: at(0), receivedAt: at(0) }]);
      const outcome = await ingest('web', [
        landing('b-1', 'click-cy-1'),
        landing('b-2', 'click-cy-1'),
        landing('b-3', 'click-cy-1'),
        landing('b-4', 'click-cy-1'),
        landing('b-1', 'click-cy-1', 3),
      ]);
      const cyProfile = await store.findProfileIdByIdentifier({ type: 'email', value: 'cy@x.io' });
      expect(outcome.profileIds).toEqual([cyProfile, cyProfile, cyProfile, outcome.profileIds[3], cyProfile]);
      expect(outcome.profileIds[3]).not.toBe(cyProfile);
      expect(outcome.profileIds[4]).toBe(cyProfile);
      for (const b of ['b-1', 'b-2', 'b-3'])
        expect(await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: b })).toBe(cyProfile);
      const merges = await store.listProfileMerges(cyProfile!);
      expect(merges.map((m) => [m.rule, m.via])).toEqual([
        [
          'link_click',
          [
            { type: 'anonymous_id', value: 'b-1' },
            { type: 'link_click', value: 'click-cy-1' },
          ],
        ],
      ]);
      // A bot click names nobody (it attaches to no profile), so it stitches nobody; a refusal is a warning.
      const botLanding = await ingest('web', [landing('b-5', 'click-bot-2')]);
      expect(botLanding.profileIds[0]).not.toBe(cyProfile);
      const warnings = (await store.listWarnings({ limit: 50 })).data.filter((w) => w.kind === 'identifier_refused');
      expect(warnings.map((w) => w.message)).toEqual(['link_click refused: the click already brought 3 browsers (at most 3)']);
      // Stitched browsers' later orders are the clicked profile's (conversions read its timeline).
      await ingest('web', [
        { type: 'track', event: 'Order Completed', messageId: 'order-1', anonymousId: 'b-2', timestamp: at(30), receivedAt: at(30) },
      ]);
      const orders = await store.listProfileEvents(cyProfile!, { limit: 10, event: 'Order Completed' });
      expect(orders.data.map((e) => e.messageId)).toEqual(['order-1']);
    });

    it('counts conversions from the index as the timelines answer them, through a merge and its undo', async () => {
      const l6 = link('l-6', 'six', at(0));
      const person = (id: string, email: string) => ({ id, ref: { type: 'email', value: email } });
      const [gil, hal, ivy] = [person('r-6', 'gil@x.io'), person('r-7', 'hal@x.io'), person('r-8', 'ivy@x.io')];
      const query = { event: 'Order Completed', windowDays: 7, limit: 1000 };
      // The answer as the stats read it before the index: each clicked person's timeline (Gil from his first click
      // at 5, Hal from 10; Ivy's click is a bot's), scanned.
      const fromTimelines = async (): Promise<number> => {
        let n = 0;
        for (const [email, firstClickAt] of [
          ['gil@x.io', at(5)],
          ['hal@x.io', at(10)],
        ] as const) {
          const from = Date.parse(firstClickAt);
          const profileId = (await store.findProfileIdByIdentifier({ type: 'email', value: email }))!;
          const orders = await store.listProfileEvents(profileId, { event: query.event, limit: 200 });
          if (orders.data.some((e) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) <= from + 7 * 86_400_000)) n++;
        }
        return n;
      };
      const order = (messageId: string, anonymousId: string, minutes: number): TrackingEvent => ({
        type: 'track',
        event: 'Order Completed',
        messageId,
        anonymousId,
        timestamp: at(minutes),
        receivedAt: at(minutes),
      });
      // Gil's first click is the second of the transaction (the earlier one counts); Ivy's is a bot's.
      await ingest(LINKS_SOURCE_ID, [
        click({ clickId: 'click-gil-2', link: l6, token: 'valid', recipient: gil, at: at(10) }),
        click({ clickId: 'click-gil-1', link: l6, token: 'valid', recipient: gil, at: at(5) }),
        click({ clickId: 'click-hal-1', link: l6, token: 'valid', recipient: hal, at: at(10) }),
        click({ clickId: 'click-ivy-1', link: l6, token: 'valid', recipient: ivy, at: at(10), machine: 'user_agent' }),
      ]);
      await ingest(LINKS_SOURCE_ID, [click({ clickId: 'click-gil-3', link: l6, token: 'valid', recipient: gil, at: at(20) })]);
      // Gil's browser buys between the first and the second click; Hal buys before his click and 8 days after.
      await ingest('web', [order('order-gil', 'g-b', 7), order('order-hal-0', 'h-b', 2), order('order-hal-8', 'h-b', 10 + 8 * 1440)]);
      await ingest('web', [{ type: 'page', messageId: 'h-b-page', anonymousId: 'h-b', timestamp: at(3), receivedAt: at(3) }]);
      expect(await links.countConversions('l-6', query)).toBe(0);
      // Gil's browser joins Gil's profile (identify with the email): its order now counts for Gil.
      const identify = (anonymousId: string, email: string): TrackingEvent => ({
        type: 'identify',
        messageId: `identify-${anonymousId}`,
        anonymousId,
        timestamp: at(30),
        receivedAt: at(30),
        context: { externalIds: [{ type: 'email', id: email }] },
      });
      await ingest('web', [identify('g-b', 'gil@x.io'), identify('h-b', 'hal@x.io')]);
      const gilProfile = await store.findProfileIdByIdentifier({ type: 'email', value: 'gil@x.io' });
      expect(await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'g-b' })).toBe(gilProfile);
      expect(await links.countConversions('l-6', query)).toBe(1);
      expect(await fromTimelines()).toBe(1);
      expect(await links.countConversions('l-6', { ...query, windowDays: 9 })).toBe(2);
      expect(await links.countConversions('l-6', { ...query, limit: 1 })).toBe(1);
      // The undo puts the browser and its order apart again: no conversion, as the timelines say.
      const merge = (await store.listProfileMerges(gilProfile!)).find((m) => m.sides !== undefined && m.rule !== 'undo');
      expect(merge).toBeDefined();
      expect((await undoMerge(store, merge!.id, deps, at(40))).ok).toBe(true);
      expect(await links.countConversions('l-6', query)).toBe(0);
      expect(await fromTimelines()).toBe(0);
    });
  });
}

/** Email links as tracked links, over the real link service and an in-memory SQLite store. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { fixedClock } from '../ports/clock.ts';
import { sequentialIds } from '../ports/ids.ts';
import type { Store } from '../storage/storage.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { createEmailLinkTracker } from './email-links.ts';
import type { LinkService } from './link-service.ts';
import { createLinkService } from './link-service.ts';

const ORIGIN = 'https://go.shop.example';
const normalize = normalizerFor(DEFAULT_POLICY);
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function setup(
  origin: string | undefined,
): Promise<{ service: LinkService; track: ReturnType<typeof createEmailLinkTracker>['track'] }> {
  store = await openSqliteStore({ path: ':memory:' });
  const clicks = { push() {}, pending: () => 0, lost: () => 0, drain: async () => {}, close: async () => {} };
  const service = createLinkService({
    store,
    links: store.links,
    clock: fixedClock('2026-06-01T12:00:00.000Z'),
    ids: sequentialIds(),
    config: { ip: 'truncate', scannerSeconds: 10, secret: 'x'.repeat(32) },
    clicks,
    normalize,
  });
  return { service, track: createEmailLinkTracker({ service, origin: () => origin, normalize }).track };
}

const TRACKED = /https:\/\/go\.shop\.example\/l\/(m[A-Za-z0-9_-]{23})\?r=([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22})/g;
const message = { journey: 'cart', message: 'cart-reminder' };

describe('email links', () => {
  it('gives each recipient their own token on one link per destination, the same again on a retry', async () => {
    const { track } = await setup(ORIGIN);
    const email = {
      to: 'Ann@Shop.test',
      subject: 's',
      text: 'See https://shop.example/a, https://shop.example/a and https://shop.example/b!',
    };
    const first = await track(email, message);
    if ('error' in first) throw new Error(first.error);
    const links = [...first.text.matchAll(TRACKED)];
    expect(links).toHaveLength(3);
    expect(links[0]![0]).toBe(links[1]![0]);
    expect(links[0]![1]).not.toBe(links[2]![1]);
    expect(first.text).toMatch(/^See \S+, \S+ and \S+!$/);
    expect(await track(email, message)).toEqual(first);
    const bob = await track({ ...email, to: 'bob@shop.test' }, message);
    if ('error' in bob) throw new Error(bob.error);
    const bobLinks = [...bob.text.matchAll(TRACKED)];
    expect(bobLinks[0]![1]).toBe(links[0]![1]);
    expect(bobLinks[0]![2]).not.toBe(links[0]![2]);
  });

  it('adds an open pixel to HTML, with a link of its own when the mail has none', async () => {
    const { service, track } = await setup(ORIGIN);
    const out = await track({ to: 'ann@shop.test', subject: 's', text: 'no links', html: '<p>Hello</p>' }, message);
    if ('error' in out) throw new Error(out.error);
    const pixel = /<img src="https:\/\/go\.shop\.example\/o\/([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22})\.gif"/.exec(out.html ?? '');
    expect(pixel, out.html).not.toBeNull();
    expect(out.html!.startsWith('<p>Hello</p><img')).toBe(true);
    expect(await service.open({ token: pixel![1]!, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', ip: '127.0.0.1' })).toBe(
      true,
    );
  });

  it('leaves alone links whose code another URL holds, mailto links, and a mail to no valid address', async () => {
    const { service, track } = await setup(ORIGIN);
    const html = '<a href="https://shop.example/x">x</a><a href="mailto:a@shop.example">m</a>';
    const first = await track({ to: 'ann@shop.test', subject: 's', text: '', html }, message);
    if ('error' in first) throw new Error(first.error);
    const code = [...first.html!.matchAll(TRACKED)][0]![1]!;
    // A different journey's message has other codes; the same code for another URL is refused.
    expect(await service.ensure({ url: 'https://elsewhere.example/', key: code, tags: [] })).toBeUndefined();
    expect(first.html).toContain('href="mailto:a@shop.example"');
    expect(await track({ to: 'not an address', subject: 's', text: 'https://shop.example/x' }, message)).toEqual({
      to: 'not an address',
      subject: 's',
      text: 'https://shop.example/x',
    });
  });

  it('asks for a retry until the server has an origin', async () => {
    const { track } = await setup(undefined);
    expect(await track({ to: 'ann@shop.test', subject: 's', text: 'https://shop.example/' }, message)).toHaveProperty('error');
  });
});

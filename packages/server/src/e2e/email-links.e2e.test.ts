/**
 * SMTP email links are tracked links, with real parts: Kin on a socket (writer thread, SQLite file), a real
 * SMTP server (`smtp-server`), and a real HTTP request following the link from the received mail. The
 * journey's email carries plain links and an HTML link; the mail that arrives carries `/l/{code}?r=<token>`
 * URLs and an open pixel, and following one records `Link Clicked` on the recipient's profile.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../storage/storage.ts';
import { mailParts } from '../testing/delivery-receivers.ts';
import { startMailKin } from '../testing/mail-kin.ts';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('email links end to end', () => {
  it('sends tracked links with the recipient token and an open pixel; a click lands on the recipient', { timeout: 120_000 }, async () => {
    const { smtp, kin, clock, json } = await startMailKin(closers);
    const email = {
      subject: 'Your cart misses you',
      text: 'Back to your cart: https://shop.example/cart?id=c1 (or see https://shop.example/help). Kin: ' + kin.url + '/l/elsewhere',
      html: '<html><body><p><a href="https://shop.example/cart?id=c1&amp;from=mail">Your cart</a> <a href="mailto:help@shop.example">Help</a></p></body></html>',
    };
    await json('/v1/journeys', {
      key: 'cart-mail',
      trigger: { event: 'Product Added' },
      steps: [{ send: { message: 'cart-reminder', dedupeKey: 'cart', channels: ['email'], email } }],
    });
    await json('/v1/journeys/cart-mail/publish', {});
    const consent = { consent: { categoryPreferences: { email: true } } };
    expect(
      (await kin.track('/v1/batch', { batch: [{ type: 'identify', userId: 'ann', traits: { email: 'ann@shop.test' }, context: consent }] }))
        .status,
    ).toBe(200);
    expect(
      (await kin.track('/v1/batch', { batch: [{ type: 'track', userId: 'ann', event: 'Product Added', properties: { cart_id: 'c1' } }] }))
        .status,
    ).toBe(200);

    const received = await until('the mail', async () => smtp.mails[0]);
    expect(received.to).toEqual(['ann@shop.test']);
    const { text, html } = mailParts(received.data);
    const tracked = new RegExp(`${kin.url.replace(/[.:/]/g, '\\$&')}/l/([A-Za-z0-9_-]+)\\?r=([A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{22})`, 'g');
    const textLinks = [...text.matchAll(tracked)];
    // Two shop links tracked (the punctuation after the second kept outside it), Kin's own link left alone.
    expect(textLinks).toHaveLength(2);
    expect(text).toMatch(/\?r=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}\)\. Kin: /);
    expect(text).toContain(`${kin.url}/l/elsewhere`);
    expect(text).not.toContain('https://shop.example');
    expect(textLinks[0]![1]).not.toBe(textLinks[1]![1]);
    // One recipient, one token per link: both text links carry the recipient's tokens of their own links.
    const htmlLinks = [...html.matchAll(tracked)];
    expect(htmlLinks).toHaveLength(1);
    expect(html).toContain('href="mailto:help@shop.example"');
    expect(html).not.toContain('https://shop.example');
    const pixel = new RegExp(
      `<img src="${kin.url.replace(/[.:/]/g, '\\$&')}/o/([A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{22})\\.gif"[^>]*></body>`,
    ).exec(html);
    expect(pixel, html).not.toBeNull();

    // A person clicks a minute later (not a scanner right at delivery), with a real HTTP request.
    clock.advance(60_000);
    const res = await fetch(htmlLinks[0]![0], { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('https://shop.example/cart');
    expect(location.searchParams.get('from')).toBe('mail');
    const clickId = location.searchParams.get('kin_link');
    expect((await fetch(`${kin.url}/o/${pixel![1]}.gif`, { headers: { 'user-agent': BROWSER } })).status).toBe(200);

    const events = async (event: string) => {
      const page = (await (
        await kin.admin(`/v1/profiles/${encodeURIComponent('email:ann@shop.test')}/events?event=${encodeURIComponent(event)}&limit=10`)
      ).json()) as { data?: StoredEvent[] };
      return page.data?.length ? page.data : undefined;
    };
    const [click] = await until('the click on the profile', () => events('Link Clicked'));
    expect(click!.properties).toMatchObject({ click_id: clickId, token: 'valid', bot: false, campaign_id: 'cart-mail' });
    const [open] = await until('the open on the profile', () => events('Email Opened'));
    expect(open!.properties).toMatchObject({ token: 'valid', bot: false });
    const ann = (await (await kin.admin(`/v1/profiles/${encodeURIComponent('user_id:ann')}`)).json()) as { id: string };
    expect(typeof ann.id).toBe('string');
    expect(click!.profileId).toBe(ann.id);
  });
});

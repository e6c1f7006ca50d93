/**
 * Templated email content with real parts: Kin on a socket (writer thread, SQLite file) and a real SMTP server
 * (`smtp-server`). A journey's subject, text and HTML read the trigger (`{{trigger.properties.cart_id}}`) and the
 * profile (`{{profile.traits.first_name | default: "there"}}`); the mail that arrives carries each shopper's name
 * and cart, the name HTML-escaped in the HTML part, and templated links as tracked links that redirect to the
 * shopper's own cart, and the browser the click landed in joins the shopper's profile. Templates that cannot
 * render are refused when the journey is created, naming the field.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../storage/storage.ts';
import { mailParts } from '../testing/delivery-receivers.ts';
import { adminError } from '../testing/kin-harness.ts';
import { startMailKin } from '../testing/mail-kin.ts';
import type { ReceivedMail } from '../testing/delivery-receivers.ts';
import { until } from '../testing/nats-test-server.ts';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

const EMAIL = {
  subject: 'Hi {{profile.traits.first_name | default: "there"}}, cart {{trigger.properties.cart_id}} is waiting',
  text: 'Hi {{profile.traits.first_name | default: "there"}}, back to your cart: https://shop.example/cart/{{trigger.properties.cart_id | url_encode}}',
  html:
    '<html><body><p>Hi {{profile.traits.first_name | default: "there"}}, your {{trigger.properties.product}} waits.</p>' +
    '<a href="https://shop.example/cart?id={{trigger.properties.cart_id | url_encode}}&amp;src=mail">Back to cart</a></body></html>',
};

describe('templated email end to end', () => {
  it('renders each shopper name and cart, escapes HTML, and tracks templated links', { timeout: 120_000 }, async () => {
    const { smtp, kin, clock, json } = await startMailKin(closers);
    const journey = (email: Record<string, string>) => ({
      key: 'cart-mail',
      trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
      steps: [{ send: { message: 'cart-reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['email'], email } }],
    });

    // Refused at creation: an unknown root, an unclosed tag, a bad filter; each names its field.
    for (const [email, field] of [
      [{ subject: 'Hi {{customer.first_name}}' }, 'steps[0].send.email.subject'],
      [{ text: 'Hi {{profile.traits.first_name' }, 'steps[0].send.email.text'],
      [{ html: '<p>{{profile.traits.first_name | shout}}</p>' }, 'steps[0].send.email.html'],
    ] as const) {
      expect(await adminError(kin, '/v1/journeys', journey(email))).toEqual({ status: 400, code: 'invalid_journey', field });
    }
    await json('/v1/journeys', journey(EMAIL));
    await json('/v1/journeys/cart-mail/publish', {});

    const consent = { consent: { categoryPreferences: { email: true } } };
    const events = [
      { type: 'identify', userId: 'ann', traits: { email: 'ann@shop.test', first_name: 'Ann & <Co>' }, context: consent },
      { type: 'identify', userId: 'bob', traits: { email: 'bob@shop.test' }, context: consent },
      { type: 'track', userId: 'ann', event: 'Product Added', properties: { cart_id: 'c1', product: '<script>x</script>' } },
      { type: 'track', userId: 'bob', event: 'Product Added', properties: { cart_id: 'c 2', product: 'Boots' } },
    ];
    expect((await kin.track('/v1/batch', { batch: events })).status).toBe(200);
    await until(async () => smtp.mails.length === 2, 30_000);
    const to = (address: string): ReceivedMail => smtp.mails.find((m) => m.to[0] === address)!;
    const tracked = new RegExp(`${kin.url.replace(/[.:/]/g, '\\$&')}/l/([A-Za-z0-9_-]+)\\?r=([A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{22})`, 'g');

    // Ann: her name and cart; in HTML her name and the product are text, never markup.
    const ann = mailParts(to('ann@shop.test').data);
    expect(to('ann@shop.test').data).toMatch(/^Subject: Hi Ann & <Co>, cart c1 is waiting\r$/m);
    expect(ann.text).toMatch(/^Hi Ann & <Co>, back to your cart: http/);
    expect(ann.html).toContain('<p>Hi Ann &amp; &lt;Co&gt;, your &lt;script&gt;x&lt;/script&gt; waits.</p>');
    expect(ann.html).not.toContain('<Co>');
    expect(ann.html + ann.text).not.toContain('https://shop.example');
    // Bob: no first name, so the default; his cart id URL-encoded in both links.
    const bob = mailParts(to('bob@shop.test').data);
    expect(to('bob@shop.test').data).toMatch(/^Subject: Hi there, cart c 2 is waiting\r$/m);
    expect(bob.html).toContain('<p>Hi there, your Boots waits.</p>');

    // Each templated link is a tracked link of its own shopper that redirects to that shopper's cart.
    clock.advance(60_000);
    const clickIds: string[] = [];
    const follow = async (url: string) => {
      const res = await fetch(url, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      clickIds.push(location.searchParams.get('kin_link')!);
      location.searchParams.delete('kin_link');
      return location.toString();
    };
    const [annHtml] = [...ann.html.matchAll(tracked)];
    const [annText] = [...ann.text.matchAll(tracked)];
    const [bobHtml] = [...bob.html.matchAll(tracked)];
    const [bobText] = [...bob.text.matchAll(tracked)];
    expect(await follow(annHtml![0])).toBe('https://shop.example/cart?id=c1&src=mail');
    expect(await follow(annText![0])).toBe('https://shop.example/cart/c1');
    expect(await follow(bobHtml![0])).toBe('https://shop.example/cart?id=c+2&src=mail');
    expect(await follow(bobText![0])).toBe('https://shop.example/cart/c%202');
    // One link per rendered destination; each recipient's token is their own.
    expect(annHtml![1]).not.toBe(bobHtml![1]);
    expect(annHtml![2]).not.toBe(bobHtml![2]);

    // Ann's click lands on Ann.
    const annProfile = (await (await kin.admin('/v1/profiles/user_id:ann')).json()) as { id: string };
    let clicks: StoredEvent[] = [];
    await until(async () => {
      const page = (await (await kin.admin(`/v1/profiles/user_id:ann/events?event=Link%20Clicked&limit=10`)).json()) as {
        data?: StoredEvent[];
      };
      clicks = page.data ?? [];
      return clicks.length === 2;
    }, 30_000);
    expect(clicks.every((c) => c.profileId === annProfile.id && c.properties?.['token'] === 'valid')).toBe(true);

    // The browser Ann's click landed in (a new anonymous id, `kin_link` kept by the SDK as context.kin.link) joins her.
    const page = { type: 'page', anonymousId: 'ann-landing', name: 'Cart', context: { kin: { link: clickIds[0] }, userAgent: BROWSER } };
    expect((await kin.track('/v1/batch', { batch: [page] })).status).toBe(200);
    await until(async () => {
      const res = await kin.admin('/v1/profiles/anonymous_id:ann-landing');
      return res.status === 200 && ((await res.json()) as { id: string }).id === annProfile.id;
    }, 30_000);
  });
});

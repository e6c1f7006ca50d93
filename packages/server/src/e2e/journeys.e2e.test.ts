/**
 * The abandoned-cart proof with real parts: Kin on a socket (writer thread, SQLite file), a real SMTP server
 * for email and a real webhook receiver for push. 1,000 shoppers each add cart c<i> on the web and in the app
 * (two anonymous ids), are stitched later by an identify, are reachable by email and push and consent; 30 %
 * buy within the wait and 10 % are held out. Exactly one reminder reaches each other shopper across both
 * destinations; buyers and held-out shoppers get none; the second journey's decision says skipped_duplicate.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { JourneyStats, MessageDecision } from '@kin/core/api/index.ts';
import { webhookSignature } from '../messaging/delivery-transports.ts';
import { fixedClock } from '../ports/clock.ts';
import { cartJourney, cartShopperEvents, isCartBuyer } from '../testing/cart-journey.ts';
import { startSmtpServer, startWebhookReceiver } from '../testing/delivery-receivers.ts';
import { startTestKin } from '../testing/kin-harness.ts';
import type { TestKin } from '../testing/kin-harness.ts';

// The proof: 1,000 shoppers (4,000 cart events, 4,000 instances), about 45 s on a shared 2-core machine.
// It once timed out: instances the runner walked after the test moved the clock counted their wait from the
// runner's pass, so they were due an hour after the test looked (see journey-advance.ts).
const SHOPPERS = Number(process.env.KIN_E2E_SHOPPERS ?? 1000);
const BUYERS = SHOPPERS * 0.3;
const SECRET = 'whsec_' + Buffer.from('journeys-e2e-secret').toString('base64');
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function until(what: string, check: () => Promise<boolean>, state: () => Promise<unknown>, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await state())}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('journeys end to end', () => {
  it('sends exactly one cart reminder per non-buyer, non-held-out shopper across email and push', { timeout: 900_000 }, async () => {
    const smtp = await startSmtpServer();
    closers.push(smtp.close);
    const hooks = await startWebhookReceiver();
    closers.push(hooks.close);
    const clock = fixedClock('2026-06-01T12:00:00.000Z');
    const kin: TestKin = await startTestKin({ clock, env: { KIN_MESSAGING_POLL_MS: '20' } });
    closers.push(kin.close);
    const json = async (path: string, body: unknown, method = 'POST') => {
      const res = await kin.admin(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      expect(res.status, `${path}: ${await res.clone().text()}`).toBeLessThan(300);
      return (await res.json()) as Record<string, unknown>;
    };
    const mail = await json('/v1/destinations', { type: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, from: 'shop@kin.test' });
    const push = await json('/v1/destinations', { type: 'webhook', url: hooks.url, secret: SECRET });
    await json(
      '/v1/messaging/policy',
      { channels: { email: { destination: mail.id, consent: 'opt_in' }, push: { destination: push.id, consent: 'opt_in' } } },
      'PUT',
    );
    for (const [key, channel] of [
      ['cart-email', 'email'],
      ['cart-push', 'push'],
    ] as const) {
      await json(
        '/v1/journeys',
        cartJourney(key, [channel], { holdout: { percent: 10, group: 'cart' }, goal: { event: 'Order Completed', within: '1 day' } }),
      );
      await json(`/v1/journeys/${key}/publish`, {});
    }
    const batch = async (events: Array<Record<string, unknown>>) => {
      for (let i = 0; i < events.length; i += 500) {
        const res = await kin.track('/v1/batch', { batch: events.slice(i, i + 500) });
        expect(res.status).toBe(200);
      }
    };
    const stats = async (key: string) => (await (await kin.admin(`/v1/journeys/${key}/stats`)).json()) as JourneyStats;
    const state = async () => ({
      email: await stats('cart-email'),
      push: await stats('cart-push'),
      mails: smtp.mails.length,
      hooks: hooks.received.length,
    });
    const shopperEvents = cartShopperEvents(SHOPPERS);

    await batch(shopperEvents.carts);
    await until(
      'every cart to enter',
      async () => (await stats('cart-email')).entered === 2 * SHOPPERS && (await stats('cart-push')).entered === 2 * SHOPPERS,
      state,
    );
    await batch(shopperEvents.logins);
    clock.advance(30 * 60_000);
    await batch(shopperEvents.orders);
    await until(
      'every buyer to reach the goal',
      async () => (await stats('cart-email')).exited.goal === BUYERS && (await stats('cart-push')).exited.goal === BUYERS,
      state,
    );
    expect(smtp.mails.length + hooks.received.length).toBe(0);

    clock.advance(31 * 60_000);
    const decided = async (key: string) => {
      const s = await stats(key);
      return s.decisions.sent + s.decisions.skipped_duplicate + (s.decisions['held_out'] ?? 0);
    };
    await until(
      'every non-buyer decision',
      async () => (await decided('cart-email')) === SHOPPERS - BUYERS && (await decided('cart-push')) === SHOPPERS - BUYERS,
      state,
    );
    const email = await stats('cart-email');
    const pushStats = await stats('cart-push');
    const sent = email.decisions.sent + pushStats.decisions.sent;
    await until('every reminder delivered', async () => smtp.mails.length + hooks.received.length >= sent, state);
    await new Promise((r) => setTimeout(r, 500));

    // Who got what, by user id: the mail's recipient address, the webhook's Segment-spec userId.
    const reached = [
      ...smtp.mails.map((m) => /^s(\d+)@/.exec(m.to[0] ?? '')?.[1]).map((n) => `u${n}`),
      ...hooks.received.map((h) => (JSON.parse(h.body) as { userId: string; event: string }).userId),
    ];
    expect(new Set(reached).size).toBe(reached.length);
    expect(reached.filter((u) => isCartBuyer(Number(u.slice(1))))).toEqual([]);
    const heldOut = (
      (await (await kin.admin('/v1/messages?journey=cart-email&outcome=held_out&limit=500')).json()) as { data: MessageDecision[] }
    ).data;
    expect(heldOut.length).toBe(email.decisions['held_out']);
    expect(heldOut.length).toBeGreaterThan(0.04 * SHOPPERS);
    expect(heldOut.length).toBeLessThan(0.17 * SHOPPERS);
    expect(reached.length + heldOut.length).toBe(SHOPPERS - BUYERS);
    expect(email.decisions['held_out']).toBe(pushStats.decisions['held_out']);
    // One channel sent, the other said skipped_duplicate, for every reached shopper.
    expect(sent).toBe(reached.length);
    expect(email.decisions.skipped_duplicate + pushStats.decisions.skipped_duplicate).toBe(reached.length);
    expect(email.entered).toBe(SHOPPERS);

    // Standard Webhooks headers and the Idempotency-Key on every push.
    for (const h of hooks.received) {
      const id = h.headers['webhook-id'] ?? '';
      expect(h.headers['idempotency-key']).toBe(id);
      expect(h.headers['webhook-signature']).toBe(webhookSignature(SECRET, id, Number(h.headers['webhook-timestamp']), h.body));
      expect(JSON.parse(h.body)).toMatchObject({
        type: 'track',
        event: 'Message Sent',
        properties: { journey: 'cart-push', channel: 'push', deliveryId: id },
      });
    }
    expect(smtp.mails[0]?.data).toContain('Subject: cart-reminder');
  });
});

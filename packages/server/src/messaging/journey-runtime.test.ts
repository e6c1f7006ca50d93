/**
 * Journeys end to end in process, on a fixed clock: triggers from committed events, waits, exits, holdouts,
 * merges of instances, one message per customer across journeys and channels, quiet hours, calendar caps,
 * decisions on the timeline and explained rule by rule. Destinations are the in-memory transport twin; the
 * real transports have their own end-to-end tests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JourneyStats, MessageDecision } from '@kin/core/api/index.ts';
import { fixedClock } from '../ports/clock.ts';
import { createIdGenerator } from '../ports/ids.ts';
import { createTestApp } from '../testing/app-harness.ts';
import { cartJourney } from '../testing/cart-journey.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createDeliveryTransports } from './delivery-transports.ts';
import { memoryTransport } from './delivery-transport-memory.ts';
import { JOURNEY_CURSOR } from './journey-runner.ts';
import type { MessagingService } from './messaging-service.ts';
import { messagingSourceId, startMessaging } from './messaging-service.ts';

const HOUR = 3_600_000;
let t: TestApp;
let service: MessagingService;
afterEach(async () => {
  await service.close();
  await t.close();
});

async function setup(start: string, policy: Record<string, unknown> = {}, answer?: Parameters<typeof memoryTransport>[1]) {
  const clock = fixedClock(start);
  t = await createTestApp({ clock });
  const messaging = t.store.messaging!;
  const inner = createDeliveryTransports({ clock, ingestor: t.ingestor, timelineSourceId: await messagingSourceId(t.store, clock.now()) });
  const transport = memoryTransport(inner, answer);
  service = await startMessaging({
    store: t.store,
    messaging,
    ingestor: t.ingestor,
    clock,
    ids: createIdGenerator(),
    logger: { info() {}, warn() {}, error() {} },
    pollMs: 0,
    transport,
  });
  const json = async (path: string, body: unknown, method = 'POST') => {
    const res = await t.admin(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const mail = await json('/v1/destinations', { type: 'webhook', url: 'http://127.0.0.1:1/mail', secret: 'secret-secret' });
  const push = await json('/v1/destinations', { type: 'webhook', url: 'http://127.0.0.1:1/push', secret: 'secret-secret' });
  await json(
    '/v1/messaging/policy',
    { channels: { email: { destination: mail.id, consent: 'opt_in' }, push: { destination: push.id, consent: 'opt_in' } }, ...policy },
    'PUT',
  );
  const journey = async (key: string, channels: string[], extra: Record<string, unknown> = {}) => {
    await json('/v1/journeys', cartJourney(key, channels, { goal: { event: 'Order Completed', within: '1 day' }, ...extra }));
    await json(`/v1/journeys/${key}/publish`, {});
  };
  const track = async (body: Record<string, unknown>) => {
    const res = await t.track(body['type'] === 'identify' ? '/v1/identify' : '/v1/track', {
      timestamp: clock.now().toISOString(),
      ...body,
    });
    expect(res.status).toBe(200);
  };
  const consent = { consent: { categoryPreferences: { email: true, push: true } } };
  const shopper = async (i: number, traits: Record<string, unknown> = {}) => {
    await track({
      type: 'identify',
      userId: `u${i}`,
      anonymousId: `web-${i}`,
      traits: { email: `s${i}@shop.test`, pushToken: `tok-${i}`, ...traits },
      context: consent,
    });
  };
  const stats = async (key: string) => (await (await t.admin(`/v1/journeys/${key}/stats`)).json()) as JourneyStats;
  const decisions = async (ref: string) =>
    ((await (await t.admin(`/v1/messages?profile=${encodeURIComponent(ref)}`)).json()) as { data: MessageDecision[] }).data;
  return {
    clock,
    transport,
    json,
    journey,
    track,
    shopper,
    stats,
    decisions,
    mail: mail.id as string,
    push: push.id as string,
    settle: () => service.settle(),
  };
}

describe('journey runtime', () => {
  it('while nothing listens it reads no event and commits no cursor; a journey published later misses none after it', async () => {
    const s = await setup('2026-06-01T12:00:00.000Z');
    const messaging = t.store.messaging!;
    for (let i = 0; i < 5; i++) await s.track({ anonymousId: `early-${i}`, event: 'Product Added', properties: { cart_id: `e${i}` } });
    await s.settle();
    // Idle: the webhooks forward nothing and no journey exists, so the cursor was never committed.
    expect(await messaging.readCursor(JOURNEY_CURSOR)).toBe(0);
    await s.journey('late', ['email']);
    await s.track({ anonymousId: 'late-1', event: 'Product Added', properties: { cart_id: 'l1' } });
    await s.settle();
    // Only the event after the journey entered it; the cursor moved past every event.
    expect((await s.stats('late')).entered).toBe(1);
    expect(await messaging.readCursor(JOURNEY_CURSOR)).toBeGreaterThan(5);
  });

  it('sends one reminder per customer across journeys and channels, none to buyers; the second decision is skipped_duplicate', async () => {
    const s = await setup('2026-06-01T12:00:00.000Z');
    await s.journey('cart-email', ['email']);
    await s.journey('cart-push', ['push']);
    // Shopper 1 adds cart c1 on the web and in the app (two anonymous ids), then logs in on both.
    await s.track({ anonymousId: 'web-1', event: 'Product Added', properties: { cart_id: 'c1' } });
    await s.track({ anonymousId: 'app-1', event: 'Product Added', properties: { cart_id: 'c1' } });
    await s.settle();
    await s.shopper(1);
    await s.track({ type: 'identify', userId: 'u1', anonymousId: 'app-1' });
    // Shopper 2 adds c2 and buys within the wait.
    await s.shopper(2);
    await s.track({ userId: 'u2', event: 'Product Added', properties: { cart_id: 'c2' } });
    await s.settle();
    s.clock.advance(30 * 60_000);
    await s.track({ userId: 'u2', event: 'Order Completed', properties: { cart_id: 'c2' } });
    await s.settle();
    expect(s.transport.sent).toEqual([]);
    s.clock.advance(HOUR);
    await s.settle();

    const messages = s.transport.sent.filter((x) => (x.payload as { event: { event: string } }).event.event === 'Message Sent');
    expect(messages).toHaveLength(1);
    const event = (messages[0]?.payload as { event: { userId: string; properties: Record<string, unknown> } }).event;
    expect(event.userId).toBe('u1');
    expect(event.properties).toMatchObject({ message: 'cart-reminder', dedupeKey: 'cart:c1', deliveryId: messages[0]?.deliveryId });
    const outcomes = (await s.decisions('user_id:u1')).map((d) => d.outcome).sort();
    expect(outcomes).toEqual(['sent', 'skipped_duplicate']);
    expect(await s.decisions('user_id:u2')).toEqual([]);
    const email = await s.stats('cart-email');
    const push = await s.stats('cart-push');
    expect(email.decisions.sent + push.decisions.sent).toBe(1);
    expect(email.decisions.skipped_duplicate + push.decisions.skipped_duplicate).toBe(1);
    // Two instances of c1 entered each journey (two profiles then); after the merge one of each carries on.
    expect(email.entered).toBe(2);
    expect(email.exited.goal).toBe(1);

    // Every decision is on the profile's timeline, and explained rule by rule.
    const timeline = (await (await t.admin('/v1/profiles/user_id:u1/events?event=Message%20Decided')).json()) as {
      data: Array<{ properties: Record<string, unknown> }>;
    };
    expect(timeline.data.map((e) => e.properties['outcome']).sort()).toEqual(['sent', 'skipped_duplicate']);
    const skipped = (await s.decisions('user_id:u1')).find((d) => d.outcome === 'skipped_duplicate')!;
    const explained = (await (await t.admin(`/v1/messages/${skipped.id}`)).json()) as MessageDecision;
    expect(explained.rules.map((r) => `${r.rule}:${r.result}`)).toEqual(['S1 holdout:pass', 'S2 exit:pass', 'S3 dedupe:stop']);
  });

  it('a wait counts from when its step was due, not from when a late runner reaches it', async () => {
    // Two waits of an hour: the runner walks the first at 12:00 and is away until 15:00, when both have
    // elapsed. The reminder goes out at 15:00 (a runner that counted from its own pass would wait until 16:00).
    const s = await setup('2026-06-01T12:00:00.000Z');
    await s.journey('cart', ['email'], {
      steps: [
        { wait: '1 hour' },
        { wait: '1 hour' },
        { send: { message: 'cart-reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['email'] } },
      ],
    });
    await s.shopper(1);
    await s.track({ userId: 'u1', event: 'Product Added', properties: { cart_id: 'c1' } });
    await s.settle();
    s.clock.set('2026-06-01T15:00:00.000Z');
    await s.settle();
    expect((await s.decisions('user_id:u1')).map((d) => `${d.outcome}@${d.decidedAt}`)).toEqual(['sent@2026-06-01T15:00:00.000Z']);
  });

  it('holds out a stable share of profiles and sends them nothing', async () => {
    const s = await setup('2026-06-01T12:00:00.000Z');
    await s.journey('cart', ['email'], { holdout: { percent: 50 } });
    for (let i = 0; i < 20; i++) {
      await s.shopper(i);
      await s.track({ userId: `u${i}`, event: 'Product Added', properties: { cart_id: `c${i}` } });
    }
    await s.settle();
    s.clock.advance(HOUR);
    await s.settle();
    const stats = await s.stats('cart');
    expect(stats.heldOut).toBeGreaterThan(0);
    expect(stats.decisions.sent).toBe(20 - stats.heldOut);
    expect(stats.decisions['held_out']).toBe(stats.heldOut);
    expect(s.transport.sent.length).toBe(20 - stats.heldOut);

    // Half of them buy after the reminders: the goal's rates compare the treated with the held out.
    for (let i = 0; i < 10; i++) await s.track({ userId: `u${i}`, event: 'Order Completed', properties: { cart_id: `c${i}` } });
    await s.settle();
    const held = new Set<number>();
    for (let i = 0; i < 20; i++) if ((await s.decisions(`user_id:u${i}`))[0]?.outcome === 'held_out') held.add(i);
    const rate = (group: number[]) => group.filter((i) => i < 10).length / group.length;
    const all = Array.from({ length: 20 }, (_, i) => i);
    const treated = rate(all.filter((i) => !held.has(i)));
    const holdout = rate(all.filter((i) => held.has(i)));
    const goal = (await s.stats('cart')).goal;
    expect(goal.treated).toBeCloseTo(treated, 3);
    expect(goal.holdout).toBeCloseTo(holdout, 3);
    if (holdout > 0) expect(goal.lift).toBeCloseTo((treated - holdout) / holdout, 3);
    else expect(goal.lift).toBeNull();
  });

  it('defers a send inside quiet hours to the end of the window in the shopper time zone (02:00 → 08:00 local)', async () => {
    // 08:00 UTC is 02:00 in Chicago (UTC−6 in January).
    const s = await setup('2026-01-15T07:00:00.000Z', { quietHours: { start: '21:00', end: '08:00', fallback: 'defer' } });
    await s.journey('cart', ['email'], {
      steps: [
        { wait: '1 hour' },
        { send: { message: 'cart-reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['email'] } },
      ],
    });
    await s.shopper(1, { timezone: 'America/Chicago' });
    await s.track({ userId: 'u1', event: 'Product Added', properties: { cart_id: 'c1' } });
    await s.settle();
    s.clock.advance(HOUR);
    await s.settle();
    expect(s.transport.sent).toEqual([]);
    const [deferred] = await s.decisions('user_id:u1');
    expect(deferred).toMatchObject({ outcome: 'deferred_quiet', deferredUntil: '2026-01-15T14:00:00.000Z' });
    s.clock.set('2026-01-15T13:59:00.000Z');
    await s.settle();
    expect(s.transport.sent).toEqual([]);
    s.clock.set('2026-01-15T14:00:00.000Z');
    await s.settle();
    expect(s.transport.sent).toHaveLength(1);
    expect((await s.decisions('user_id:u1'))[0]).toMatchObject({ outcome: 'sent', decidedAt: '2026-01-15T14:00:00.000Z' });
  });

  it('caps sends per calendar day in the shopper time zone', async () => {
    // 1 per calendar day. Tokyo is UTC+9: 14:00 UTC is 23:00 there, 15:30 UTC is 00:30 the next day.
    const s = await setup('2026-06-01T12:00:00.000Z', {
      capCounting: 'calendar_user_tz',
      frequencyCaps: [{ channel: 'any', max: 1, per: '1 day' }],
    });
    await s.journey('cart', ['email']);
    await s.shopper(1, { timezone: 'Asia/Tokyo' });
    await s.track({ userId: 'u1', event: 'Product Added', properties: { cart_id: 'a' } });
    await s.settle();
    s.clock.set('2026-06-01T13:30:00.000Z');
    await s.track({ userId: 'u1', event: 'Product Added', properties: { cart_id: 'b' } });
    await s.settle();
    s.clock.set('2026-06-01T14:00:00.000Z'); // a's reminder: sent (22:.. wait ends 13:00 → sent at 14:00 = 23:00 Tokyo)
    await s.settle();
    s.clock.set('2026-06-01T14:40:00.000Z'); // b's reminder, 23:40 Tokyo, same day: capped
    await s.settle();
    await s.track({ userId: 'u1', event: 'Product Added', properties: { cart_id: 'c' } });
    await s.settle();
    s.clock.set('2026-06-01T15:45:00.000Z'); // c's reminder, 00:45 Tokyo the next day: sent
    await s.settle();
    const outcomes = (await s.decisions('user_id:u1')).reverse().map((d) => `${d.dedupeKey}:${d.outcome}`);
    expect(outcomes).toEqual(['cart:a:sent', 'cart:b:skipped_cap', 'cart:c:sent']);
  });

  it('starts on entering an audience and ends on entering another (the real evaluator)', async () => {
    const s = await setup('2026-06-01T12:00:00.000Z');
    const audience = (key: string) => s.json('/v1/audiences', { key, where: { trait: { key, op: 'eq', value: true } } });
    await audience('vip');
    await audience('unsubscribed');
    await t.audiences.drain();
    await s.journey('vip-welcome', ['email'], {
      trigger: { audience: 'vip' },
      exit: [{ audience: 'unsubscribed', entered: true }],
      steps: [
        { wait: '1 hour' },
        { send: { message: 'vip-welcome', dedupeKey: 'vip:{{trigger.properties.audience}}', channels: ['email'] } },
      ],
    });
    for (const i of [1, 2, 3]) await s.shopper(i, { vip: i !== 3 });
    await t.audiences.drain();
    await s.settle();
    await s.track({ type: 'identify', userId: 'u2', traits: { unsubscribed: true } }); // within the wait
    await t.audiences.drain();
    await s.settle();
    s.clock.advance(HOUR);
    await s.settle();
    const sent = s.transport.sent.map((x) => (x.payload as { event: { userId?: string; event: string } }).event);
    expect(sent.filter((e) => e.event === 'Message Sent').map((e) => e.userId)).toEqual(['u1']);
    expect(await s.stats('vip-welcome')).toMatchObject({ entered: 2, exited: { exitRule: 1 }, decisions: { sent: 1 } });
  });

  it('starts at most entry.maxPerProfile instances per profile', async () => {
    const s = await setup('2026-06-01T12:00:00.000Z');
    await s.journey('cart', ['email'], { entry: { maxPerProfile: 2 } });
    await s.shopper(1);
    for (const cart of ['a', 'b', 'c']) await s.track({ userId: 'u1', event: 'Product Added', properties: { cart_id: cart } });
    await s.settle();
    s.clock.advance(HOUR);
    await s.settle();
    expect((await s.stats('cart')).entered).toBe(2);
    expect((await s.decisions('user_id:u1')).map((d) => `${d.dedupeKey}:${d.outcome}`).sort()).toEqual(['cart:a:sent', 'cart:b:sent']);
  });

  for (const how of ['undo', 'split'] as const) {
    it(`an instance follows the ${how} of the merge that joined its profile: it decides for its cart's own profile`, async () => {
      const s = await setup('2026-06-01T12:00:00.000Z');
      await s.journey('cart', ['email']);
      await s.shopper(1); // u1, web-1, with an email and consent
      await s.track({ anonymousId: 'app-1', event: 'Product Added', properties: { cart_id: 'c1' } }); // a second profile
      await s.settle();
      await s.track({ type: 'identify', userId: 'u1', anonymousId: 'app-1' }); // the merge
      await s.settle();
      if (how === 'undo') {
        const explain = (await (await t.admin('/v1/profiles/user_id:u1/explain')).json()) as { merges: Array<{ id: string }> };
        expect(explain.merges).toHaveLength(1);
        await s.json(`/v1/merges/${explain.merges[0]!.id}/undo`, {});
      } else await s.json('/v1/profiles/user_id:u1/split', { externalIds: ['anonymous_id:app-1'] });
      s.clock.advance(HOUR);
      await s.settle();
      // Merged, the reminder would have gone to u1 (consenting, with an email); apart again, the cart's own
      // profile gave no consent.
      const app = (await (await t.admin('/v1/profiles/anonymous_id:app-1')).json()) as { id: string };
      const decisions = (await (await t.admin('/v1/messages?journey=cart')).json()) as { data: MessageDecision[] };
      expect(decisions.data.map((d) => [d.profileId, d.outcome])).toEqual([[app.id, 'skipped_consent']]);
      expect(s.transport.sent.filter((x) => (x.payload as { event: { event: string } }).event.event === 'Message Sent')).toEqual([]);
    });
  }

  it('a 410 disables the destination and fails its queue; a failed delivery can be retried', async () => {
    const s = await setup('2026-06-01T12:00:00.000Z', {}, () => ({ status: 410 }));
    await s.journey('cart', ['email']);
    for (const i of [1, 2]) {
      await s.shopper(i);
      await s.track({ userId: `u${i}`, event: 'Product Added', properties: { cart_id: `c${i}` } });
    }
    await s.settle();
    s.clock.advance(HOUR);
    await s.settle();
    const destinations = (await (await t.admin('/v1/destinations')).json()) as { data: Array<{ id: string; status: string }> };
    expect(destinations.data.find((d) => d.id === s.mail)?.status).toBe('disabled');
    const failed = (await (await t.admin(`/v1/deliveries?status=failed&destination=${s.mail}`)).json()) as {
      data: Array<{ id: string; attempts: number }>;
    };
    expect(failed.data).toHaveLength(2);
    // Both may go out in the batch that met the 410; nothing is tried after it.
    expect(s.transport.sent.length).toBeLessThanOrEqual(2);
    const retried = await t.admin(`/v1/deliveries/${failed.data[0]!.id}/retry`, { method: 'POST' });
    expect(await retried.json()).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await t.admin(`/v1/deliveries/${failed.data[0]!.id}/retry`, { method: 'POST' })).status).toBe(409);
  });
});

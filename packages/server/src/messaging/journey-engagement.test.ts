/**
 * `choose: "best_engagement"` fed by real clicks and opens, in process on a fixed clock: shoppers get a
 * welcome by email and by push, then click tracked links (the channel is the link's utm_medium) or open the
 * email (the pixel: the SMTP channel). The cart reminder goes to the channel each engaged with; a click on a
 * channel that never sent the shopper anything, or a bot's click, counts for nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreatedLink, LinkStats, MessageDecision, RecipientLink } from '@kin/core/api/index.ts';
import { fixedClock } from '../ports/clock.ts';
import { createIdGenerator } from '../ports/ids.ts';
import { createTestApp } from '../testing/app-harness.ts';
import type { TestApp } from '../testing/app-harness.ts';
import { createDeliveryTransports } from './delivery-transports.ts';
import { memoryTransport } from './delivery-transport-memory.ts';
import type { MessagingService } from './messaging-service.ts';
import { messagingSourceId, startMessaging } from './messaging-service.ts';

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const BOT = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';
let t: TestApp;
let service: MessagingService;
afterEach(async () => {
  await service.close();
  await t.close();
});

describe('best_engagement', () => {
  it('sends on the channel each shopper engaged with; clicks without a message on that channel and bot clicks do not count', async () => {
    const clock = fixedClock('2026-06-01T12:00:00.000Z');
    t = await createTestApp({ clock, env: { KIN_LINKS_SCANNER_SECONDS: '0' } });
    const inner = createDeliveryTransports({
      clock,
      ingestor: t.ingestor,
      timelineSourceId: await messagingSourceId(t.store, clock.now()),
    });
    service = await startMessaging({
      store: t.store,
      messaging: t.store.messaging!,
      ingestor: t.ingestor,
      clock,
      ids: createIdGenerator(),
      logger: { info() {}, warn() {}, error() {} },
      pollMs: 0,
      transport: memoryTransport(inner),
    });
    const json = async <T>(path: string, body: unknown, method = 'POST'): Promise<T> => {
      const res = await t.admin(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const track = async (body: Record<string, unknown>) => {
      expect(
        (await t.track(body['type'] === 'identify' ? '/v1/identify' : '/v1/track', { timestamp: clock.now().toISOString(), ...body }))
          .status,
      ).toBe(200);
    };
    const mail = await json<{ id: string }>('/v1/destinations', {
      type: 'smtp',
      host: '127.0.0.1',
      port: 1,
      secure: false,
      from: 'shop@kin.test',
    });
    const push = await json<{ id: string }>('/v1/destinations', {
      type: 'webhook',
      url: 'http://127.0.0.1:1/push',
      secret: 'secret-secret',
    });
    await json(
      '/v1/messaging/policy',
      { channels: { email: { destination: mail.id, consent: 'opt_in' }, push: { destination: push.id, consent: 'opt_in' } } },
      'PUT',
    );
    const journey = async (key: string, trigger: string, channels: string[], choose?: string) => {
      await json('/v1/journeys', {
        key,
        trigger: { event: trigger },
        steps: [{ send: { message: key, dedupeKey: key, channels, ...(choose ? { choose } : {}) } }],
      });
      await json(`/v1/journeys/${key}/publish`, {});
    };
    await journey('hello-email', 'Signed Up', ['email']);
    await journey('hello-push', 'Signed Up', ['push']);
    // Push first: with no engagement the reminder goes by push.
    await journey('cart', 'Product Added', ['push', 'email'], 'best_engagement');

    const consent = { consent: { categoryPreferences: { email: true, push: true } } };
    for (const i of [1, 2, 3, 4, 5]) {
      await track({ type: 'identify', userId: `u${i}`, traits: { email: `s${i}@shop.test`, pushToken: `tok-${i}` }, context: consent });
      // u3 never signs up: it is sent nothing before the cart.
      if (i !== 3) await track({ userId: `u${i}`, event: 'Signed Up' });
    }
    await service.settle();

    // Tracked links of the welcome messages: the medium names the channel.
    const link = async (medium: string | undefined) => {
      const created = await json<CreatedLink>('/v1/links', {
        url: 'https://shop.example/cart',
        ...(medium ? { utm: { source: 'kin', medium } } : {}),
      });
      const { data } = await json<{ data: RecipientLink[] }>(`/v1/links/${created.id}/recipients`, {
        refs: [1, 2, 3, 4, 5].map((i) => `user_id:u${i}`),
      });
      return {
        id: created.id,
        token: (i: number) => data[i - 1]!.token,
        path: (i: number) => new URL(data[i - 1]!.url).pathname + new URL(data[i - 1]!.url).search,
      };
    };
    const byEmail = await link('email');
    const byPush = await link('push');
    const hit = async (path: string, agent = BROWSER) =>
      expect((await t.app.request(path, { headers: { 'user-agent': agent } })).status).toBeLessThan(400);
    await hit(byEmail.path(1)); // u1 clicks the email's link
    await hit(`/o/${byEmail.token(2)}.gif`); // u2 opens the email
    await hit(byEmail.path(3)); // u3 clicks an email link but was never sent an email
    await hit(byPush.path(4)); // u4: two push clicks, one email click
    await hit(byPush.path(4));
    await hit(byEmail.path(4));
    await hit(byEmail.path(5), BOT); // u5's email link, expanded by a bot
    const stats = async (id: string) => (await (await t.admin(`/v1/links/${id}/stats`)).json()) as LinkStats;
    for (
      let i = 0;
      i < 500 &&
      !(
        (await stats(byEmail.id)).clicks === 3 &&
        (await stats(byEmail.id)).botClicks === 1 &&
        (await stats(byEmail.id)).opens === 1 &&
        (await stats(byPush.id)).clicks === 2
      );
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await service.settle();

    for (const i of [1, 2, 3, 4, 5]) await track({ userId: `u${i}`, event: 'Product Added' });
    await service.settle();
    const carts = ((await (await t.admin('/v1/messages?journey=cart&limit=10')).json()) as { data: MessageDecision[] }).data;
    const channelOf = async (i: number) => {
      const profile = (await (await t.admin(`/v1/profiles/user_id:u${i}`)).json()) as { id: string };
      return carts.find((d) => d.profileId === profile.id)?.channel;
    };
    expect(await Promise.all([1, 2, 3, 4, 5].map(channelOf))).toEqual(['email', 'email', 'push', 'push', 'push']);
    const u4 = carts.find((d) => d.channel === 'push' && d.rules.some((r) => r.detail.includes('push 2')));
    expect(u4?.rules.find((r) => r.rule === 'S8 channel choice')?.detail).toBe('best_engagement: push (push 2, email 1)');
  });
});

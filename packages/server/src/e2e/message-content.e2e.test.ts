/**
 * Templated message content for webhook and Segment channels, with real parts, in both modes: Kin on a socket
 * (embedded: writer thread and SQLite file; pipeline: PostgreSQL and NATS JetStream, skipped without them unless
 * KIN_REQUIRE_SERVICES), a local webhook receiver and a local receiver standing in for Segment's tracking API,
 * which also gets the tracked events its destination names (forwarding). A journey
 * sends an app message to the webhook (a channel without a contact point) and a CRM message to the Segment destination; each `Message Sent`
 * carries `properties.content` rendered for its shopper from the trigger (`{{trigger.properties.cart_id}}`) and
 * the profile (`{{profile.traits.first_name | default: "there"}}`), values as JSON text (never re-parsed), and the
 * webhook body is the one its Standard Webhooks signature signs. Content that cannot render is refused when the
 * journey is created, naming the field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { webhookSignature } from '../messaging/delivery-transports.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import { fixedClock } from '../ports/clock.ts';
import { startWebhookReceiver } from '../testing/delivery-receivers.ts';
import type { ReceivedHook } from '../testing/delivery-receivers.ts';
import { adminError, adminJson, startTestKin } from '../testing/kin-harness.ts';
import { deleteTestStream, testNatsStatus, testNatsUrl, testStreamNames, until } from '../testing/nats-test-server.ts';

const services = (await testPostgresStatus()).ok && (await testNatsStatus()).ok;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The environment of a mode: embedded (SQLite file) or the pipeline (PostgreSQL and NATS JetStream). */
async function modeEnv(mode: 'embedded' | 'pipeline'): Promise<{ env: Record<string, string>; db?: string }> {
  if (mode === 'embedded') return { env: {} };
  const pg = await createTestDatabase();
  closers.push(() => pg.drop());
  const names = testStreamNames();
  closers.push(() => deleteTestStream(testNatsUrl(), names.nats.stream));
  return { env: { ...names.env, KIN_PIPELINE: testNatsUrl() }, db: pg.url };
}

const SECRET = 'whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=';

interface SentEvent {
  event: string;
  userId?: string;
  messageId: string;
  properties: { channel: string; message: string; deliveryId: string; content?: Record<string, string> };
}

for (const mode of ['embedded', 'pipeline'] as const) {
  describe.skipIf(mode === 'pipeline' && !services && !servicesRequired())(
    `message content for webhook and Segment destinations (${mode})`,
    () => {
      it(
        'renders each shopper content into Message Sent on both destinations, forwards events to Segment, and refuses bad templates',
        { timeout: 120_000 },
        async () => {
          const hooks = await startWebhookReceiver();
          closers.push(hooks.close);
          const segment = await startWebhookReceiver();
          closers.push(segment.close);
          const { env, db } = await modeEnv(mode);
          const kin = await startTestKin({
            clock: fixedClock('2026-06-01T12:00:00.000Z'),
            env: { KIN_MESSAGING_POLL_MS: '20', ...env },
            ...(db ? { db } : {}),
          });
          closers.push(kin.close);
          const json = (path: string, body: unknown, method?: string) => adminJson(kin, path, body, method);

          const hook = await json('/v1/destinations', { type: 'webhook', url: hooks.url, secret: SECRET });
          const crm = await json('/v1/destinations', {
            type: 'segment',
            url: segment.url.replace(/\/hook$/, ''),
            writeKey: 'wk-crm',
            events: ['Product Added'],
          });
          await json(
            '/v1/messaging/policy',
            { channels: { app: { destination: hook.id, consent: 'opt_out' }, crm: { destination: crm.id, consent: 'opt_out' } } },
            'PUT',
          );
          const journey = (appContent: Record<string, unknown>) => ({
            key: 'cart-content',
            trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
            steps: [
              { send: { message: 'cart-app', dedupeKey: 'app:{{trigger.properties.cart_id}}', channels: ['app'], content: appContent } },
              {
                send: {
                  message: 'cart-crm',
                  dedupeKey: 'crm:{{trigger.properties.cart_id}}',
                  channels: ['crm'],
                  content: {
                    note: '{{profile.traits.first_name | upcase}} left {{trigger.properties.product}} in {{trigger.properties.cart_id}}',
                  },
                },
              },
            ],
          });

          // Refused at creation, each naming its field: an unknown root, an unclosed tag, a bad filter, a bad name, a non-text value.
          for (const [content, field] of [
            [{ title: 'Hi {{customer.first_name}}' }, 'steps[0].send.content.title'],
            [{ body: 'Hi {{profile.traits.first_name' }, 'steps[0].send.content.body'],
            [{ body: '{{profile.traits.first_name | shout}}' }, 'steps[0].send.content.body'],
            [{ 'bad name': 'x' }, 'steps[0].send.content["bad name"]'],
            [{ title: { nested: 'x' } }, 'steps[0].send.content.title'],
          ] as const) {
            expect(await adminError(kin, '/v1/journeys', journey(content))).toEqual({ status: 400, code: 'invalid_journey', field });
          }
          await json(
            '/v1/journeys',
            journey({
              title: 'Cart {{trigger.properties.cart_id}} is waiting',
              body: 'Hi {{profile.traits.first_name | default: "there"}}, your {{trigger.properties.product}} is still here',
              url: 'https://shop.example/cart/{{trigger.properties.cart_id | url_encode}}',
            }),
          );
          await json('/v1/journeys/cart-content/publish', {});

          const events = [
            { type: 'identify', userId: 'ann', traits: { first_name: 'Ann "A" <Co>' } },
            { type: 'identify', userId: 'bob', traits: {} },
            { type: 'track', userId: 'ann', event: 'Product Added', properties: { cart_id: 'c1', product: 'Boots\nsize 40' } },
            { type: 'track', userId: 'bob', event: 'Product Added', properties: { cart_id: 'c 2', product: 'Hat' } },
          ];
          expect((await kin.track('/v1/batch', { batch: events })).status).toBe(200);
          // Segment gets the two Message Sent and, as its destination asks, the two Product Added events.
          await until(async () => hooks.received.length === 2 && segment.received.length === 4, 60_000);

          const sent = (hooks: ReceivedHook[], userId: string, name = 'Message Sent') => {
            const hook = hooks.find((h) => {
              const event = JSON.parse(h.body) as SentEvent;
              return event.userId === userId && event.event === name;
            })!;
            return { hook, event: JSON.parse(hook.body) as SentEvent };
          };
          // The webhook: each shopper's own cart and name (Bob: the default), the product's line break kept as text.
          const ann = sent(hooks.received, 'ann');
          expect(ann.event).toMatchObject({ event: 'Message Sent', properties: { channel: 'app', message: 'cart-app' } });
          expect(ann.event.properties.content).toEqual({
            title: 'Cart c1 is waiting',
            body: 'Hi Ann "A" <Co>, your Boots\nsize 40 is still here',
            url: 'https://shop.example/cart/c1',
          });
          expect(sent(hooks.received, 'bob').event.properties.content).toEqual({
            title: 'Cart c 2 is waiting',
            body: 'Hi there, your Hat is still here',
            url: 'https://shop.example/cart/c%202',
          });
          // The signature signs the body that carries the content.
          const h = ann.hook.headers;
          expect(h['webhook-signature']).toBe(webhookSignature(SECRET, h['webhook-id']!, Number(h['webhook-timestamp']), ann.hook.body));
          expect(h['idempotency-key']).toBe(ann.event.properties.deliveryId);

          // Segment: the track call carries the CRM message's content, with the write key as Basic user.
          const crmAnn = sent(segment.received, 'ann');
          expect(crmAnn.hook.path).toBe('/v1/track');
          expect(crmAnn.hook.headers['authorization']).toBe(`Basic ${Buffer.from('wk-crm:').toString('base64')}`);
          expect(crmAnn.event).toMatchObject({ event: 'Message Sent', properties: { channel: 'crm', message: 'cart-crm' } });
          expect(crmAnn.event.properties.content).toEqual({ note: 'ANN "A" <CO> left Boots\nsize 40 in c1' });
          expect(sent(segment.received, 'bob').event.properties.content).toEqual({ note: ' left Hat in c 2' });

          // The forwarded events: in the Segment spec, as they were tracked (no content: they are not messages).
          const forwarded = sent(segment.received, 'bob', 'Product Added');
          expect(forwarded.hook.path).toBe('/v1/track');
          expect(forwarded.event).toMatchObject({ type: 'track', event: 'Product Added', properties: { cart_id: 'c 2', product: 'Hat' } });

          // Every request had its own delivery as idempotency key, none sent twice.
          const keys = [...hooks.received, ...segment.received].map((r) => r.headers['idempotency-key']);
          expect(new Set(keys).size).toBe(6);
        },
      );
    },
  );
}

/**
 * Journey messages under faults (issue 16, "delivery that never loses or doubles a message"): an abandoned-cart
 * journey decides one push per shopper and delivers it to a real local webhook receiver that answers 500 to 10 %
 * of first attempts and 429 to 5 %, while Kin (a real `kin serve` process on a SQLite file) is killed with kill -9
 * twice mid-run, between deciding and delivering, and started again. Carts keep arriving across the kills, some
 * twice (the client retries the batch it sent when Kin died, and the app adds the same cart again).
 *
 * The observed effect is exactly once: the receiver keeps the first 2xx per Idempotency-Key, and every shopper
 * has exactly one key (no loss: none missing; no double: no second key for the same (profile, dedupeKey), which
 * a message decided again after a crash would carry). delivery-faults.e2e.test.ts proves the same for forwarded
 * events at 10,000.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MessageDecision } from '@kin/core/api/index.ts';
import { failingFirstAttempts, startWebhookReceiver } from '../testing/delivery-receivers.ts';
import type { ServeProcess } from '../testing/kin-process.ts';
import { serveKin } from '../testing/kin-process.ts';
import { until } from '../testing/nats-test-server.ts';

const SHOPPERS = 400;
const BATCH = 40;
const ADMIN = 'journey-faults-admin-token-0';
const WRITE_KEY = 'journey-faults-write-key';
const dir = mkdtempSync(join(tmpdir(), 'kin-journey-faults-'));
const env = { KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: `web:${WRITE_KEY}`, KIN_MESSAGING_POLL_MS: '50', KIN_DELIVERY_LEASE_SECONDS: '2' };
let kin: ServeProcess | undefined;
afterAll(async () => {
  kin?.child.kill('SIGKILL');
  await kin?.exited;
  rmSync(dir, { recursive: true, force: true });
});

/** A Message Sent webhook body: who it is for and which logical message. */
interface SentBody {
  userId: string;
  properties: { dedupeKey: string; deliveryId: string; journey: string };
}

describe('journey delivery faults', () => {
  it('delivers each decided message exactly once by Idempotency-Key across 500s, 429s and two kill -9', { timeout: 120_000 }, async () => {
    const hooks = await startWebhookReceiver(failingFirstAttempts());
    const db = join(dir, 'kin.db');
    kin = await serveKin(['--db', db], env);
    const call = async (route: string, body?: unknown, method = body ? 'POST' : 'GET') => {
      const res = await fetch(kin!.url + route, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, route).toBeLessThan(300);
      return (await res.json()) as Record<string, unknown>;
    };
    const push = await call('/v1/destinations', { type: 'webhook', url: hooks.url, secret: 'journey-faults-secret-0' });
    await call('/v1/messaging/policy', { channels: { push: { destination: push.id, consent: 'opt_in' } } }, 'PUT');
    await call('/v1/journeys', {
      key: 'cart',
      trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
      steps: [{ wait: '1s' }, { send: { message: 'cart-reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['push'] } }],
    });
    await call('/v1/journeys/cart/publish', {});

    const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
    const consent = { consent: { categoryPreferences: { push: true } } };
    const batchOf = (start: number, source: 'web' | 'app') =>
      Array.from({ length: BATCH }, (_, k) => start + k).flatMap((i) => [
        { type: 'identify', userId: `u${i}`, messageId: `id-${i}`, traits: { pushToken: `tok-${i}` }, context: consent },
        { type: 'track', userId: `u${i}`, event: 'Product Added', messageId: `add-${source}-${i}`, properties: { cart_id: `c${i}` } },
      ]);
    const send = async (batch: unknown[]) => {
      const res = await fetch(kin!.url + '/v1/batch', {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
      expect(res.status).toBe(200);
    };
    const atKills: string[] = [];
    const deliveredKeys = () => new Set(hooks.received.filter((h) => h.status === 200).map((h) => h.headers['idempotency-key']));

    // Carts arrive in batches; after the 4th and the 8th, once some of them are delivered but not all, kill -9
    // and start again: the crash lands between decisions, outbox rows and deliveries in flight.
    for (let start = 0; start < SHOPPERS; start += BATCH) {
      await send(batchOf(start, 'web'));
      const fed = start + BATCH;
      if (fed === 4 * BATCH || fed === 8 * BATCH) {
        await until(async () => deliveredKeys().size >= fed - 2 * BATCH, 60_000);
        atKills.push(`${deliveredKeys().size} of ${fed} fed delivered`);
        kin.child.kill('SIGKILL');
        await kin.exited;
        kin = await serveKin(['--db', db], env);
        // The client retries the batch it sent when Kin died (same messageIds), and the app adds the same carts.
        await send(batchOf(start, 'web'));
        await send(batchOf(start, 'app'));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(async () => deliveredKeys().size >= SHOPPERS, 90_000);
    // Time for a doubled message, if there were one, to arrive too.
    await new Promise((r) => setTimeout(r, 1_500));

    // One decision per cart, all sent.
    const decisions = ((await call('/v1/messages?journey=cart&limit=500')) as unknown as { data: MessageDecision[] }).data;
    expect(decisions).toHaveLength(SHOPPERS);
    expect(decisions.every((d) => d.outcome === 'sent')).toBe(true);
    kin.child.kill('SIGTERM');
    await kin.exited;
    await hooks.close();

    // Exactly once by Idempotency-Key: every shopper's hooks carry one key, every key one (shopper, dedupeKey),
    // and every key was answered 2xx at least once.
    const keysByMessage = new Map<string, Set<string>>();
    const messageByKey = new Map<string, Set<string>>();
    for (const h of hooks.received) {
      const key = h.headers['idempotency-key'] ?? '';
      const body = JSON.parse(h.body) as SentBody;
      const message = `${body.userId}/${body.properties.dedupeKey}`;
      expect(body.properties.deliveryId).toBe(key);
      keysByMessage.set(message, (keysByMessage.get(message) ?? new Set()).add(key));
      messageByKey.set(key, (messageByKey.get(key) ?? new Set()).add(message));
    }
    expect(keysByMessage.size).toBe(SHOPPERS);
    expect([...keysByMessage].filter(([, keys]) => keys.size !== 1)).toEqual([]);
    expect([...messageByKey].filter(([, messages]) => messages.size !== 1)).toEqual([]);
    for (let i = 0; i < SHOPPERS; i++) expect(keysByMessage.has(`u${i}/cart:c${i}`), `u${i}`).toBe(true);
    expect(deliveredKeys().size).toBe(SHOPPERS);
    // The faults happened: first attempts failed, and some keys arrived more than once (retries, redeliveries).
    const failed = hooks.received.filter((h) => h.status !== 200).length;
    expect(failed).toBeGreaterThan(0.08 * SHOPPERS);
    console.log(
      `journey delivery faults: ${hooks.received.length} requests for ${SHOPPERS} messages, ${failed} answered 500/429; at the kills ${atKills.join(', ')}`,
    );
  });
});

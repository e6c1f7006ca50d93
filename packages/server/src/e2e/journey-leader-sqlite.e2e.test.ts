/**
 * One journey runner per SQLite file: two `kin serve` processes on one file (as PostgreSQL's
 * journey-leader.e2e.test.ts does with a database); only the holder of the runner lease (a row in the file,
 * sqlite-lease.ts) decides. Carts arrive through both; the holder is killed with kill -9 mid-run, the other takes
 * the lease over at once (the holder's pid is gone) and finishes; every cart is decided once and every shopper
 * gets one delivery id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MessageDecision } from '@kin/core/api/index.ts';
import { sqliteLeaseHolder } from '../storage/sqlite/sqlite-test-store.ts';
import { startWebhookReceiver } from '../testing/delivery-receivers.ts';
import { serveKin } from '../testing/kin-process.ts';
import type { ServeProcess } from '../testing/kin-process.ts';
import { until } from '../testing/nats-test-server.ts';

const SHOPPERS = 120;
const ADMIN = 'journey-leader-admin-token-0';
const WRITE_KEY = 'journey-leader-write-key';
const dir = mkdtempSync(join(tmpdir(), 'kin-leader-'));
const processes: ServeProcess[] = [];
afterAll(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  rmSync(dir, { recursive: true, force: true });
});

describe('journey runner on a shared SQLite file', () => {
  it('one of two processes decides; after kill -9 of it the other takes over; nothing is decided twice', { timeout: 300_000 }, async () => {
    const hooks = await startWebhookReceiver();
    const path = join(dir, 'kin.db');
    const env = {
      KIN_ADMIN_TOKEN: ADMIN,
      KIN_WRITE_KEYS: `web:${WRITE_KEY}`,
      KIN_MESSAGING_POLL_MS: '50',
      KIN_DELIVERY_LEASE_SECONDS: '2',
    };
    const first = await serveKin(['--db', path], env);
    processes.push(first);
    const second = await serveKin(['--db', path], env);
    processes.push(second);
    const call = async (kin: ServeProcess, route: string, body?: unknown, method = body ? 'POST' : 'GET') => {
      const res = await fetch(kin.url + route, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, route).toBeLessThan(300);
      return (await res.json()) as Record<string, unknown>;
    };
    const push = await call(first, '/v1/destinations', { type: 'webhook', url: hooks.url, secret: 'leader-secret-0' });
    await call(first, '/v1/messaging/policy', { channels: { push: { destination: push.id, consent: 'opt_in' } } }, 'PUT');
    await call(first, '/v1/journeys', {
      key: 'cart',
      trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
      steps: [{ wait: '1s' }, { send: { message: 'cart-reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['push'] } }],
    });
    await call(first, '/v1/journeys/cart/publish', {});

    // Which process holds the runner lease: its pid is in the holder.
    const holderPid = () => Number(sqliteLeaseHolder(path, 'runner:journeys')?.split(':')[1]);
    await until(async () => [first.child.pid, second.child.pid].includes(holderPid()), 30_000);
    const leader = holderPid() === first.child.pid ? first : second;
    const survivor = leader === first ? second : first;

    const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
    const decisions = async () =>
      ((await call(survivor, '/v1/messages?journey=cart&limit=500')) as unknown as { data: MessageDecision[] }).data;
    const consent = { consent: { categoryPreferences: { push: true } } };
    let killed = false;
    for (let start = 0; start < SHOPPERS; start += 20) {
      const batch = Array.from({ length: 20 }, (_, k) => start + k).flatMap((i) => [
        { type: 'identify', userId: `u${i}`, traits: { pushToken: `tok-${i}` }, context: consent },
        { type: 'track', userId: `u${i}`, event: 'Product Added', properties: { cart_id: `c${i}` } },
      ]);
      const via = !killed && start % 40 === 0 ? leader : survivor;
      const res = await fetch(via.url + '/v1/batch', {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
      expect(res.status).toBe(200);
      if (start === 40) await until(async () => (await decisions()).length > 0, 60_000);
      if (start === 60) {
        leader.child.kill('SIGKILL');
        await leader.exited;
        killed = true;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    await until(async () => holderPid() === survivor.child.pid, 30_000);
    await until(async () => (await decisions()).length >= SHOPPERS, 120_000);
    await until(async () => new Set(hooks.received.map((h) => h.headers['idempotency-key'])).size >= SHOPPERS, 120_000);
    await new Promise((r) => setTimeout(r, 1_000));

    // Decided once: one decision per instance, as many as shoppers, all sent.
    const all = await decisions();
    expect(all).toHaveLength(SHOPPERS);
    expect(new Set(all.map((d) => d.instanceId)).size).toBe(SHOPPERS);
    expect(all.every((d) => d.outcome === 'sent')).toBe(true);
    // Delivered once per shopper: one delivery id each (a redelivery after the kill repeats the same id).
    const keysByUser = new Map<string, Set<string>>();
    for (const h of hooks.received) {
      const user = (JSON.parse(h.body) as { userId: string }).userId;
      keysByUser.set(user, (keysByUser.get(user) ?? new Set()).add(h.headers['idempotency-key'] ?? ''));
    }
    expect(keysByUser.size).toBe(SHOPPERS);
    expect([...keysByUser.values()].filter((keys) => keys.size !== 1)).toEqual([]);
    await hooks.close();
  });
});

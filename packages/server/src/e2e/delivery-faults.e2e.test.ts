/**
 * Delivery under faults: 10,000 events forwarded to a webhook whose receiver answers 500 to 10 % of first
 * attempts and 429 to 5 %, while Kin (a real `kin serve` process on a SQLite file) is killed with kill -9
 * twice mid-run and started again. Every Idempotency-Key arrives, none is lost, and after de-duplication by
 * that key each profile's events arrive in the order they were sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failingFirstAttempts, startWebhookReceiver } from '../testing/delivery-receivers.ts';
import type { ServeProcess } from '../testing/kin-process.ts';
import { serveKin } from '../testing/kin-process.ts';

const EVENTS = 10_000;
const PROFILES = 500;
const dir = mkdtempSync(join(tmpdir(), 'kin-delivery-faults-'));
const WRITE_KEY = 'delivery-faults-write-key';
const ADMIN = 'delivery-faults-admin-token-0';
const env = { KIN_ADMIN_TOKEN: ADMIN, KIN_WRITE_KEYS: `web:${WRITE_KEY}`, KIN_MESSAGING_POLL_MS: '50', KIN_DELIVERY_LEASE_SECONDS: '2' };
let kin: ServeProcess | undefined;
afterAll(() => {
  kin?.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('delivery faults', () => {
  it('delivers every event at least once, in per-profile order, across 500s, 429s and two kill -9', { timeout: 600_000 }, async () => {
    const hooks = await startWebhookReceiver(failingFirstAttempts());
    const db = join(dir, 'kin.db');
    kin = await serveKin(['--db', db], env);
    const admin = (path: string, body?: unknown) =>
      fetch(kin!.url + path, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    expect(
      (await admin('/v1/destinations', { type: 'webhook', url: hooks.url, secret: 'faults-secret-0', events: ['Checkout Step'] })).status,
    ).toBe(201);

    const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
    for (let start = 0; start < EVENTS; start += 500) {
      const batch = Array.from({ length: 500 }, (_, k) => {
        const n = start + k;
        return { type: 'track', userId: `p${n % PROFILES}`, event: 'Checkout Step', messageId: `step-${n}`, properties: { n } };
      });
      const res = await fetch(kin.url + '/v1/batch', {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
      expect(res.status).toBe(200);
    }

    const delivered = () => new Set(hooks.received.filter((h) => h.status === 200).map((h) => h.headers['idempotency-key'])).size;
    const waitFor = async (count: number, timeoutMs: number) => {
      const end = Date.now() + timeoutMs;
      while (delivered() < count && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    };
    for (const at of [2_000, 6_000]) {
      await waitFor(at, 240_000);
      kin.child.kill('SIGKILL');
      await kin.exited;
      kin = await serveKin(['--db', db], env);
    }
    await waitFor(EVENTS, 240_000);
    kin.child.kill('SIGTERM');
    await kin.exited;
    await hooks.close();

    // Every key, each event once after de-duplication, in the order of its profile.
    const firstOk = new Map<string, { user: string; n: number }>();
    const order: Array<{ user: string; n: number }> = [];
    for (const h of hooks.received) {
      const key = h.headers['idempotency-key'] ?? '';
      if (h.status !== 200 || firstOk.has(key)) continue;
      const body = JSON.parse(h.body) as { userId: string; properties: { n: number } };
      firstOk.set(key, { user: body.userId, n: body.properties.n });
      order.push(firstOk.get(key)!);
    }
    expect(firstOk.size).toBe(EVENTS);
    expect(new Set(order.map((o) => o.n)).size).toBe(EVENTS);
    const last = new Map<string, number>();
    let outOfOrder = 0;
    for (const { user, n } of order) {
      if ((last.get(user) ?? -1) > n) outOfOrder++;
      last.set(user, n);
    }
    expect(outOfOrder).toBe(0);
    const failedFirst = hooks.received.filter((h) => h.status !== 200).length;
    expect(failedFirst).toBeGreaterThan(0.1 * EVENTS);
    console.log(`delivery faults: ${hooks.received.length} requests for ${EVENTS} events, ${failedFirst} answered 500/429`);
  });
});

/**
 * One journey runner on a shared PostgreSQL: two `kin serve` processes on one database; only the holder of
 * the runner lease decides. The holder is killed with kill -9 mid-run, the other takes the lease over and
 * finishes, and no message is decided or delivered twice (at least once delivery may repeat a delivery id,
 * never a second delivery for one shopper).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, selectColumn, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import type { TestDatabase } from '../storage/postgres/postgres-test-db.ts';
import { startWebhookReceiver } from '../testing/delivery-receivers.ts';
import { serveKin } from '../testing/kin-process.ts';
import type { ServeProcess } from '../testing/kin-process.ts';

const SHOPPERS = 300;
const ADMIN = 'journey-leader-admin-token-0';
const WRITE_KEY = 'journey-leader-write-key';
const status = await testPostgresStatus();
const processes: ServeProcess[] = [];
let db: TestDatabase | undefined;
afterAll(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await db?.drop();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!status.ok && !servicesRequired())('journey runner on a shared PostgreSQL', () => {
  it(
    'one of two processes decides; after kill -9 of it the other takes over; nothing is decided or delivered twice',
    { timeout: 300_000 },
    async () => {
      db = await createTestDatabase();
      const hooks = await startWebhookReceiver();
      const env = {
        KIN_ADMIN_TOKEN: ADMIN,
        KIN_WRITE_KEYS: `web:${WRITE_KEY}`,
        KIN_MESSAGING_POLL_MS: '50',
        KIN_DELIVERY_LEASE_SECONDS: '2',
      };
      const first = await serveKin(['--db', db.url], env);
      processes.push(first);
      const second = await serveKin(['--db', db.url], env);
      processes.push(second);
      const url = db.url;
      const call = async (kin: ServeProcess, path: string, body?: unknown, method = body ? 'POST' : 'GET') => {
        const res = await fetch(kin.url + path, {
          method,
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        expect(res.status, path).toBeLessThan(300);
        return (await res.json()) as Record<string, unknown>;
      };
      const push = await call(first, '/v1/destinations', { type: 'webhook', url: hooks.url, secret: 'leader-secret-0' });
      await call(first, '/v1/messaging/policy', { channels: { push: { destination: push.id, consent: 'opt_in' } } }, 'PUT');
      await call(first, '/v1/journeys', {
        key: 'cart',
        trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
        steps: [
          { wait: '1s' },
          { send: { message: 'cart-reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels: ['push'] } },
        ],
      });
      await call(first, '/v1/journeys/cart/publish', {});

      // Which process holds the lease: its connection is named after its pid.
      const holders = () =>
        selectColumn(
          url,
          "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'kin-runner:journeys:%'",
        );
      await until('a runner lease holder', async () => (await holders()).length === 1);
      const [holderName] = await holders();
      const leader = [first, second].find((p) => holderName === `kin-runner:journeys:${p.child.pid}`)!;
      const survivor = leader === first ? second : first;
      expect(leader).toBeDefined();

      const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
      const decided = async () => Number((await selectColumn(url, 'SELECT count(*) FROM message_decisions'))[0]);
      const consent = { consent: { categoryPreferences: { push: true } } };
      // Carts arrive over a few seconds through both processes, so the leader is killed with work before and after it.
      let killed = false;
      for (let start = 0; start < SHOPPERS; start += 30) {
        const batch = Array.from({ length: 30 }, (_, k) => start + k).flatMap((i) => [
          { type: 'identify', userId: `u${i}`, traits: { pushToken: `tok-${i}` }, context: consent },
          { type: 'track', userId: `u${i}`, event: 'Product Added', properties: { cart_id: `c${i}` } },
        ]);
        const via = !killed && start % 60 === 0 ? leader : survivor;
        const res = await fetch(via.url + '/v1/batch', {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ batch }),
        });
        expect(res.status).toBe(200);
        if (start === 120) await until('the leader to decide some carts', async () => (await decided()) > 0);
        if (start === 150) {
          leader.child.kill('SIGKILL');
          await leader.exited;
          killed = true;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      const beforeKill = await decided();
      expect(beforeKill).toBeLessThan(SHOPPERS);

      await until('the survivor to take the lease', async () => (await holders()).join() === `kin-runner:journeys:${survivor.child.pid}`);
      await until('every cart decided', async () => (await decided()) >= SHOPPERS);
      const stats = await call(survivor, '/v1/journeys/cart/stats');
      expect(stats).toMatchObject({ entered: SHOPPERS, decisions: { sent: SHOPPERS } });
      await until(
        'every reminder delivered',
        async () => new Set(hooks.received.map((h) => h.headers['idempotency-key'])).size >= SHOPPERS,
      );
      await new Promise((r) => setTimeout(r, 1_000));

      // Decided once: one decision per instance, and as many as shoppers.
      expect(await selectColumn(url, 'SELECT instance_id FROM message_decisions GROUP BY instance_id HAVING count(*) > 1')).toEqual([]);
      expect(await decided()).toBe(SHOPPERS);
      // Delivered once per shopper: one delivery id each (a redelivery after the kill repeats the same id).
      const keysByUser = new Map<string, Set<string>>();
      for (const h of hooks.received) {
        const user = (JSON.parse(h.body) as { userId: string }).userId;
        keysByUser.set(user, (keysByUser.get(user) ?? new Set()).add(h.headers['idempotency-key'] ?? ''));
      }
      expect(keysByUser.size).toBe(SHOPPERS);
      expect([...keysByUser.values()].filter((keys) => keys.size !== 1)).toEqual([]);
      await hooks.close();
    },
  );
});

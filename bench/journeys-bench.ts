/**
 * `npm run bench:journeys`: does journey decision throughput fall as instances grow? The abandoned-cart
 * workload of the e2e proof (two journeys, email and push, a web and an app cart per shopper stitched by an
 * identify, 30 % buyers), in process on a fixed clock (embedded SQLite in memory, Kin's own ingest path, the
 * in-memory transport twin), run at a small size (the baseline) and a large one in the same run. Reported per
 * phase: entries (the runner reading 4 events per shopper) and decisions (walking the due instances), each in
 * µs per instance; the ratio large / small is the degradation (goal <= 1.25: linear).
 *
 *   node --import tsx bench/journeys-bench.ts [--small 200] [--large 2000]
 */
import { performance } from 'node:perf_hooks';
import { createDeliveryTransports } from '../packages/server/src/messaging/delivery-transports.ts';
import { memoryTransport } from '../packages/server/src/messaging/delivery-transport-memory.ts';
import { messagingSourceId, startMessaging } from '../packages/server/src/messaging/messaging-service.ts';
import { fixedClock } from '../packages/server/src/ports/clock.ts';
import { createIdGenerator } from '../packages/server/src/ports/ids.ts';
import { createTestApp } from '../packages/server/src/testing/app-harness.ts';
import { cartJourney, cartShopperEvents } from '../packages/server/src/testing/cart-journey.ts';

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const SMALL = flag('small', 200);
const LARGE = flag('large', 2_000);

/** µs per instance of each phase for `shoppers` shoppers. */
async function run(shoppers: number): Promise<{ entries: number; decisions: number; instances: number }> {
  const clock = fixedClock('2026-06-01T12:00:00.000Z');
  const t = await createTestApp({ clock });
  const inner = createDeliveryTransports({ clock, ingestor: t.ingestor, timelineSourceId: await messagingSourceId(t.store, clock.now()) });
  const service = await startMessaging({
    store: t.store,
    messaging: t.store.messaging!,
    ingestor: t.ingestor,
    clock,
    ids: createIdGenerator(),
    logger: { info() {}, warn() {}, error() {} },
    pollMs: 0,
    transport: memoryTransport(inner),
  });
  const json = async (path: string, body: unknown, method = 'POST') => {
    const res = await t.admin(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const batch = async (events: unknown[]) => {
    for (let i = 0; i < events.length; i += 500) {
      const res = await t.track('/v1/batch', { batch: events.slice(i, i + 500) });
      if (res.status !== 200) throw new Error(`batch: ${res.status}`);
    }
  };
  try {
    const mail = await json('/v1/destinations', { type: 'webhook', url: 'http://127.0.0.1:1/mail', secret: 'bench-secret' });
    const push = await json('/v1/destinations', { type: 'webhook', url: 'http://127.0.0.1:1/push', secret: 'bench-secret' });
    await json(
      '/v1/messaging/policy',
      { channels: { email: { destination: mail.id, consent: 'opt_in' }, push: { destination: push.id, consent: 'opt_in' } } },
      'PUT',
    );
    for (const [key, channel] of [
      ['cart-email', 'email'],
      ['cart-push', 'push'],
    ] as const) {
      await json('/v1/journeys', cartJourney(key, [channel], { holdout: { percent: 10, group: 'cart' } }));
      await json(`/v1/journeys/${key}/publish`, {});
    }
    const shopperEvents = cartShopperEvents(shoppers);
    await batch(shopperEvents.carts);
    await batch(shopperEvents.logins);
    await batch(shopperEvents.orders);
    const instances = 4 * shoppers;
    let start = performance.now();
    await service.settle();
    const entries = ((performance.now() - start) * 1000) / instances;
    clock.advance(61 * 60_000);
    start = performance.now();
    await service.settle();
    const decisions = ((performance.now() - start) * 1000) / instances;
    return { entries, decisions, instances };
  } finally {
    await service.close();
    await t.close();
  }
}

const small = await run(SMALL);
const large = await run(LARGE);
const line = (phase: 'entries' | 'decisions') =>
  `${phase.padEnd(10)} ${small[phase].toFixed(0).padStart(7)} µs/instance at ${small.instances}   ${large[phase].toFixed(0).padStart(7)} µs/instance at ${large.instances}   ratio ${(large[phase] / small[phase]).toFixed(2)}`;
console.log(`journeys: the abandoned-cart workload, ${SMALL} shoppers (baseline) and ${LARGE} shoppers, in-memory SQLite`);
console.log(line('entries'));
console.log(line('decisions'));

/**
 * The ingest benchmark's workload: 100-event batches of mixed track / identify / page calls from a
 * population of shoppers with realistic identifier overlap (several devices per shopper, logins on some,
 * email-only landings, a few shared browsers). Deterministic for a seed.
 */
import { mulberry32 } from '@kin/core';

/** The shared seeded PRNG (mulberry32), under the name this module always exported. */
export const seeded = mulberry32;

/** A v4-shaped UUID from the seeded PRNG: SDKs send random message ids, which scatter a naive index. */
function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

interface Shopper {
  userId: string | undefined;
  email: string;
  browsers: string[];
  device: string | undefined;
}

/** Options of the workload. */
export interface WorkloadOptions {
  shoppers: number;
  batches: number;
  batchSize: number;
  seed?: number;
}

/** Builds the request bodies (already JSON-encoded, so the client measures the server, not itself). */
export function buildBatches(options: WorkloadOptions): string[] {
  const random = seeded(options.seed ?? 42);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const shoppers: Shopper[] = [];
  for (let i = 0; i < options.shoppers; i++) {
    const browsers = Array.from({ length: 1 + Math.floor(random() * 2) }, (_, k) => `anon-${i}-${k}`);
    shoppers.push({
      userId: random() < 0.4 ? `user-${i}` : undefined,
      email: `shopper${i}@example.com`,
      browsers,
      device: random() < 0.3 ? `device-${i}` : undefined,
    });
  }
  // A few shared browsers: two shoppers who both log in on one machine.
  for (let i = 0; i + 1 < options.shoppers; i += 997) shoppers[i + 1]!.browsers.push(shoppers[i]!.browsers[0]!);

  // Traffic comes in sessions: a few hundred shoppers are active at once, each sending a burst of events
  // over some minutes from one browser (or the app), as real shop traffic does.
  interface Session {
    shopper: Shopper;
    anonymousId: string;
    left: number;
  }
  const newSession = (): Session => {
    const shopper = pick(shoppers);
    return { shopper, anonymousId: pick(shopper.browsers), left: 5 + Math.floor(random() * 20) };
  };
  const active: Session[] = Array.from({ length: 500 }, newSession);

  const base = Date.UTC(2026, 10, 1);
  const batches: string[] = [];
  let n = 0;
  for (let b = 0; b < options.batches; b++) {
    const events: unknown[] = [];
    for (let e = 0; e < options.batchSize; e++) {
      const slot = Math.floor(random() * active.length);
      const session = active[slot]!;
      if (--session.left <= 0) active[slot] = newSession();
      const s = session.shopper;
      const anonymousId = session.anonymousId;
      const roll = random();
      const timestamp = new Date(base + n * 100).toISOString();
      const messageId = uuidFrom(random);
      n++;
      if (roll < 0.1 && s.userId) {
        events.push({
          type: 'identify',
          messageId,
          anonymousId,
          userId: s.userId,
          traits: { email: s.email, plan: pick(['free', 'pro']) },
          timestamp,
        });
      } else if (roll < 0.15) {
        events.push({ type: 'page', messageId, anonymousId, name: 'Landing', context: { traits: { email: s.email } }, timestamp });
      } else if (roll < 0.5) {
        events.push({
          type: 'page',
          messageId,
          anonymousId,
          name: pick(['Home', 'Category', 'Product']),
          properties: { path: '/p/' + n },
          timestamp,
        });
      } else if (s.device && roll < 0.6) {
        events.push({
          type: 'track',
          messageId,
          ...(s.userId ? { userId: s.userId } : { anonymousId: `app-${anonymousId}` }),
          event: 'App Opened',
          context: { device: { id: s.device, type: 'ios' } },
          timestamp,
        });
      } else {
        events.push({
          type: 'track',
          messageId,
          anonymousId,
          ...(s.userId && random() < 0.3 ? { userId: s.userId } : {}),
          event: pick(['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed']),
          properties: { sku: `SKU-${Math.floor(random() * 5000)}`, price: Math.round(random() * 10000) / 100 },
          timestamp,
        });
      }
    }
    batches.push(JSON.stringify({ batch: events, sentAt: new Date(base + n * 100).toISOString() }));
  }
  return batches;
}

/**
 * The shared state of one demo generation (the seeded draws, the time window and `emit`) and the shoppers
 * drawn from it. Every generator takes the same `DemoDraw`, so the order of draws, and with it the data set,
 * stays the one the seed gives.
 */
import type { DemoEvent, DemoOptions, DemoSource } from './demo-data.ts';
import { mulberry32 } from '@kin/core';
import { ascii, DOMAINS, FIRST, LAST } from './demo-data-vocabulary.ts';

/** One synthetic shopper and the identifiers they may use. */
export interface Shopper {
  n: number;
  userId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone?: string;
  crmId?: string;
  handle?: { type: 'twitter' | 'instagram'; id: string };
  app?: { type: 'ios' | 'android'; id: string; model: string };
}

/** The seeded draws, the time window and the event sink of one generation. */
export interface DemoDraw {
  rnd: () => number;
  pick: <T>(list: readonly T[]) => T;
  chance: (p: number) => boolean;
  hex: (len: number) => string;
  start: number;
  end: number;
  events: DemoEvent[];
  emit: (source: DemoSource, at: number, event: Record<string, unknown>) => void;
}

/** Starts a generation: the PRNG of `options.seed` and the 14 days before `options.now`. */
export function createDraw(options: DemoOptions): DemoDraw {
  const rnd = mulberry32(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const chance = (p: number) => rnd() < p;
  const hex = (len: number) => Array.from({ length: len }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const end = options.now.getTime();
  const start = end - 14 * 86_400_000;
  const events: DemoEvent[] = [];
  let seq = 0;
  const emit = (source: DemoSource, at: number, event: Record<string, unknown>) => {
    events.push({
      source,
      event: { ...event, messageId: `demo-${options.seed}-${seq++}`, timestamp: new Date(Math.min(at, end)).toISOString() },
    });
  };
  return { rnd, pick, chance, hex, start, end, events, emit };
}

/** Draws `count` shoppers, in order. */
export function drawShoppers(draw: DemoDraw, count: number): Shopper[] {
  const { pick, chance, hex } = draw;
  const shoppers: Shopper[] = [];
  for (let n = 0; n < count; n++) {
    const firstName = pick(FIRST);
    const lastName = pick(LAST);
    const local = `${ascii(firstName)}.${ascii(lastName)}${n}`.toLowerCase();
    const appType = chance(0.45) ? (chance(0.5) ? 'ios' : 'android') : undefined;
    shoppers.push({
      n,
      userId: `u${String(n).padStart(5, '0')}`,
      firstName,
      lastName,
      email: `${local}@${pick(DOMAINS)}`,
      ...(chance(0.5) ? { phone: `+1 (415) 555-${String(1000 + (n % 9000)).padStart(4, '0')}` } : {}),
      ...(chance(0.6) ? { crmId: `CRM-${String(100000 + n)}` } : {}),
      ...(chance(0.3)
        ? { handle: { type: chance(0.5) ? 'twitter' : 'instagram', id: `@${ascii(firstName)}_${ascii(lastName)}${n}` } as const }
        : {}),
      ...(appType
        ? {
            app: {
              type: appType,
              id: `${appType}-${hex(12)}`,
              model: appType === 'ios' ? pick(['iPhone15,2', 'iPhone16,1', 'iPad13,4']) : pick(['Pixel 8', 'SM-S918B', 'Pixel 7a']),
            },
          }
        : {}),
    });
  }
  return shoppers;
}

/** The traits a shopper's logins send. */
export function profileTraits(s: Shopper): Record<string, unknown> {
  return {
    email: s.email,
    firstName: s.firstName,
    lastName: s.lastName,
    ...(s.phone ? { phone: s.phone } : {}),
  };
}

/** The context of a web page event. */
export function webContext(path: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    page: { path, url: `https://shop.example${path}`, title: 'Kin Outdoor' },
    userAgent: 'Mozilla/5.0 (demo)',
    ...extra,
  };
}

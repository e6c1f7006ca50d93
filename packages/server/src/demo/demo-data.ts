/**
 * A seeded, deterministic synthetic shop for `kin demo`: shoppers who browse the web anonymously and log
 * in, use the iOS or Android app, click newsletter links (some landing on a fresh browser with only their
 * email), engage on social (twitter / instagram handles in `context.externalIds`) and sit in a CRM
 * (`crm_id`, phone numbers, and emails with typos in some records). Deliberate hard cases: family tablets
 * and phones shared by two people who both log in (Kin must refuse the shared anonymous or device id, not
 * merge them), blocked placeholder ids and a few invalid events.
 *
 * Same seed and `now`, byte-identical output. Events are Segment-spec JSON, sent through the real API.
 */
import { mulberry32 } from '@kin/core';

/** The demo's sources (one write key each). */
export const DEMO_SOURCES = ['web', 'ios', 'android', 'email', 'social', 'crm'] as const;

/** A demo source name. */
export type DemoSource = (typeof DEMO_SOURCES)[number];

/** The demo's identity policy (saved beside the database): the defaults plus a ranking of trait sources. */
export const DEMO_POLICY = {
  traitSources: {
    email: ['web', 'ios', 'android', '*', 'crm'],
    phone: ['web', 'ios', 'android', '*', 'crm'],
  },
} as const;

/** One event to send, and the source that sends it. */
export interface DemoEvent {
  source: DemoSource;
  event: Record<string, unknown>;
}

/** Options of `generateDemoData`. */
export interface DemoOptions {
  seed: number;
  shoppers: number;
  /** Events are spread over the 14 days before `now`. */
  now: Date;
}

/** What was generated, for the demo's summary and the tests. */
export interface DemoData {
  events: DemoEvent[];
  shoppers: number;
  sharedDevices: number;
  crmTypos: number;
}

const FIRST = [
  'Ann',
  'Ben',
  'Chloé',
  'Dev',
  'Emma',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kira',
  'Liam',
  'Maya',
  'Noah',
  'Olga',
  'Pablo',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Uma',
  'Viktor',
  'Wen',
  'Yara',
  'Zoe',
];
const LAST = [
  'Adams',
  'Berg',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'García',
  'Hansen',
  'Ito',
  'Jensen',
  'Kowalski',
  'Larsen',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Rossi',
  'Silva',
  'Tanaka',
  'Weber',
];
const DOMAINS = ['example.com', 'mail.example', 'inbox.example', 'post.example'];
const PRODUCTS = ['Trail Shoe', 'Rain Jacket', 'Wool Socks', 'Day Pack', 'Water Bottle', 'Headlamp', 'Camp Mug', 'Beanie'];
const PAGES = ['/', '/new', '/sale', '/products/trail-shoe', '/products/rain-jacket', '/cart', '/stories/alps'];
const SCREENS = ['Home', 'Search', 'Product', 'Cart', 'Checkout', 'Orders'];
const CAMPAIGNS = ['spring-sale', 'new-arrivals', 'winback', 'weekly-digest'];

/** The shared seeded PRNG (mulberry32), under the name this module always exported. */
export const seededRandom = mulberry32;

interface Shopper {
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

/** Generates the data set (see the module comment). */
export function generateDemoData(options: DemoOptions): DemoData {
  const rnd = seededRandom(options.seed);
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

  const shoppers: Shopper[] = [];
  for (let n = 0; n < options.shoppers; n++) {
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
  const profileTraits = (s: Shopper) => ({
    email: s.email,
    firstName: s.firstName,
    lastName: s.lastName,
    ...(s.phone ? { phone: s.phone } : {}),
  });
  const webContext = (path: string, extra: Record<string, unknown> = {}) => ({
    page: { path, url: `https://shop.example${path}`, title: 'Kin Outdoor' },
    userAgent: 'Mozilla/5.0 (demo)',
    ...extra,
  });

  for (const s of shoppers) {
    let t = start + rnd() * (end - start) * 0.85;
    const step = () => (t += 20_000 + rnd() * 600_000);
    // Web: one to three sessions; most end with a login. A returning browser keeps its cookie two times in
    // three (the fresh id is drawn anyway, so the rest of the data set does not depend on this choice).
    const sessions = 1 + Math.floor(rnd() * 3);
    let cookie = '';
    for (let k = 0; k < sessions; k++) {
      const fresh = `web-${hex(16)}`;
      cookie = k > 0 && (s.n + k) % 3 !== 0 ? cookie : fresh;
      const anonymousId = cookie;
      for (let p = 0, pages = 1 + Math.floor(rnd() * 3); p < pages; p++)
        emit('web', step(), { type: 'page', anonymousId, name: 'Shop', context: webContext(pick(PAGES)) });
      if (chance(0.3))
        emit('web', step(), {
          type: 'track',
          anonymousId,
          event: 'Product Viewed',
          properties: { product: pick(PRODUCTS) },
          context: webContext('/products'),
        });
      if (chance(0.7)) {
        emit('web', step(), { type: 'identify', anonymousId, userId: s.userId, traits: profileTraits(s), context: webContext('/account') });
        if (chance(0.35))
          emit('web', step(), {
            type: 'track',
            userId: s.userId,
            anonymousId,
            event: 'Order Completed',
            properties: { total: Math.round(20 + rnd() * 200), currency: 'EUR' },
            context: webContext('/checkout'),
          });
      }
      t += rnd() * 2 * 86_400_000;
    }
    // App: screens on one device, then a login.
    if (s.app) {
      const device = { type: s.app.type, id: s.app.id, model: s.app.model, manufacturer: s.app.type === 'ios' ? 'Apple' : 'Google' };
      const anonymousId = `app-${hex(16)}`;
      const context = { device, app: { name: 'Kin Outdoor', version: '4.2.0' }, os: { name: s.app.type === 'ios' ? 'iOS' : 'Android' } };
      for (let p = 0, screens = 1 + Math.floor(rnd() * 3); p < screens; p++)
        emit(s.app.type, step(), { type: 'screen', anonymousId, name: pick(SCREENS), context });
      emit(s.app.type, step(), {
        type: 'identify',
        anonymousId,
        userId: s.userId,
        traits: { email: s.email, push_opt_in: chance(0.5) },
        context,
      });
      if (chance(0.3))
        emit(s.app.type, step(), {
          type: 'track',
          userId: s.userId,
          anonymousId,
          event: 'Order Completed',
          properties: { total: Math.round(20 + rnd() * 150), currency: 'EUR' },
          context,
        });
    }
    // Email: the ESP reports clicks by email; some clicks land on a fresh browser with only the email.
    if (chance(0.55)) {
      const campaign = { name: pick(CAMPAIGNS), source: 'newsletter', medium: 'email' };
      const link = hex(10);
      emit('email', step(), {
        type: 'track',
        anonymousId: `esp-${hex(12)}`,
        event: 'Email Link Clicked',
        properties: { link: `kin_link=${link}` },
        context: { campaign, traits: { email: s.email } },
      });
      if (chance(0.5)) {
        emit('web', step(), {
          type: 'page',
          anonymousId: `web-${hex(16)}`,
          name: 'Landing',
          context: webContext(`/sale?kin_link=${link}`, { campaign, kin: { link }, traits: { email: s.email } }),
        });
      }
    }
    // Social: engagement by handle; some entered a contest with their email (linking the handle).
    if (s.handle) {
      const externalIds = [{ id: s.handle.id, type: s.handle.type, collection: 'users', encoding: 'none' }];
      const anonymousId = `social-${hex(12)}`;
      emit('social', step(), {
        type: 'track',
        anonymousId,
        event: pick(['Post Liked', 'Story Replied', 'Profile Followed']),
        context: { externalIds },
      });
      if (chance(0.6))
        emit('social', step(), {
          type: 'track',
          anonymousId,
          event: 'Contest Entered',
          context: { externalIds, traits: { email: s.email } },
        });
    }
  }

  // CRM: a nightly sync; some records have a typo in the email, some are not yet tied to a login.
  let crmTypos = 0;
  const sync = end - 2 * 3_600_000;
  for (const s of shoppers) {
    if (!s.crmId) continue;
    const typo = chance(0.06);
    if (typo) crmTypos++;
    const email = typo ? withTypo(s.email, rnd) : s.email;
    const known = chance(0.75);
    emit('crm', sync + s.n * 50, {
      type: 'identify',
      ...(known ? { userId: s.userId } : { anonymousId: `crm-${s.crmId}` }),
      traits: {
        email,
        firstName: s.firstName,
        lastName: s.lastName,
        ...(s.phone ? { phone: s.phone } : {}),
        crm_id: s.crmId,
        lifetime_value: Math.round(rnd() * 2000),
      },
      // The CRM also holds the social handle the shop's community team recorded.
      context: {
        externalIds: [
          { id: s.crmId, type: 'crm_id', collection: 'users', encoding: 'none' },
          ...(s.handle ? [{ id: s.handle.id, type: s.handle.type, collection: 'users', encoding: 'none' }] : []),
        ],
      },
    });
  }

  // Shared devices: a family tablet (web) and a shared phone (app), each used by two people who log in.
  let sharedDevices = 0;
  for (let i = 0; i + 1 < shoppers.length; i += 97) {
    const a = shoppers[i] as Shopper;
    const b = shoppers[i + 1] as Shopper;
    const at = start + rnd() * (end - start) * 0.9;
    sharedDevices++;
    if (sharedDevices % 2 === 1) {
      const anonymousId = `family-tablet-${sharedDevices}`;
      emit('web', at, { type: 'page', anonymousId, name: 'Shop', context: webContext('/') });
      emit('web', at + 60_000, {
        type: 'identify',
        anonymousId,
        userId: a.userId,
        traits: profileTraits(a),
        context: webContext('/account'),
      });
      emit('web', at + 3_600_000, { type: 'page', anonymousId, name: 'Shop', context: webContext('/sale') });
      emit('web', at + 3_660_000, {
        type: 'identify',
        anonymousId,
        userId: b.userId,
        traits: profileTraits(b),
        context: webContext('/account'),
      });
    } else {
      const device = { type: 'ios', id: `ios-shared-${sharedDevices}`, model: 'iPad13,4', manufacturer: 'Apple' };
      emit('ios', at, {
        type: 'identify',
        anonymousId: `app-shared-${sharedDevices}`,
        userId: a.userId,
        traits: { email: a.email },
        context: { device },
      });
      emit('ios', at + 7_200_000, {
        type: 'identify',
        anonymousId: `app-shared-${sharedDevices}`,
        userId: b.userId,
        traits: { email: b.email },
        context: { device },
      });
    }
  }

  // Noise: placeholder ids the policy blocks, and events the API rejects (kept as warnings).
  for (let i = 0; i < 20; i++) {
    const s = pick(shoppers);
    emit('web', start + rnd() * (end - start), {
      type: 'track',
      userId: s.userId,
      anonymousId: 'undefined',
      event: 'Wishlist Added',
      properties: { product: pick(PRODUCTS) },
    });
    if (i % 4 === 0)
      emit('web', start + rnd() * (end - start), {
        type: 'track',
        anonymousId: `web-${hex(16)}`,
        properties: { note: 'missing event name' },
      });
  }

  events.sort(
    (a, b) =>
      String(a.event['timestamp']).localeCompare(String(b.event['timestamp'])) ||
      String(a.event['messageId']).localeCompare(String(b.event['messageId'])),
  );
  return { events, shoppers: shoppers.length, sharedDevices, crmTypos };
}

/** A few live events per tick (web, app, email), so the overview's counters move while the demo runs. */
export function generateLiveEvents(options: { seed: number; tick: number; shoppers: number; now: Date }): DemoEvent[] {
  const rnd = seededRandom(options.seed * 7919 + options.tick);
  const count = 3 + Math.floor(rnd() * 10);
  const events: DemoEvent[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `u${String(Math.floor(rnd() * options.shoppers)).padStart(5, '0')}`;
    const r = rnd();
    const source: DemoSource = r < 0.55 ? 'web' : r < 0.75 ? 'ios' : r < 0.9 ? 'android' : 'email';
    const base = { userId, messageId: `live-${options.seed}-${options.tick}-${i}`, timestamp: options.now.toISOString() };
    if (source === 'web')
      events.push({
        source,
        event: { ...base, type: 'page', name: 'Shop', context: { page: { path: PAGES[Math.floor(rnd() * PAGES.length)] } } },
      });
    else if (source === 'email')
      events.push({
        source,
        event: { ...base, type: 'track', event: 'Email Opened', context: { campaign: { name: 'weekly-digest', medium: 'email' } } },
      });
    else
      events.push({
        source,
        event: { ...base, type: 'screen', name: SCREENS[Math.floor(rnd() * SCREENS.length)], context: { device: { type: source } } },
      });
  }
  return events;
}

function ascii(text: string): string {
  return text.normalize('NFD').replace(/[^A-Za-z]/g, '');
}

/** A realistic typo: a swapped pair, a dropped letter or a misspelt domain. */
function withTypo(email: string, rnd: () => number): string {
  const at = email.indexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const r = rnd();
  if (r < 0.34 && local.length > 3) return `${local.slice(0, 1)}${local.slice(2, 3)}${local.slice(1, 2)}${local.slice(3)}@${domain}`;
  if (r < 0.67 && local.length > 3) return `${local.slice(0, 2)}${local.slice(3)}@${domain}`;
  return `${local}@${domain.replace('example', 'exmaple')}`;
}

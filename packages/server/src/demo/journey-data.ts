/**
 * A seeded generator of shopper journeys for analytics, with what it knows about who is who: campaigns by
 * email (ESP clicks carrying the address, `kin_link` landings), social and paid search (UTM in
 * `context.campaign`), browsing on the web, purchases in the app or on the web, and identify calls that
 * stitch a browser or a phone to the shopper — or not (some browsers never log in).
 *
 * Every event also carries `stitch`: the identifiers that events tie together, computed here by a plain
 * union-find over the identifiers that appear on the same event (no conflicts are generated, so Kin must
 * arrive at the same partition). journey-truth.ts computes the true answers from it.
 *
 * Same seed, byte-identical output. Events are Segment-spec JSON.
 */
import { mulberry32 } from '@kin/core';

/** The sources the journeys come from. */
export const JOURNEY_SOURCES = ['web', 'ios', 'email'] as const;

/** A journey source name. */
export type JourneySource = (typeof JOURNEY_SOURCES)[number];

/** One generated event with its source and the shopper it belongs to. */
export interface JourneyEvent {
  source: JourneySource;
  event: Record<string, unknown>;
  /** The shopper (ground truth of who is who, also for identifiers no event ties together). */
  shopper: number;
}

/** Options of `generateJourneys`. */
export interface JourneyOptions {
  seed: number;
  shoppers: number;
  /** Journeys start in the `days` days after `start`. */
  start: Date;
  days: number;
  /** messageIds start with this (several runs in one store never meet); default `j<seed>`. */
  prefix?: string;
  /** Up to this many more pages per browsing visit (the benchmark's volume); default 0. */
  extraPages?: number;
}

/** The generated data set. */
export interface Journeys {
  events: JourneyEvent[];
  /** Each event's stitched unit (by messageId): the union-find root of its identifiers. */
  stitch: Map<string, string>;
  from: string;
  to: string;
}

/** The funnel every journey walks (as far as it goes). */
export const JOURNEY_FUNNEL = ['page', 'Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'] as const;

const PRODUCTS = [
  { name: 'Trail Shoe', price: 120 },
  { name: 'Rain Jacket', price: 180 },
  { name: 'Wool Socks', price: 18 },
  { name: 'Day Pack', price: 75 },
];
const EMAIL_CAMPAIGNS = ['spring-sale', 'new-arrivals', 'winback'];

/** Generates the journeys (see the module comment). */
export function generateJourneys(options: JourneyOptions): Journeys {
  const rnd = mulberry32(options.seed);
  const chance = (p: number) => rnd() < p;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const prefix = options.prefix ?? `j${options.seed}`;
  const start = options.start.getTime();
  const span = options.days * 86_400_000;
  const events: JourneyEvent[] = [];
  let n = 0;

  for (let s = 0; s < options.shoppers; s++) {
    const userId = `${prefix}-u${s}`;
    const email = `${prefix}-shopper${s}@shop.example`;
    const cookie = `${prefix}-web${s}`;
    const phone = chance(0.55) ? `${prefix}-app${s}` : undefined;
    const logsInOnWeb = chance(0.6);
    let t = start + rnd() * span * 0.6;
    const emit = (source: JourneySource, fields: Record<string, unknown>) => {
      t += 60_000 + Math.floor(rnd() * 3_600_000);
      events.push({ source, shopper: s, event: { ...fields, messageId: `${prefix}-m${n++}`, timestamp: new Date(t).toISOString() } });
    };
    const page = (path: string, extra: Record<string, unknown> = {}, who: Record<string, unknown> = { anonymousId: cookie }) =>
      emit('web', { type: 'page', ...who, name: 'Shop', context: { page: { path, url: `https://shop.example${path}` }, ...extra } });
    const appContext = { app: { name: 'Kin Outdoor', version: '4.2.0' }, os: { name: 'iOS' } };

    // Campaign touches, oldest first: an email click (and sometimes its landing), a social ad, a search ad.
    for (let k = 0, touches = Math.floor(rnd() * 4); k < touches; k++) {
      const kind = pick(['email', 'social', 'search'] as const);
      if (kind === 'email') {
        const campaign = { name: pick(EMAIL_CAMPAIGNS), source: 'newsletter', medium: 'email' };
        const link = `${prefix}-l${n}`;
        emit('email', {
          type: 'track',
          anonymousId: `${prefix}-esp${s}`,
          event: 'Email Link Clicked',
          properties: { link },
          context: { campaign, traits: { email } },
        });
        if (chance(0.5)) page('/sale', { campaign, kin: { link } });
      } else if (kind === 'social') page('/new', { campaign: { source: 'instagram', medium: 'social', name: 'reels' } });
      else page('/', { campaign: { source: 'google', medium: 'cpc', name: 'brand' } });
      t += Math.floor(rnd() * 2 * 86_400_000);
    }
    // Browsing, then the funnel as far as this shopper goes.
    page(pick(['/', '/new', '/stories/alps']));
    for (let p = 0, more = options.extraPages ? Math.floor(rnd() * (options.extraPages + 1)) : 0; p < more; p++)
      page(pick(['/', '/new', '/sale', '/stories/alps', '/products']));
    const product = pick(PRODUCTS);
    if (!chance(0.8)) continue;
    emit('web', {
      type: 'track',
      anonymousId: cookie,
      event: 'Product Viewed',
      properties: { product: product.name, price: product.price },
      context: { page: { path: '/products' } },
    });
    if (logsInOnWeb)
      emit('web', { type: 'identify', anonymousId: cookie, userId, traits: { email }, context: { page: { path: '/account' } } });
    if (!chance(0.65)) continue;
    const who = logsInOnWeb ? { anonymousId: cookie, userId } : { anonymousId: cookie };
    emit('web', {
      type: 'track',
      ...who,
      event: 'Product Added',
      properties: { product: product.name, price: product.price },
      context: { page: { path: '/cart' } },
    });
    // Some come back much later (past a 14-day window).
    if (chance(0.15)) t += 15 * 86_400_000;
    if (!chance(0.75)) continue;
    const inApp = phone !== undefined && chance(0.7);
    if (inApp) {
      emit('ios', { type: 'identify', anonymousId: phone, userId, traits: { email }, context: appContext });
      emit('ios', {
        type: 'track',
        anonymousId: phone,
        userId,
        event: 'Checkout Started',
        properties: { total: product.price },
        context: appContext,
      });
      if (chance(0.85))
        emit('ios', {
          type: 'track',
          anonymousId: phone,
          userId,
          event: 'Order Completed',
          properties: { total: product.price, currency: 'EUR' },
          context: appContext,
        });
    } else {
      emit('web', {
        type: 'track',
        ...who,
        event: 'Checkout Started',
        properties: { total: product.price },
        context: { page: { path: '/checkout' } },
      });
      if (chance(0.85))
        emit('web', {
          type: 'track',
          ...who,
          event: 'Order Completed',
          properties: { total: product.price, currency: 'EUR' },
          context: { page: { path: '/checkout/done' } },
        });
    }
  }
  events.sort(
    (a, b) =>
      String(a.event['timestamp']).localeCompare(String(b.event['timestamp'])) ||
      String(a.event['messageId']).localeCompare(String(b.event['messageId'])),
  );
  const last = events.length > 0 ? Date.parse(String(events[events.length - 1]?.event['timestamp'])) : start;
  return { events, stitch: stitchUnits(events), from: new Date(start).toISOString(), to: new Date(last + 1).toISOString() };
}

/** The identifiers of an event: anonymousId, userId, and an email in traits or context.traits. */
export function eventIdentifiers(event: Record<string, unknown>): string[] {
  const ids: string[] = [];
  if (typeof event['anonymousId'] === 'string') ids.push(`anonymous_id:${event['anonymousId']}`);
  if (typeof event['userId'] === 'string') ids.push(`user_id:${event['userId']}`);
  const traits = (event['traits'] ?? (event['context'] as Record<string, unknown> | undefined)?.['traits']) as
    Record<string, unknown> | undefined;
  if (typeof traits?.['email'] === 'string') ids.push(`email:${traits['email']}`);
  return ids;
}

/** Union-find over the identifiers that share an event; each event's root names its stitched unit. */
function stitchUnits(events: JourneyEvent[]): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(x, root);
    return root;
  };
  for (const { event } of events) {
    const ids = eventIdentifiers(event);
    for (const id of ids) if (!parent.has(id)) parent.set(id, id);
    for (const id of ids.slice(1)) {
      const a = find(ids[0] as string);
      const b = find(id);
      if (a !== b) parent.set(b < a ? a : b, b < a ? b : a);
    }
  }
  const out = new Map<string, string>();
  for (const { event } of events) out.set(String(event['messageId']), find(eventIdentifiers(event)[0] as string));
  return out;
}

/**
 * A seeded, deterministic synthetic shop for `kin demo`: shoppers who browse the web anonymously and log
 * in, use the iOS or Android app, click newsletter links (some landing on a fresh browser with only their
 * email), engage on social (twitter / instagram handles in `context.externalIds`) and sit in a CRM
 * (`crm_id`, phone numbers, and emails with typos in some records). Deliberate hard cases: family tablets
 * and phones shared by two people who both log in (Kin must refuse the shared anonymous or device id, not
 * merge them), blocked placeholder ids and a few invalid events.
 *
 * Same seed and `now`, byte-identical output. Events are Segment-spec JSON, sent through the real API.
 *
 * This file holds the types and the order of generation; the generators live beside it: the shoppers and the
 * shared draws (demo-data-shoppers.ts), each shopper's journey (demo-data-journeys.ts), the hard cases
 * (demo-data-hard-cases.ts), the words (demo-data-vocabulary.ts) and the live events (demo-data-live.ts).
 */
import { mulberry32 } from '@kin/core';
import { createDraw, drawShoppers } from './demo-data-shoppers.ts';
import { emitShopperJourney } from './demo-data-journeys.ts';
import { emitCrmSync, emitNoise, emitSharedDevices } from './demo-data-hard-cases.ts';

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

/** The shared seeded PRNG (mulberry32), under the name this module always exported. */
export const seededRandom = mulberry32;

/** Generates the data set (see the module comment). */
export function generateDemoData(options: DemoOptions): DemoData {
  const draw = createDraw(options);
  const shoppers = drawShoppers(draw, options.shoppers);
  for (const s of shoppers) emitShopperJourney(draw, s);
  const crmTypos = emitCrmSync(draw, shoppers);
  const sharedDevices = emitSharedDevices(draw, shoppers);
  emitNoise(draw, shoppers);
  const { events } = draw;
  events.sort(
    (a, b) =>
      String(a.event['timestamp']).localeCompare(String(b.event['timestamp'])) ||
      String(a.event['messageId']).localeCompare(String(b.event['messageId'])),
  );
  return { events, shoppers: shoppers.length, sharedDevices, crmTypos };
}

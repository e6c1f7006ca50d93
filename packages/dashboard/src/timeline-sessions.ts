/**
 * The timeline's sessions and inline details: events (newest first) cut into sessions wherever 30 minutes of
 * event time pass without an event, and the few facts worth a glance per event (order total, products,
 * campaign, tracked link, page). Pure, so it is a table test.
 */
import type { TimelineEvent } from '@kin/core/api/index.ts';

/** Inactivity that ends a session (as in Segment's and GA's defaults). */
export const SESSION_GAP_MS = 30 * 60_000;

/** Consecutive events with no gap of SESSION_GAP_MS or more between them, newest first. */
export interface TimelineSession<E> {
  events: E[];
  /** Event time of the first (oldest) and last (newest) event. */
  start: string;
  end: string;
}

/** Cuts newest-first events into sessions by event time. */
export function groupSessions<E extends { timestamp: string }>(events: readonly E[]): TimelineSession<E>[] {
  const sessions: TimelineSession<E>[] = [];
  let current: TimelineSession<E> | undefined;
  for (const event of events) {
    const at = Date.parse(event.timestamp);
    if (current && Date.parse(current.start) - at < SESSION_GAP_MS) {
      current.events.push(event);
      current.start = event.timestamp;
    } else {
      current = { events: [event], start: event.timestamp, end: event.timestamp };
      sessions.push(current);
    }
  }
  return sessions;
}

/** One labelled fact shown inline. */
export interface EventFact {
  label: string;
  value: string;
  href?: string;
}

/** The facts of one event worth showing without opening its payload. */
export function eventFacts(event: TimelineEvent): EventFact[] {
  const facts: EventFact[] = [];
  const p = event.properties ?? {};
  const context = event.context ?? {};
  const amount = num(p['revenue']) ?? num(p['total']) ?? num(p['value']);
  if (amount !== undefined)
    facts.push({
      label: 'total',
      value: `${amount.toLocaleString('en-US')}${str(p['currency']) ? ` ${str(p['currency'])?.toUpperCase()}` : ''}`,
    });
  const products = Array.isArray(p['products']) ? (p['products'] as unknown[]).map((x) => obj(x)).filter((x) => x !== undefined) : [];
  if (products.length > 0) {
    const names = products.map((x) => str(x['name']) ?? str(x['sku']) ?? str(x['product_id']) ?? 'item');
    facts.push({ label: 'products', value: names.length > 3 ? `${names.slice(0, 3).join(', ')} +${names.length - 3}` : names.join(', ') });
  } else {
    const product = str(p['name']) ?? str(p['sku']) ?? str(p['product_id']);
    if (product && event.type === 'track') facts.push({ label: 'product', value: product });
  }
  if (str(p['order_id']) ?? str(p['orderId'])) facts.push({ label: 'order', value: (str(p['order_id']) ?? str(p['orderId'])) as string });
  const campaign = obj(context['campaign']);
  if (campaign) {
    const value = [str(campaign['name']), str(campaign['source']), str(campaign['medium'])].filter(Boolean).join(' / ');
    if (value) facts.push({ label: 'campaign', value });
  }
  const link = obj(context['kin'])?.['link'];
  const page = obj(context['page']);
  const url = str(page?.['url']);
  if (str(link)) facts.push({ label: 'link', value: str(link) as string, ...(url && /^https?:\/\//.test(url) ? { href: url } : {}) });
  if (page && (url || str(page['path'])))
    facts.push({ label: 'page', value: url ?? str(page['path']) ?? '', ...(url && /^https?:\/\//.test(url) ? { href: url } : {}) });
  const device = obj(context['device']);
  if (device) {
    const value = [str(device['type']), str(device['model'])].filter(Boolean).join(' ');
    if (value) facts.push({ label: 'device', value });
  }
  return facts;
}

/** The value as a plain object, or `undefined`. */
export function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The value as a non-empty string, or `undefined`. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

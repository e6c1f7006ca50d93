/**
 * What a profile did, read from its timeline: the channel filter of the events route (the channel is derived
 * per event by `classifyChannel`, so it is applied here, over store pages) and the summary header of the
 * dashboard's profile page (channels, first and last event, event and order counts, revenue).
 */
import type { Channel } from '@kin/core';
import { CHANNELS, classifyChannel } from '@kin/core';
import type { ProfileActivity } from '@kin/core/api/index.ts';
import type { EventQuery, Page, StoredEvent, Store } from '../storage/storage.ts';
import { ApiError } from './error-catalog.ts';

/** Events one channel-filtered page reads at most before it answers with what it found and a cursor. */
export const CHANNEL_SCAN_BOUND = 2000;
/** Events the summary reads at most (newest first); beyond it the summary says `truncated`. */
export const SUMMARY_EVENT_BOUND = 10_000;

/** Reads `?channel=`: one of CHANNELS, `invalid_query` otherwise. */
export function parseChannel(raw: string | undefined): Channel | undefined {
  if (raw === undefined || raw === '') return undefined;
  const channel = CHANNELS.find((c) => c === raw);
  if (!channel) throw new ApiError('invalid_query', `channel must be one of ${CHANNELS.join(', ')}`, 'channel');
  return channel;
}

/**
 * One page of a profile's events in one channel, newest first. Why store pages no longer than what is still
 * missing: the store's cursor after its last event is then exactly where the next page starts. The scan
 * stops after CHANNEL_SCAN_BOUND events and answers what it found with the cursor (a page may then hold
 * fewer than `limit` events while `hasMore` is true).
 */
export async function listChannelEvents(
  store: Store,
  profileId: string,
  query: EventQuery & { channel: Channel; sourceName: (id: string) => string },
): Promise<Page<StoredEvent>> {
  const { channel, sourceName, ...rest } = query;
  const data: StoredEvent[] = [];
  let cursor = rest.cursor;
  let next: string | null = null;
  let scanned = 0;
  while (data.length < rest.limit && scanned < CHANNEL_SCAN_BOUND) {
    const page = await store.listProfileEvents(profileId, { ...rest, limit: rest.limit - data.length, ...(cursor ? { cursor } : {}) });
    scanned += page.data.length;
    for (const event of page.data) if (classifyChannel(event, sourceName(event.sourceId)) === channel) data.push(event);
    next = page.cursor.hasMore ? page.cursor.next : null;
    if (!next) break;
    cursor = next;
  }
  return { data, cursor: { next, hasMore: next !== null } };
}

/** Summarises the newest SUMMARY_EVENT_BOUND events of a profile. */
export async function summarizeActivity(store: Store, profileId: string, sourceName: (id: string) => string): Promise<ProfileActivity> {
  const summary: ProfileActivity = { events: 0, firstSeen: null, lastSeen: null, channels: {}, orders: 0, revenue: {}, truncated: false };
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listProfileEvents(profileId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const event of page.data) addEvent(summary, event, sourceName(event.sourceId));
    if (!page.cursor.hasMore || !page.cursor.next) return summary;
    if (summary.events >= SUMMARY_EVENT_BOUND) return { ...summary, truncated: true };
    cursor = page.cursor.next;
  }
}

function addEvent(summary: ProfileActivity, event: StoredEvent, sourceName: string): void {
  summary.events++;
  if (!summary.lastSeen || event.timestamp > summary.lastSeen) summary.lastSeen = event.timestamp;
  if (!summary.firstSeen || event.timestamp < summary.firstSeen) summary.firstSeen = event.timestamp;
  const channel = classifyChannel(event, sourceName);
  summary.channels[channel] = (summary.channels[channel] ?? 0) + 1;
  if (event.type !== 'track' || event.event !== 'Order Completed') return;
  summary.orders++;
  const properties = event.properties ?? {};
  const amount = [properties['revenue'], properties['total']].find((v) => typeof v === 'number' && Number.isFinite(v));
  if (typeof amount !== 'number') return;
  const currency = typeof properties['currency'] === 'string' ? properties['currency'].toUpperCase() : '';
  summary.revenue[currency] = Math.round(((summary.revenue[currency] ?? 0) + amount) * 100) / 100;
}

import { afterEach, describe, expect, it } from 'vitest';
import type { TrackingEvent } from '@kin/core';
import { DEFAULT_POLICY } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { createGroupCommitIngestor } from '../pipeline/group-commit.ts';
import { sqliteFileStores } from '../storage/sqlite/sqlite-test-store.ts';
import type { Store } from '../storage/storage.ts';
import { createTimelineCache } from './timeline-cache.ts';

const target = sqliteFileStores('sqlite file', 'timeline-cache');
let store: Store | undefined;
afterEach(async () => {
  if (store) await target.destroy(store);
  store = undefined;
});

const order = (messageId: string, hour: number): TrackingEvent => {
  const at = new Date(Date.UTC(2026, 2, 10, hour)).toISOString();
  return { type: 'track', event: 'Order Completed', messageId, anonymousId: 'a-1', properties: {}, timestamp: at, receivedAt: at };
};

async function ingest(s: Store, events: TrackingEvent[]): Promise<void> {
  const ingestor = createGroupCommitIngestor({ store: s, policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) });
  const source = await s.createSource({
    name: `web-${events[0]!.messageId}`,
    writeKeyHash: events[0]!.messageId,
    createdAt: '2026-03-10T00:00:00.000Z',
  });
  for (const event of events) expect((await ingestor.submit({ sourceId: source.id, events: [event] })).accepted).toBe(1);
  await ingestor.close();
}

describe('the timeline cache', () => {
  it('hands out each profile timeline in evaluation order, also after late events', async () => {
    const s = (store = await target.create());
    // Committed out of time order; 'o-b' and 'o-a' share a time (messageId breaks the tie).
    await ingest(s, [order('o-3', 3), order('o-1', 1), order('o-b', 2), order('o-a', 2)]);
    const id = (await s.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'a-1' }))!;
    const cache = createTimelineCache(s.audiences, { names: new Set(['Order Completed']) });
    const group = new Map([[id, [id]]]);
    const first = await cache.read(group);
    expect(first.get(id)!.map((x) => x.event.messageId)).toEqual(['o-1', 'o-a', 'o-b', 'o-3']);

    // A late event (earliest time) and a timely one, delivered by the feed as they commit.
    const last = await s.audiences.lastEventSeq();
    await ingest(s, [order('o-0', 0), order('o-4', 4)]);
    for (const row of await s.audiences.eventsAfter(last, 10)) {
      const event = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as TrackingEvent;
      cache.add(row.profileId!, row.seq, event);
    }
    const second = (await cache.read(group)).get(id)!;
    expect(second.map((x) => x.event.messageId)).toEqual(['o-0', 'o-1', 'o-a', 'o-b', 'o-3', 'o-4']);
    // Each seq stays with its event.
    const seqs = new Map(first.get(id)!.map((x) => [x.event.messageId, x.seq]));
    for (const x of second) if (seqs.has(x.event.messageId)) expect(x.seq).toBe(seqs.get(x.event.messageId));
    // The order is kept: a read without new events gives the same order.
    expect((await cache.read(group)).get(id)!.map((x) => x.event.messageId)).toEqual(second.map((x) => x.event.messageId));
  });
});

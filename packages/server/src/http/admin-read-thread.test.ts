import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { hitEvent } from '../links/link-events.ts';
import { LINKS_SOURCE_ID } from '../pipeline/link-click-apply.ts';
import { applyEvents } from '../pipeline/event-apply.ts';
import { fixedClock } from '../ports/clock.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/storage.ts';
import type { AdminReadThread } from './admin-read-thread.ts';
import { adminReadThread } from './admin-read-thread.ts';
import type { AdminReads } from './admin-reads.ts';
import { inlineAdminReads } from './admin-reads.ts';
import { ApiError } from './error-catalog.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-read-thread-'));
const dbPath = join(dir, 'kin.db');
const normalize = normalizerFor(DEFAULT_POLICY);
const T0 = '2026-11-01T10:00:00.000Z';
let store: Store;
let thread: AdminReadThread;
let inline: AdminReads;

beforeAll(async () => {
  store = await openSqliteStore({ path: dbPath });
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();
  const events: TrackingEvent[] = [
    { type: 'page', messageId: 'r1', anonymousId: 'ra', timestamp: at(0), receivedAt: at(0) },
    {
      type: 'identify',
      messageId: 'r2',
      anonymousId: 'rb',
      userId: 'ru',
      traits: { email: 'r@example.com' },
      timestamp: at(1),
      receivedAt: at(1),
    },
    { type: 'track', messageId: 'r3', event: 'Bought', anonymousId: 'ra', userId: 'ru', timestamp: at(2), receivedAt: at(2) },
  ];
  for (const event of events) await store.transaction((tx) => applyEvents(tx, 'web', [event], { policy: DEFAULT_POLICY, normalize }));
  thread = adminReadThread({ dbPath, policy: DEFAULT_POLICY });
  // The same clock on both sides would need a port across threads; the overview is compared without its window.
  inline = inlineAdminReads({ store, normalize, clock: fixedClock(new Date()) });
});

afterAll(async () => {
  await thread.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('admin read thread', () => {
  it('answers analytics questions as this thread does (meta aside), and a bad definition keeps its code and field', async () => {
    const funnel = { steps: [{ event: 'page' }, { event: 'Bought' }], from: T0, to: '2026-11-02T00:00:00.000Z' };
    const strip = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), meta: undefined });
    expect(strip(await thread.analytics({ kind: 'funnel', body: funnel }))).toEqual(
      strip(await inline.analytics({ kind: 'funnel', body: funnel })),
    );
    expect(
      (JSON.parse(await thread.analytics({ kind: 'funnel', body: funnel })) as { steps: Array<{ count: number }> }).steps.map(
        (x) => x.count,
      ),
    ).toEqual([1, 1]);
    await expect(thread.analytics({ kind: 'funnel', body: { ...funnel, window: { days: -1 } } })).rejects.toMatchObject({
      code: 'invalid_query',
      field: 'window.days',
    });
  });

  it('answers timeline pages, graphs, summaries, searches and the profile list exactly as the reads on this thread do', async () => {
    for (const ref of ['user_id:ru', 'anonymous_id:ra', 'email:R@Example.com']) {
      expect(await thread.profileGraph(ref)).toBe(await inline.profileGraph(ref));
      expect(await thread.profileEvents(ref, { limit: 2 })).toBe(await inline.profileEvents(ref, { limit: 2 }));
      const first = JSON.parse(await thread.profileEvents(ref, { limit: 2 })) as { data: unknown[]; cursor: { next: string } };
      expect(first.data).toHaveLength(2);
      const query = { limit: 2, cursor: first.cursor.next };
      expect(await thread.profileEvents(ref, query)).toBe(await inline.profileEvents(ref, query));
    }
    for (const q of ['ru', 'r@example.com', 'nobody']) {
      expect(await thread.search({ q, limit: 5, offset: 0 })).toBe(await inline.search({ q, limit: 5, offset: 0 }));
    }
    for (const order of ['newest', 'oldest'] as const) {
      expect(await thread.profileList({ order, limit: 5, offset: 0 })).toBe(await inline.profileList({ order, limit: 5, offset: 0 }));
    }
    expect(await thread.profileSummary('user_id:ru')).toBe(await inline.profileSummary('user_id:ru'));
    const overview = JSON.parse(await thread.overview()) as { stats: unknown };
    expect(overview.stats).toEqual(await store.stats());
  });

  it('sees what was committed after it started', async () => {
    const before = (JSON.parse(await thread.profileEvents('user_id:ru', { limit: 100 })) as { data: unknown[] }).data.length;
    const late: TrackingEvent = {
      type: 'track',
      messageId: 'r4',
      event: 'Late',
      userId: 'ru',
      timestamp: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
    };
    await store.transaction((tx) => applyEvents(tx, 'web', [late], { policy: DEFAULT_POLICY, normalize }));
    expect((JSON.parse(await thread.profileEvents('user_id:ru', { limit: 100 })) as { data: unknown[] }).data).toHaveLength(before + 1);
  });

  it('answers link stats as this thread does, counting a click committed after it started', async () => {
    await store.links.createLink({ id: 'link-rt', code: 'rt', url: 'https://shop.example/', tags: [], createdAt: T0 });
    const stats = async () => JSON.parse(await thread.linkStats('link-rt')) as { clicks: number };
    const before = await stats();
    expect(before).toEqual(JSON.parse(await inline.linkStats('link-rt')));
    const link = (await store.links.findLink('link-rt'))!;
    const click = hitEvent({
      clickId: 'click-rt',
      kind: 'get',
      link,
      at: T0,
      token: 'none',
      machine: undefined,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
    });
    await store.transaction((tx) => applyEvents(tx, LINKS_SOURCE_ID, [click], { policy: DEFAULT_POLICY, normalize }));
    expect((await stats()).clicks).toBe(before.clicks + 1);
    await expect(thread.linkStats('link-nobody')).rejects.toMatchObject({ code: 'not_found', field: 'id' });
  });

  it('answers the same coded errors: not_found and invalid_ref', async () => {
    await expect(thread.profileGraph('user_id:nobody')).rejects.toMatchObject({ code: 'not_found', field: 'ref' });
    await expect(thread.profileEvents('email:not an email', { limit: 5 })).rejects.toBeInstanceOf(ApiError);
    await expect(thread.profileEvents('email:not an email', { limit: 5 })).rejects.toMatchObject({ code: 'invalid_ref' });
  });

  it('answers 503 once closed', async () => {
    const other = adminReadThread({ dbPath, policy: DEFAULT_POLICY });
    expect(JSON.parse(await other.overview())).toHaveProperty('stats');
    await other.close();
    await expect(other.overview()).rejects.toMatchObject({ code: 'service_unavailable' });
  });
});

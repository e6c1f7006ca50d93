import { DEFAULT_POLICY, validateEvent } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { mkdirSync, mkdtempSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { normalizerFor } from '../../../identity/policy-load.ts';
import { openSqliteStore } from '../sqlite-store.ts';
import type { Store } from '../../storage.ts';
import type { ThreadIngestor } from './ingest-thread.ts';
import { hitEvent } from '../../../links/link-events.ts';
import { LINKS_SOURCE_ID } from '../../../pipeline/link-click-apply.ts';
import type { LinkHit } from '../../../links/link-events.ts';
import { startThreadIngestor, writerBackoffMs } from './ingest-thread.ts';

const receivedAt = new Date('2026-11-29T10:00:00.000Z');
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };

function event(raw: Record<string, unknown>): TrackingEvent {
  const result = validateEvent({ timestamp: receivedAt.toISOString(), ...raw }, { receivedAt, newMessageId: () => 'unused' });
  if (!result.ok) throw new Error(result.message);
  return result.event;
}

describe('the ingest writer thread', () => {
  let dir: string;
  let store: Store;
  let ingestor: ThreadIngestor;
  const merged: number[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kin-thread-'));
    const dbPath = join(dir, 'kin.db');
    store = await openSqliteStore({ path: dbPath });
    ingestor = await startThreadIngestor({ dbPath, resolve: deps, onCommit: ({ merges }) => merged.push(merges) });
  });
  afterEach(async () => {
    await ingestor.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies what it is sent, answers once durable, and the HTTP thread reads it', async () => {
    const outcome = await ingestor.submit({
      sourceId: 'web',
      events: [
        event({ type: 'page', messageId: 'm1', anonymousId: 'anon-1', name: 'Home' }),
        event({ type: 'identify', messageId: 'm2', anonymousId: 'anon-1', userId: 'u-1', traits: { email: 'A@Example.com' } }),
      ],
    });
    expect(outcome.accepted).toBe(2);
    expect(outcome.duplicates).toBe(0);
    const profileId = await store.findProfileIdByIdentifier({ type: 'email', value: 'a@example.com' });
    expect(profileId).toBe(outcome.profileIds[0]);
    expect(await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-1' })).toBe(profileId);
    expect((await store.stats()).events).toBe(2);
  });

  it('makes link hits into the same events and click rows the HTTP thread would (submitHits), once on redelivery', async () => {
    const link = { id: 'l-1', code: 'sale', url: 'https://shop.example/sale', tags: [], createdAt: receivedAt.toISOString() };
    const ann = { id: 'r-ann', ref: { type: 'email', value: 'ann@example.com' } };
    const at = receivedAt.toISOString();
    const hits: LinkHit[] = [
      {
        clickId: 'c-1',
        kind: 'get',
        link,
        at,
        token: 'valid',
        machine: undefined,
        recipient: ann,
        ip: '10.0.0.0',
        userAgent: 'Mozilla/5.0',
      },
      { clickId: 'c-2', kind: 'get', link, at, token: 'none', machine: 'user_agent', userAgent: 'Googlebot/2.1' },
      { clickId: 'c-3', kind: 'head', link, at, token: 'none', machine: undefined, userAgent: 'Mozilla/5.0' },
    ];
    const outcome = await ingestor.submitHits(hits);
    expect(outcome).toMatchObject({ accepted: 3, duplicates: 0 });
    expect((await ingestor.submitHits(hits.slice(0, 1))).duplicates).toBe(1);
    const annId = await store.findProfileIdByIdentifier({ type: 'email', value: 'ann@example.com' });
    expect(annId).toBeDefined();
    // The answer carries the counts only: nothing reads a hit's profile id, and a batch's ids would cross back.
    expect(outcome.profileIds).toEqual([]);
    // The stored event is the one hitSubmission makes on the HTTP thread.
    const events = (await store.listProfileEvents(annId!, { limit: 10 })).data;
    expect(events.map(({ sourceId, profileId, ...stored }) => ({ sourceId, onAnn: profileId === annId, stored }))).toEqual([
      { sourceId: LINKS_SOURCE_ID, onAnn: true, stored: hitEvent(hits[0]!) },
    ]);
    expect(await store.links!.countHits('l-1')).toMatchObject({ clicks: 1, botClicks: 1, headRequests: 1, recipientsClicked: 1 });
  });

  it('applies traits and consent, and stores each event whole although the writer reads only its facts', async () => {
    const identify = event({
      type: 'identify',
      messageId: 'w1',
      userId: 'u-w',
      traits: { plan: 'pro', email: 'w@example.com' },
      context: { consent: { categoryPreferences: { marketing: false } }, page: { path: '/account' } },
    });
    const track = event({
      type: 'track',
      messageId: 'w2',
      userId: 'u-w',
      event: 'Order Completed',
      properties: { total: 42 },
      context: { app: { version: '2.1' } },
    });
    const outcome = await ingestor.submit({ sourceId: 'web', events: [identify, track] });
    const profile = await store.findProfile(outcome.profileIds[0]!);
    expect(profile?.traits).toEqual({ plan: 'pro', email: 'w@example.com' });
    expect(profile?.consent?.['marketing']?.granted).toBe(false);
    const stored = (await store.listProfileEvents(outcome.profileIds[0]!, { limit: 10 })).data;
    expect(stored.find((e) => e.messageId === 'w2')).toMatchObject({
      event: 'Order Completed',
      properties: { total: 42 },
      context: { app: { version: '2.1' } },
    });
    expect(stored.find((e) => e.messageId === 'w1')?.context).toEqual({
      consent: { categoryPreferences: { marketing: false } },
      page: { path: '/account' },
    });
  });

  it('R8 across the thread: an identifier trait whose value is invalid or blocked is not set, as on the HTTP thread', async () => {
    const identify = event({
      type: 'identify',
      messageId: 'r8',
      userId: 'u-r8',
      traits: { phone: 'call me maybe', email: 'not-an-email', plan: 'pro' },
    });
    const outcome = await ingestor.submit({ sourceId: 'web', events: [identify] });
    const profile = await store.findProfile(outcome.profileIds[0]!);
    expect(profile?.traits).toEqual({ plan: 'pro' });
  });

  it('a repeated messageId is acknowledged as a duplicate and never applied twice', async () => {
    const first = event({ type: 'track', messageId: 'same', anonymousId: 'anon-2', event: 'Product Viewed' });
    await ingestor.submit({ sourceId: 'web', events: [first] });
    const again = await ingestor.submit({ sourceId: 'web', events: [first] });
    expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await store.stats()).events).toBe(1);
  });

  it('reports merges to the HTTP thread, and keeps rejected-event warnings', async () => {
    await ingestor.submit({ sourceId: 'web', events: [event({ type: 'page', messageId: 'a', anonymousId: 'anon-3', name: 'x' })] });
    await ingestor.submit({
      sourceId: 'app',
      events: [event({ type: 'identify', messageId: 'b', userId: 'u-3', traits: { email: 'c@example.com' } })],
    });
    merged.length = 0;
    await ingestor.submit({ sourceId: 'web', events: [event({ type: 'identify', messageId: 'c', anonymousId: 'anon-3', userId: 'u-3' })] });
    expect(merged.reduce((a, b) => a + b, 0)).toBe(1);
    await ingestor.warn([
      {
        kind: 'rejected_event',
        code: 'invalid_type',
        field: 'batch[0].type',
        message: 'bad',
        sourceId: 'web',
        createdAt: receivedAt.toISOString(),
      },
    ]);
    const warnings = await store.listWarnings({ limit: 10, kind: 'rejected_event' });
    expect(warnings.data.map((w) => w.field)).toEqual(['batch[0].type']);
  });

  it("sees the HTTP thread's admin writes: a tombstoned identifier is refused on the next event", async () => {
    const { profileIds } = await ingestor.submit({
      sourceId: 'web',
      events: [event({ type: 'identify', messageId: 'd', anonymousId: 'anon-4', userId: 'u-4' })],
    });
    const profileId = profileIds[0]!;
    // The writer thread has anon-4 in its graph cache; the HTTP thread removes it.
    await store.transaction((tx) => tx.tombstone(profileId, { type: 'anonymous_id', value: 'anon-4' }, receivedAt.toISOString()));
    await ingestor.submit({
      sourceId: 'web',
      events: [event({ type: 'page', messageId: 'e', anonymousId: 'anon-4', userId: 'u-4', name: 'x' })],
    });
    expect(await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'anon-4' })).toBeUndefined();
    expect(await store.findProfileIdByIdentifier({ type: 'user_id', value: 'u-4' })).toBe(profileId);
  });

  it('replaces a writer thread that died: the next request starts a new one and is applied', async () => {
    await ingestor.submit({ sourceId: 'web', events: [event({ type: 'page', messageId: 'g1', anonymousId: 'anon-5', name: 'x' })] });
    const first = ingestor.writerThread();
    expect(first).toBeDefined();
    await first!.terminate();
    const outcome = await ingestor.submit({
      sourceId: 'web',
      events: [event({ type: 'page', messageId: 'g2', anonymousId: 'anon-5', name: 'y' })],
    });
    expect(outcome.accepted).toBe(1);
    expect(ingestor.writerThread()).not.toBe(first);
    // The new thread's graph starts from the database: the same person, not a second profile.
    expect(outcome.profileIds[0]).toBe(await store.findProfileIdByIdentifier({ type: 'anonymous_id', value: 'anon-5' }));
    expect((await store.stats()).profiles).toBe(1);
  });

  it('backs off a writer thread that dies at start: 503 meanwhile, not ready, then a new one once it can start', async () => {
    const dbPath = join(dir, 'guarded.db');
    const deaths: number[] = [];
    const guarded = await startThreadIngestor({ dbPath, resolve: deps, onDeath: (_, n) => deaths.push(n) });
    try {
      expect(guarded.ready()).toBe(true);
      // The database file cannot be opened any more (a directory stands in its place), then the thread dies:
      // the next one cannot start.
      renameSync(dbPath, `${dbPath}.aside`);
      mkdirSync(dbPath);
      await guarded.writerThread()!.terminate();
      const first = await guarded
        .submit({ sourceId: 'web', events: [event({ type: 'page', messageId: 'h1', anonymousId: 'anon-6', name: 'x' })] })
        .catch((e: unknown) => e);
      expect(first).toMatchObject({ code: 'service_unavailable' });
      expect(deaths).toEqual([1, 2]);
      expect(guarded.ready()).toBe(false);
      // In the back-off the answer is 503 at once, with Retry-After.
      const during = await guarded
        .submit({ sourceId: 'web', events: [event({ type: 'page', messageId: 'h2', anonymousId: 'anon-6', name: 'x' })] })
        .catch((e: unknown) => e);
      expect(during).toMatchObject({ code: 'service_unavailable', headers: { 'Retry-After': '5' } });
      // Repaired: the thread started when the back-off ends opens the database, and requests flow again. Why up
      // to 20 s: each thread that dies before the repair doubles the back-off (up to 5 s), and on a loaded machine
      // a thread takes a second to start and die, so 5 s was not always enough.
      rmdirSync(dbPath);
      renameSync(`${dbPath}.aside`, dbPath);
      await vi.waitFor(() => expect(guarded.ready()).toBe(true), { timeout: 20_000, interval: 20 });
      const outcome = await guarded.submit({
        sourceId: 'web',
        events: [event({ type: 'page', messageId: 'h3', anonymousId: 'anon-6', name: 'x' })],
      });
      expect(outcome.accepted).toBe(1);
    } finally {
      await guarded.close();
    }
  });

  it('waits longer after each death in a row, up to 5 s', () => {
    expect([1, 2, 3, 4, 8, 20].map(writerBackoffMs)).toEqual([0, 100, 200, 400, 5_000, 5_000]);
  });

  it('takes nothing after close', async () => {
    await ingestor.close();
    await expect(
      ingestor.submit({ sourceId: 'web', events: [event({ type: 'page', messageId: 'f', anonymousId: 'x', name: 'x' })] }),
    ).rejects.toThrow('closed');
  });
});

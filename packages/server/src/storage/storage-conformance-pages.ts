/**
 * Pages of what a store holds: the timeline, warnings and review items by cursor, and the counts that follow
 * from the cases registered before (writes).
 * Registered in this order by runStorageConformance (storage-conformance.ts) inside its describe.
 */
import { applyRow } from '../testing/apply-row.ts';
import { beforeAll, expect, it } from 'vitest';
import type { Store } from './storage.ts';
import type { ConformanceSuite } from './storage-conformance-fixtures.ts';
import { T0, event, id, plan } from './storage-conformance-fixtures.ts';

/** Registers these cases on the suite's store. */
export function registerPageCases(suite: ConformanceSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store();
  });
  const { newProfile } = suite;

  it('pages the timeline newest first with filters and a cursor', async () => {
    const profileId = await newProfile(
      [id('user_id', 'u-pages')],
      {},
      event({ timestamp: '2026-11-02T00:00:00.000Z', type: 'identify', event: undefined }),
    );
    for (let i = 1; i <= 5; i++) {
      await store.transaction((tx) =>
        applyRow(tx, {
          event: event({ event: i % 2 ? 'Odd' : 'Even', timestamp: `2026-11-02T0${i}:00:00.000Z` }),
          sourceId: 'src-1',
          plan: plan({ target: { kind: 'existing', profileId } }),
        }),
      );
    }
    const first = await store.listProfileEvents(profileId, { limit: 2 });
    expect(first.data.map((e) => e.timestamp)).toEqual(['2026-11-02T05:00:00.000Z', '2026-11-02T04:00:00.000Z']);
    expect(first.cursor.hasMore).toBe(true);
    const second = await store.listProfileEvents(profileId, { limit: 10, cursor: first.cursor.next! });
    expect(second.data).toHaveLength(4);
    expect(second.cursor).toEqual({ next: null, hasMore: false });
    expect((await store.listProfileEvents(profileId, { limit: 10, event: 'Odd' })).data).toHaveLength(3);
    expect((await store.listProfileEvents(profileId, { limit: 10, type: 'identify' })).data).toHaveLength(1);
    const all = (await store.listProfileEvents(profileId, { limit: 100 })).data;
    const sourceId = all[0]!.sourceId;
    const bySource = (await store.listProfileEvents(profileId, { limit: 100, sourceIds: [sourceId] })).data;
    expect(bySource.length).toBe(all.filter((e) => e.sourceId === sourceId).length);
    expect(bySource.length).toBeGreaterThan(0);
    expect((await store.listProfileEvents(profileId, { limit: 100, sourceIds: ['no-such-source'] })).data).toEqual([]);
    expect((await store.listProfileEvents(profileId, { limit: 100, sourceIds: [] })).data).toEqual([]);
  });

  it('stores events without identity and plan warnings, and lists warnings by kind', async () => {
    const ev = event({ anonymousId: undefined, userId: 'null' });
    const result = await store.transaction((tx) =>
      applyRow(tx, {
        event: ev,
        sourceId: 'src-1',
        plan: plan({ target: { kind: 'none' }, warnings: [{ kind: 'no_identity', message: 'no usable identifier' }] }),
      }),
    );
    expect(result.profileId).toBeUndefined();
    await store.addWarnings([
      { kind: 'rejected_event', code: 'invalid_event', field: 'event', message: 'event is required', sourceId: 'src-1', createdAt: T0 },
    ]);
    const page = await store.listWarnings({ limit: 1, kind: 'no_identity' });
    expect(page.data[0]).toMatchObject({ kind: 'no_identity', messageId: ev.messageId, sourceId: 'src-1' });
    const all = await store.listWarnings({ limit: 1 });
    expect(all.data[0]).toMatchObject({ kind: 'rejected_event', code: 'invalid_event', field: 'event' });
    expect(all.cursor.hasMore).toBe(true);
    const next = await store.listWarnings({ limit: 100, cursor: all.cursor.next! });
    expect(next.data.some((w) => w.kind === 'no_identity')).toBe(true);
  });

  it('pages review items oldest first, by status, with a cursor', async () => {
    const a = await newProfile([id('user_id', 'review-a')]);
    const b = await newProfile([id('user_id', 'review-b')]);
    const item = (n: number) => ({
      id: `rev-${n}`,
      runId: 'run-1',
      aProfile: a,
      bProfile: b,
      probability: 0.5,
      reason: 'below-link-threshold',
      evidence: [],
      status: 'open' as const,
      createdAt: T0,
    });
    await store.matching.addReviewItems([1, 2, 3, 4, 5].map(item));
    expect(await store.matching.decideReviewItem('rev-2', 'rejected', T0)).toMatchObject({ status: 'rejected' });
    const first = await store.matching.listReviewItems({ limit: 2 });
    expect(first.data.map((i) => i.id)).toEqual(['rev-1', 'rev-2']);
    expect(first.cursor.hasMore).toBe(true);
    const rest = await store.matching.listReviewItems({ limit: 3, cursor: first.cursor.next! });
    expect(rest.data.map((i) => i.id)).toEqual(['rev-3', 'rev-4', 'rev-5']);
    expect(rest.cursor).toEqual({ next: null, hasMore: false });
    const open = await store.matching.listReviewItems({ status: 'open', limit: 2 });
    expect(open.data.map((i) => i.id)).toEqual(['rev-1', 'rev-3']);
    const openRest = await store.matching.listReviewItems({ status: 'open', limit: 2, cursor: open.cursor.next! });
    expect(openRest).toMatchObject({ data: [{ id: 'rev-4' }, { id: 'rev-5' }], cursor: { next: null, hasMore: false } });
  });

  it('counts what it holds', async () => {
    const stats = await store.stats();
    expect(stats.profiles).toBeGreaterThan(0);
    expect(stats.merges).toBe(3);
    expect(stats.events).toBeGreaterThan(stats.profiles);
    expect(stats.externalIds).toBeGreaterThanOrEqual(stats.profiles);
    expect(stats.warnings).toBe(2);
  });
}

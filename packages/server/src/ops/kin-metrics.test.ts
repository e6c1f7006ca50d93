import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../identity/policy-load.ts';
import { createGroupCommitIngestor } from '../pipeline/group-commit.ts';
import { fixedClock } from '../ports/clock.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { KinMetrics } from './kin-metrics.ts';
import { createKinMetrics, instrumentIngestor, instrumentStore } from './kin-metrics.ts';

const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
const RECEIVED = '2026-11-01T10:00:01.000Z';

const identify = (messageId: string, ids: { anonymousId?: string; userId?: string; email?: string }): TrackingEvent => ({
  type: 'identify',
  messageId,
  ...(ids.anonymousId ? { anonymousId: ids.anonymousId } : {}),
  ...(ids.userId ? { userId: ids.userId } : {}),
  ...(ids.email ? { traits: { email: ids.email } } : {}),
  timestamp: '2026-11-01T10:00:00.000Z',
  receivedAt: RECEIVED,
});

const value = async (metric: KinMetrics[keyof KinMetrics], name?: string) => {
  const got = await (metric as KinMetrics['resolution']).get();
  return got.values.find((v) => name === undefined || v.metricName === name)?.value;
};

describe('metrics at the ports', () => {
  it('counts what passes through an ingestor and times each accepted event on the clock it is given', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    const metrics = createKinMetrics();
    const clock = fixedClock('2026-11-01T10:00:03.500Z');
    const ingestor = instrumentIngestor(createGroupCommitIngestor({ store, ...deps }), metrics, { clock, resolution: true });
    const events = [identify('m-1', { anonymousId: 'a-1' }), identify('m-2', { anonymousId: 'a-2' }), identify('m-3', { userId: 'u-1' })];
    expect(await ingestor.submit({ sourceId: 'web', events })).toMatchObject({ accepted: 3, duplicates: 0 });
    clock.advance(1000);
    expect(await ingestor.submit({ sourceId: 'web', events: events.slice(0, 2) })).toMatchObject({ accepted: 0, duplicates: 2 });
    await ingestor.warn([
      {
        kind: 'rejected_event',
        code: 'invalid_event',
        field: 'batch[*].event',
        message: 'bad',
        sourceId: 'web',
        count: 4,
        createdAt: RECEIVED,
      },
    ]);

    expect(await value(metrics.received)).toBe(3 + 2 + 4);
    expect(await value(metrics.accepted)).toBe(3);
    expect(await value(metrics.duplicates)).toBe(2);
    expect(await value(metrics.rejected)).toBe(4);
    // Only the first request's three events resolved: 2.5 s each from receipt to answer.
    expect(await value(metrics.resolution, 'kin_resolution_latency_seconds_count')).toBe(3);
    expect(await value(metrics.resolution, 'kin_resolution_latency_seconds_sum')).toBe(7.5);
    await ingestor.close();
    await store.close();
  });

  it('counts merges, rejected warnings and resolution latency at the store, on commit', async () => {
    const raw = await openSqliteStore({ path: ':memory:' });
    const metrics = createKinMetrics();
    const clock = fixedClock('2026-11-01T10:00:02.000Z');
    const store = instrumentStore(raw, metrics, clock);
    const ingestor = createGroupCommitIngestor({ store, ...deps });
    await ingestor.submit({
      sourceId: 'web',
      events: [identify('m-1', { anonymousId: 'a-1', email: 'ann@example.com' }), identify('m-2', { userId: 'u-1' })],
    });
    // One event names both profiles' identifiers: they merge.
    await ingestor.submit({ sourceId: 'web', events: [identify('m-3', { userId: 'u-1', email: 'ann@example.com' })] });
    await store.addWarnings([
      { kind: 'rejected_event', code: 'invalid_event', field: 'event', message: 'bad', sourceId: 'web', createdAt: RECEIVED },
    ]);

    expect(await value(metrics.merges)).toBe(1);
    expect(await value(metrics.rejected)).toBe(1);
    expect(await value(metrics.resolution, 'kin_resolution_latency_seconds_count')).toBe(3);
    expect(await value(metrics.resolution, 'kin_resolution_latency_seconds_sum')).toBe(3);
    expect((await raw.stats()).profiles).toBe((await store.stats()).profiles);
    await ingestor.close();
    await store.close();
  });
});

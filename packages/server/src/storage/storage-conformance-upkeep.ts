/**
 * Upkeep and concurrency: pruning message ids and warnings, folded warnings, concurrent creation of one
 * identifier, and counters equal to a recount of the rows.
 * Registered in this order by runStorageConformance (storage-conformance.ts) inside its describe.
 */
import { applyRow } from '../testing/apply-row.ts';
import { beforeAll, expect, it } from 'vitest';
import type { Store } from './storage.ts';
import type { ConformanceSuite } from './storage-conformance-fixtures.ts';
import { T0, event, id, plan } from './storage-conformance-fixtures.ts';

/** Registers these cases on the suite's store. */
export function registerUpkeepCases(suite: ConformanceSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store();
  });
  const { target } = suite;

  it('prunes old message id claims so they can be claimed again', async () => {
    await store.transaction((tx) => tx.claimMessageIds('src-9', ['old']));
    expect(await store.pruneMessageIds(new Date(Date.now() + 60_000).toISOString())).toBeGreaterThan(0);
    expect(await store.transaction((tx) => tx.claimMessageIds('src-9', ['old']))).toEqual([true]);
  });

  it('never creates two profiles for one identifier under concurrent transactions', async () => {
    const ids = await Promise.all(
      Array.from({ length: 8 }, () =>
        store.transaction(async (tx) => {
          const snapshot = await tx.loadSnapshot([id('user_id', 'u-race')]);
          const known = snapshot.known[0];
          const p = known
            ? plan({ target: { kind: 'existing', profileId: known.profileId }, touches: [id('user_id', 'u-race')] })
            : plan({ links: [{ identifier: id('user_id', 'u-race'), rule: 'new_profile' }] });
          return (await applyRow(tx, { event: event(), sourceId: 'src-1', plan: p })).profileId;
        }),
      ),
    );
    expect(new Set(ids).size).toBe(1);
  });
  it('folds repeated warnings into one record with a count and the last time, and prunes by last time', async () => {
    const later = '2026-11-01T12:00:00.000Z';
    const repeat = { kind: 'rejected_event', code: 'invalid_event', field: 'type', message: 'type is unknown', sourceId: 'src-fold' };
    await store.addWarnings([
      { ...repeat, messageId: 'first', createdAt: T0 },
      { ...repeat, messageId: 'second', createdAt: T0 },
    ]);
    await store.addWarnings([{ ...repeat, messageId: 'third', createdAt: later, count: 3 }]);
    await store.addWarnings([{ ...repeat, field: 'event', createdAt: T0 }]);
    const all = (await store.listWarnings({ limit: 1000 })).data;
    const folded = all.filter((w) => w.sourceId === 'src-fold');
    expect(folded).toHaveLength(2);
    expect(folded.find((w) => w.field === 'type')).toMatchObject({ count: 5, createdAt: T0, lastSeenAt: later, messageId: 'first' });
    expect(folded.find((w) => w.field === 'event')).toMatchObject({ count: 1, lastSeenAt: T0 });
    const cutoff = '2026-11-01T11:00:00.000Z';
    const old = all.filter((w) => w.lastSeenAt < cutoff);
    const before = (await store.stats()).warnings;
    expect(await store.pruneWarnings(cutoff)).toBe(old.length);
    expect((await store.listWarnings({ limit: 1000 })).data.filter((w) => w.sourceId === 'src-fold').map((w) => w.field)).toEqual(['type']);
    expect((await store.stats()).warnings).toBe(before - old.reduce((sum, w) => sum + w.count, 0));
  });

  it('keeps every counter equal to a recount of the rows', async () => {
    if (!target.recount) return;
    expect(await store.stats()).toEqual(await target.recount(store));
  });
}

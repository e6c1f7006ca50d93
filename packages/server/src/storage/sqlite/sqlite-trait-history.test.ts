import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Identifier } from '@kin/core';
import { applyRow } from '../../testing/apply-row.ts';
import type { Store, StoreTx } from '../storage.ts';
import { TRAIT_HISTORY_KEPT } from '../storage.ts';
import { T0, event, id, plan } from '../storage-conformance-fixtures.ts';
import { GraphCache } from './sqlite-graph-cache.ts';
import { migrateSqlite } from './sqlite-migrator.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { createSqliteTraitHistory } from './sqlite-trait-history.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-trait-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (n: number) => new Date(Date.parse(T0) + n * 60_000).toISOString();

const newProfile = async (store: Store, identifier: Identifier): Promise<string> =>
  (
    await store.transaction((tx) =>
      applyRow(tx, { event: event(), sourceId: 'src-1', plan: plan({ links: [{ identifier, rule: 'new_profile' }] }) }),
    )
  ).profileId!;

const write = (tx: StoreTx, profileId: string, n: number, set: Record<string, unknown>) =>
  applyRow(tx, {
    event: event({ timestamp: at(n) }),
    sourceId: 'src-1',
    plan: plan({ target: { kind: 'existing', profileId }, traits: { set, unset: [] } }),
  });

const historyOf = async (store: Store, profileId: string, key: string) =>
  (await store.listTraitHistory(profileId)).find((t) => t.key === key)?.history.map((h) => [h.value, h.timestamp]);

// The writer keeps the newest history entry of each trait in memory (sqlite-trait-history.ts); these cases
// prove it never disagrees with the table.
describe('SQLite trait history heads', () => {
  it('does not take a value of a rolled-back transaction for the newest entry', async () => {
    const store = await openSqliteStore({ path: join(dir, 'rollback.db') });
    const profileId = await newProfile(store, id('user_id', 'u-rollback'));
    await store.transaction((tx) => write(tx, profileId, 1, { plan: 'pro' }));
    await expect(
      store.transaction(async (tx) => {
        await write(tx, profileId, 2, { plan: 'team' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await store.transaction((tx) => write(tx, profileId, 3, { plan: 'team' }));
    expect(await historyOf(store, profileId, 'plan')).toEqual([
      ['team', at(3)],
      ['pro', at(1)],
    ]);
    await store.close();
  });

  it('merges two profiles written here: the newest values of each trait are kept, the newest one folds its repeat', async () => {
    const store = await openSqliteStore({ path: join(dir, 'merge.db') });
    const survivor = await newProfile(store, id('user_id', 'u-survivor'));
    const absorbed = await newProfile(store, id('user_id', 'u-absorbed'));
    // Together more than the history keeps: even minutes on the survivor, odd ones (the newest) on the other.
    const half = TRAIT_HISTORY_KEPT / 2 + 2;
    await store.transaction(async (tx) => {
      for (let n = 0; n < half; n++) await write(tx, survivor, 2 * n, { score: 2 * n });
      for (let n = 0; n < half; n++) await write(tx, absorbed, 2 * n + 1, { score: 2 * n + 1, city: 'Oslo' });
    });
    await store.transaction((tx) =>
      applyRow(tx, {
        event: event({ timestamp: at(100) }),
        sourceId: 'src-1',
        plan: plan({
          target: { kind: 'existing', profileId: survivor },
          merges: [{ survivorId: survivor, absorbedId: absorbed, rule: 'merge', via: [] }],
        }),
      }),
    );
    const newest = 2 * half - 1;
    // Repeats of the newest values: they move its time instead of adding an entry.
    await store.transaction(async (tx) => {
      await write(tx, survivor, 200, { score: newest });
      await write(tx, survivor, 201, { city: 'Oslo' });
    });
    const kept = Array.from({ length: TRAIT_HISTORY_KEPT }, (_, i) => newest - i);
    expect(await historyOf(store, survivor, 'score')).toEqual(kept.map((n) => [n, at(n === newest ? 200 : n)]));
    expect(await historyOf(store, survivor, 'city')).toEqual([['Oslo', at(201)]]);
    await store.close();
  });

  it('reads the newest entry of a profile it did not write (another store, a restart)', async () => {
    const path = join(dir, 'restart.db');
    const first = await openSqliteStore({ path });
    const profileId = await newProfile(first, id('user_id', 'u-restart'));
    await first.transaction((tx) => write(tx, profileId, 1, { plan: 'pro' }));
    await first.close();
    const second = await openSqliteStore({ path });
    await second.transaction((tx) => write(tx, profileId, 2, { plan: 'pro' }));
    await second.transaction((tx) => write(tx, profileId, 3, { plan: 'team' }));
    expect(await historyOf(second, profileId, 'plan')).toEqual([
      ['team', at(3)],
      ['pro', at(2)],
    ]);
    await second.close();
  });

  it('forgets its heads past the limit and reads them again, without changing what it writes', () => {
    const db = new Database(':memory:');
    migrateSqlite(db, () => new Date(0));
    const cache = new GraphCache();
    const history = createSqliteTraitHistory(db, cache, 2);
    const entry = (key: string, n: number) => ({ profileId: 'p-1', key, value: '"v"', ts: at(n), sourceId: 'src-1', trust: 0 });
    const heads = () => [...cache.traitHeads.values()].reduce((sum, p) => sum + p.byKey.size, 0);
    expect(history.record(entry('a', 1))).toBe(false);
    expect(history.record(entry('b', 2))).toBe(false);
    expect(heads()).toBe(2);
    expect(history.record(entry('c', 3))).toBe(false);
    expect(heads()).toBe(1);
    // A's head was forgotten: it is read again, and the repeat still only moves its time.
    expect(history.record(entry('a', 4))).toBe(true);
    expect(db.prepare('SELECT key, ts FROM trait_history ORDER BY key').raw(true).all()).toEqual([
      ['a', at(4)],
      ['b', at(2)],
      ['c', at(3)],
    ]);
    db.close();
  });

  it('indexes each trait without its time, so moving a repeat in time rewrites no index entry (migration 48)', () => {
    const db = new Database(':memory:');
    migrateSqlite(db, () => new Date(0));
    expect(db.prepare("SELECT name FROM pragma_index_info('trait_history_key') ORDER BY seqno").pluck().all()).toEqual([
      'profile_id',
      'key',
    ]);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT seq FROM trait_history WHERE profile_id = 'p' AND key = 'k' ORDER BY ts DESC, seq DESC LIMIT 1")
      .all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join('; ')).toContain('USING INDEX trait_history_key (profile_id=? AND key=?)');
    db.close();
  });
});

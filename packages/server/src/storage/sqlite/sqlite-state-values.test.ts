import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComputedTraitDefinition } from '@kin/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../storage.ts';
import { computedStatePath } from './sqlite-audience-state.ts';
import { PROFILE_VALUES_SQL, convertValueRows } from './sqlite-state-values.ts';
import { openSqliteStore } from './sqlite-store.ts';

/** Writes a state file of the former layout (one `computed_values` row per value) holding `rows` (SQL values). */
function writeOldFile(file: string, rows: string): void {
  const old = new Database(file);
  try {
    old.exec(`
      CREATE TABLE computed_values (profile_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (profile_id, key)) WITHOUT ROWID;
      INSERT INTO computed_values VALUES ${rows};
    `);
  } finally {
    old.close();
  }
}

/** How many descriptors this process holds open on `file` (or its -wal / -shm). */
function openDescriptors(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(file);
    } catch {
      return false;
    }
  }).length;
}

describe('SQLite state file: one row of values per profile', () => {
  let dir: string;
  let path: string;
  let store: Store | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kin-state-values-'));
    path = join(dir, 'kin.db');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('converts a state file of the former layout (one row per value) on open, keeping every value and membership', async () => {
    const old = new Database(computedStatePath(path));
    old.exec(`
      CREATE TABLE computed_values (profile_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (profile_id, key)) WITHOUT ROWID;
      CREATE TABLE audience_members (audience_key TEXT NOT NULL, profile_id TEXT NOT NULL, entered_at TEXT NOT NULL, PRIMARY KEY (audience_key, profile_id)) WITHOUT ROWID;
      CREATE TABLE computed_schedule (profile_id TEXT PRIMARY KEY, next_check_at TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO computed_values VALUES ('p1', 'orders', '3'), ('p1', 'skus', '["a","b"]'), ('p1', 'last.sku', '"b"'),
        ('p1', 'by_day', '{"mon":1}'), ('p2', 'spend', '12.5');
      INSERT INTO audience_members VALUES ('vip', 'p1', '2026-11-01T10:00:00.000Z');
      INSERT INTO computed_schedule VALUES ('p2', '2026-11-02T00:00:00.000Z');
    `);
    old.close();
    store = await openSqliteStore({ path });
    const states = await store.audiences.readStates(['p1', 'p2', 'p3']);
    expect(states.get('p1')).toEqual({
      values: { orders: 3, skus: ['a', 'b'], 'last.sku': 'b', by_day: { mon: 1 } },
      audiences: { vip: '2026-11-01T10:00:00.000Z' },
      nextCheckAt: null,
    });
    expect(states.get('p2')).toEqual({ values: { spend: 12.5 }, audiences: {}, nextCheckAt: '2026-11-02T00:00:00.000Z' });
    expect(states.get('p3')?.values).toEqual({});
    await store.close();
    store = undefined;
    const after = new Database(computedStatePath(path), { readonly: true });
    try {
      expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'computed_values'").all()).toEqual([]);
      expect(after.prepare('SELECT count(*) AS n FROM profile_values').get()).toEqual({ n: 2 });
    } finally {
      after.close();
    }
  });

  it('writes one row per profile; a trait deleted leaves the others, a profile left without values has no row', async () => {
    store = await openSqliteStore({ path });
    const port = store.audiences;
    const first = { values: { orders: 1, 'last.sku': 'a' }, audiences: {}, nextCheckAt: null };
    await port.writeStates(
      [
        { profileId: 'p1', state: first, nextCheckAt: null },
        { profileId: 'p2', state: { values: { orders: 2 }, audiences: {} }, nextCheckAt: null },
      ],
      [],
    );
    await port.writeStates(
      [{ profileId: 'p1', state: { values: { orders: 2, 'last.sku': 'b' }, audiences: {} }, nextCheckAt: null, before: first }],
      [],
    );
    expect((await port.readStates(['p1'])).get('p1')?.values).toEqual({ orders: 2, 'last.sku': 'b' });
    await port.deleteDefinition('trait', 'orders');
    const states = await port.readStates(['p1', 'p2']);
    expect([states.get('p1')?.values, states.get('p2')?.values]).toEqual([{ 'last.sku': 'b' }, {}]);
    const file = new Database(computedStatePath(path), { readonly: true });
    try {
      expect(file.prepare('SELECT profile_id FROM profile_values').pluck().all()).toEqual(['p1']);
    } finally {
      file.close();
    }
  });

  it('converts once when two connections open the same old file together: the second finds it done', () => {
    const file = computedStatePath(path);
    writeOldFile(file, `('p1', 'orders', '3'), ('p2', 'spend', '12.5')`);
    const a = new Database(file);
    const b = new Database(file);
    try {
      for (const c of [a, b]) c.exec(PROFILE_VALUES_SQL);
      // `a` converts after `b` has seen the old table and before `b`'s transaction begins.
      const transaction = b.transaction.bind(b);
      b.transaction = ((fn: () => unknown) => {
        convertValueRows(a);
        return transaction(fn);
      }) as typeof b.transaction;
      expect(() => convertValueRows(b)).not.toThrow();
      expect(b.prepare('SELECT profile_id, vals FROM profile_values ORDER BY profile_id').all()).toEqual([
        { profile_id: 'p1', vals: '{"orders":3}' },
        { profile_id: 'p2', vals: '{"spend":12.5}' },
      ]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('opens a converted state file again with its values', async () => {
    writeOldFile(computedStatePath(path), `('p1', 'orders', '3')`);
    for (let open = 0; open < 2; open++) {
      store = await openSqliteStore({ path });
      expect((await store.audiences.readStates(['p1'])).get('p1')?.values).toEqual({ orders: 3 });
      await store.close();
      store = undefined;
    }
  });

  it('closes the state file when its conversion fails', async () => {
    const file = computedStatePath(path);
    writeOldFile(file, `('p1', 'orders', 'not json')`);
    store = await openSqliteStore({ path });
    const port = store.audiences;
    for (let tries = 0; tries < 2; tries++) await expect((async () => port.readStates(['p1']))()).rejects.toThrow();
    expect(openDescriptors(file)).toBe(0);
  });

  it('never writes a deleted trait back: a write computed before the delete drops its key, a new definition starts empty', async () => {
    store = await openSqliteStore({ path });
    const port = store.audiences;
    const orders: ComputedTraitDefinition = { key: 'orders', type: 'event_counter', event: 'Order Completed', where: [], window: null };
    await port.saveDefinition('trait', orders, '2026-11-01T10:00:00.000Z');
    const stale = { values: { orders: 5, spend: 12 }, audiences: {} };
    await port.writeStates([{ profileId: 'p1', state: stale, nextCheckAt: null }], []);
    expect(await port.deleteDefinition('trait', 'orders')).toBe(true);
    // The evaluator's write computed before the delete, with the state it read before it.
    await port.writeStates(
      [{ profileId: 'p1', state: { ...stale, values: { orders: 6, spend: 12 } }, nextCheckAt: null, before: stale }],
      [],
    );
    expect((await port.readStates(['p1'])).get('p1')?.values).toEqual({ spend: 12 });
    expect(await port.saveDefinition('trait', orders, '2026-11-02T10:00:00.000Z')).toBe(true);
    expect((await port.readStates(['p1'])).get('p1')?.values).toEqual({ spend: 12 });
    await port.writeStates([{ profileId: 'p1', state: { values: { orders: 1, spend: 12 }, audiences: {} }, nextCheckAt: null }], []);
    expect((await port.readStates(['p1'])).get('p1')?.values).toEqual({ orders: 1, spend: 12 });
  });
});

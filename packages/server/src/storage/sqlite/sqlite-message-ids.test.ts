import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import { applyEvents } from '../../pipeline/event-apply.ts';
import type { Store } from '../storage.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { createMessageIdIndex, inKeyOrder } from './sqlite-message-ids.ts';
import type { Claim } from './sqlite-message-ids.ts';
import { messageKey } from './message-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-message-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
let files = 0;
const newPath = () => join(dir, `kin-${++files}.db`);

const track = (messageId: string): TrackingEvent => ({
  type: 'track',
  event: 'Product Viewed',
  messageId,
  anonymousId: `anon-${messageId}`,
  timestamp: '2026-11-01T10:00:00.000Z',
  receivedAt: '2026-11-01T10:00:01.000Z',
});

/** Applies one event in its own transaction; true when it was new. */
async function send(store: Store, messageId: string, sourceId = 'web'): Promise<boolean> {
  const outcome = await store.transaction((tx) => applyEvents(tx, sourceId, [track(messageId)], deps));
  return outcome.accepted === 1;
}

/** What is on disk, read beside the store. */
function onDisk(path: string): { rows: number; through: number } {
  const db = new Database(path, { readonly: true });
  try {
    const rows = (db.prepare('SELECT count(*) AS n FROM message_ids').get() as { n: number }).n;
    const through = (db.prepare('SELECT through_seq AS t FROM message_id_flush').get() as { t: number }).t;
    return { rows, through };
  } finally {
    db.close();
  }
}

describe('SQLite messageId claims held in memory', () => {
  it('keeps a claim whose event committed across a restart before it was written out', async () => {
    const path = newPath();
    const first = await openSqliteStore({ path });
    expect(await send(first, 'm-1')).toBe(true);
    await first.close();
    // Nothing in message_ids yet: the restarted store finds the claim through the events table.
    expect(onDisk(path).rows).toBe(0);
    const second = await openSqliteStore({ path });
    expect(await send(second, 'm-1')).toBe(false);
    expect(await send(second, 'm-1', 'app')).toBe(true);
    expect((await second.stats()).events).toBe(2);
    await second.close();
  });

  it('writes a full generation out in key-ordered slices and then moves through_seq', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, messageIds: { flushAt: 4, slices: 2 } });
    for (const id of ['a', 'b', 'c', 'd']) expect(await send(store, id)).toBe(true);
    // Four claims: frozen at the last commit, nothing written yet.
    expect(onDisk(path)).toEqual({ rows: 0, through: 0 });
    expect(await send(store, 'e')).toBe(true);
    expect(onDisk(path)).toEqual({ rows: 2, through: 0 });
    expect(await send(store, 'f')).toBe(true);
    expect(onDisk(path)).toEqual({ rows: 4, through: 4 });
    // Written or not, every claim is still exact, in this store and after a restart.
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) expect(await send(store, id)).toBe(false);
    await store.close();
    const again = await openSqliteStore({ path, messageIds: { flushAt: 4, slices: 2 } });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) expect(await send(again, id)).toBe(false);
    expect(await send(again, 'g')).toBe(true);
    expect((await again.stats()).events).toBe(7);
    await again.close();
  });

  it('sees the claims another connection committed, and that connection sees its claims', async () => {
    const path = newPath();
    const server = await openSqliteStore({ path, messageIds: { flushAt: 3, slices: 1 } });
    const importer = await openSqliteStore({ path, messageIds: { flushAt: 3, slices: 1 } });
    expect(await send(server, 'x-1')).toBe(true);
    expect(await send(importer, 'x-1')).toBe(false);
    expect(await send(importer, 'x-2')).toBe(true);
    expect(await send(server, 'x-2')).toBe(false);
    // The importer writes a generation out (and moves through_seq past what the server holds in memory).
    for (const id of ['x-3', 'x-4', 'x-5']) expect(await send(importer, id)).toBe(true);
    expect(onDisk(path).through).toBeGreaterThan(0);
    for (const id of ['x-1', 'x-2', 'x-3', 'x-4', 'x-5']) expect(await send(server, id)).toBe(false);
    expect(await send(server, 'x-6')).toBe(true);
    expect(await send(importer, 'x-6')).toBe(false);
    await importer.close();
    await server.close();
  });

  it('writes a claim that has no event row at commit, so it survives a restart too', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path });
    expect(await store.transaction((tx) => tx.claimMessageIds('crm', ['bare']))).toEqual([true]);
    await store.close();
    expect(onDisk(path).rows).toBe(1);
    const again = await openSqliteStore({ path });
    expect(await again.transaction((tx) => tx.claimMessageIds('crm', ['bare']))).toEqual([false]);
    await again.close();
  });

  it('finds a claim another connection wrote straight to disk, before and after its filter of keys on disk is rebuilt', async () => {
    const path = newPath();
    const server = await openSqliteStore({ path, messageIds: { flushAt: 3, slices: 1 } });
    const importer = await openSqliteStore({ path });
    // The server's filter is built and holds what the server wrote out.
    for (const id of ['s-1', 's-2', 's-3', 's-4']) expect(await send(server, id)).toBe(true);
    for (const id of ['s-1', 's-2', 's-3']) expect(await send(server, id)).toBe(false);
    expect(await importer.transaction((tx) => tx.claimMessageIds('crm', ['bare-1']))).toEqual([true]);
    // The importer's commit makes the filter stale: the claim is found on disk all the same.
    expect(await server.transaction((tx) => tx.claimMessageIds('crm', ['bare-1']))).toEqual([false]);
    // After a quiet spell the filter is built again from the table, with the importer's key in it.
    for (let i = 0; i < 110; i++) await server.transaction((tx) => tx.claimMessageIds('web', [`quiet-${i}`]));
    expect(await server.transaction((tx) => tx.claimMessageIds('crm', ['bare-1', 'bare-2']))).toEqual([false, true]);
    await importer.close();
    await server.close();
  });

  it('forgets a claim whose transaction rolled back, before and after a restart', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path });
    await expect(
      store.transaction(async (tx) => {
        await applyEvents(tx, 'web', [track('lost')], deps);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await store.close();
    const again = await openSqliteStore({ path });
    expect(await send(again, 'lost')).toBe(true);
    await again.close();
  });
});

describe('inKeyOrder', () => {
  const claim = (h: bigint, messageId: string): Claim => ({ h, sourceId: 's', messageId, at: 0, backed: true });

  it('orders claims by their 63-bit key, as a BigInt sort does', () => {
    const claims = Array.from({ length: 20_000 }, (_, i) => claim(messageKey('web', `m-${i}`), `m-${i}`));
    const exact = [...claims].sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0)).map((c) => c.messageId);
    expect(inKeyOrder(claims).map((c) => c.messageId)).toEqual(exact);
  });

  it('keeps every claim once when keys share their leading bits or are extreme', () => {
    const max = 0x7fff_ffff_ffff_ffffn;
    const claims = [
      claim(max, 'max'),
      claim(0n, 'zero'),
      claim(max - 1n, 'max-1'),
      claim(5n, 'five'),
      claim(4n, 'four'),
      claim(1n << 40n, 'mid'),
    ];
    const ordered = inKeyOrder(claims).map((c) => c.messageId);
    expect([...ordered].sort()).toEqual(claims.map((c) => c.messageId).sort());
    // Keys that differ only in their last bits may come in either order; the rest is ordered.
    expect(ordered.indexOf('mid')).toBe(3);
    expect(ordered.slice(0, 3).sort()).toEqual(['five', 'four', 'zero']);
    expect(ordered.slice(4).sort()).toEqual(['max', 'max-1']);
  });
});

describe('claims whose 63-bit keys collide', () => {
  it('keeps each one exactly, written at commit or in bulk', async () => {
    const path = newPath();
    await (await openSqliteStore({ path })).close();
    const db = new Database(path);
    const index = createMessageIdIndex(db, () => Date.parse('2026-01-01T00:00:00Z'), { flushAt: 6, slices: 1 });
    const tx = (fn: () => void) => {
      db.exec('BEGIN IMMEDIATE');
      index.begin(false);
      fn();
      index.beforeCommit();
      db.exec('COMMIT');
      index.committed();
    };
    // Six claims with one key: three backed by an event row (they wait for the bulk write), three bare.
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    tx(() => {
      ids.forEach((id, i) => {
        expect((index.prime('web', id, 42n), index.claim('web', id, 1_000))).toBe(true);
        if (i < 3) index.backed('web', id, i + 1);
      });
    });
    expect(index.size()).toBe(3);
    tx(() => {
      expect((index.prime('web', 'g', 43n), index.claim('web', 'g', 1_000))).toBe(true);
      index.backed('web', 'g', 4);
    });
    // Four claims wait in memory; two more make a generation of six, frozen at that commit.
    tx(() => {
      for (const id of ['h', 'i']) {
        expect((index.prime('web', id, 42n), index.claim('web', id, 1_000))).toBe(true);
        index.backed('web', id, 5);
      }
    });
    // The next transaction writes the generation (one slice): several claims per INSERT, and one by one
    // where a key is taken.
    tx(() => undefined);
    expect(index.size()).toBe(0);
    const rows = db.prepare('SELECT count(*) FROM message_ids').pluck().get() as number;
    const overflow = db.prepare('SELECT count(*) FROM message_id_overflow').pluck().get() as number;
    // One row per key in message_ids, every other claim of key 42 in the overflow table.
    expect([rows, overflow]).toEqual([2, 7]);
    for (const id of [...ids, 'g', 'h', 'i'])
      expect((index.prime('web', id, id === 'g' ? 43n : 42n), index.claim('web', id, 2_000)), id).toBe(false);
    db.close();
  });
});

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import { undoMerge } from '../../identity/identity-undo.ts';
import { applyEvents } from '../../pipeline/event-apply.ts';
import type { Store } from '../storage.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { TimelineOptions } from './sqlite-timeline.ts';
import { timelinePageSql } from './sqlite-timeline-read.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-timeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
let files = 0;
const newPath = () => join(dir, `kin-${++files}.db`);
let messages = 0;

/** A page view of `ids` at minute `minute` (timestamps deliberately out of arrival order in the tests). */
function page(ids: { anonymousId?: string; userId?: string }, minute: number): TrackingEvent {
  const at = new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();
  return { type: 'page', name: `p${minute}`, messageId: `m-${++messages}`, ...ids, timestamp: at, receivedAt: '2026-11-01T12:00:00.000Z' };
}

/** Applies events, one transaction each; returns the profile of the last one. */
async function send(store: Store, ...events: TrackingEvent[]): Promise<string> {
  let profileId = '';
  for (const event of events) {
    const outcome = await store.transaction((tx) => applyEvents(tx, 'web', [event], deps));
    profileId = outcome.profileIds[0]!;
  }
  return profileId;
}

/**
 * All of a profile's events, newest first, read page by page (pages of 2 cross the tail/table seam).
 * `ref`: a profile id or `type:value`.
 */
async function timelineOf(store: Store, ref: string): Promise<string[]> {
  const [type, value] = ref.split(':');
  const profileId = value === undefined ? ref : await store.findProfileIdByIdentifier({ type: type!, value });
  if (!profileId) return [];
  const names: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listProfileEvents(profileId, { limit: 2, ...(cursor ? { cursor } : {}) });
    names.push(...page.data.map((e) => `${e.name}@${e.profileId}`));
    if (!page.cursor.hasMore) return names;
    cursor = page.cursor.next!;
  }
}

/** Where the entries are, read beside the store. */
function onDisk(path: string): { table: number; tail: number; through: number } {
  const db = new Database(path, { readonly: true });
  try {
    const n = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      table: n('SELECT count(*) FROM timeline'),
      tail: n('SELECT count(*) FROM timeline_tail'),
      through: n('SELECT through_seq FROM timeline_flush'),
    };
  } finally {
    db.close();
  }
}

const small: Partial<TimelineOptions> = { flushAt: 3, slices: 2 };

describe('SQLite timeline written in bulk', () => {
  it('reads a profile from the tail, from a half-written generation and from the table alike', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, timeline: small });
    // Two shoppers; minutes deliberately out of arrival order.
    const sends: Array<[string, number]> = [
      ['a-1', 5],
      ['a-2', 1],
      ['a-2', 9],
      ['a-1', 3],
      ['a-2', 7],
      ['a-1', 2],
    ];
    const expected = (anon: string, n: number) =>
      sends
        .slice(0, n)
        .filter(([a]) => a === anon)
        .map(([, m]) => m)
        .sort((x, y) => y - x)
        .map((m) => `p${m}`);
    const states: Array<{ table: number; tail: number; through: number }> = [];
    for (let n = 1; n <= sends.length; n++) {
      const [anon, minute] = sends[n - 1]!;
      await send(store, page({ anonymousId: anon }, minute));
      states.push(onDisk(path));
      for (const a of ['a-1', 'a-2']) {
        expect((await timelineOf(store, `anonymous_id:${a}`)).map((x) => x.split('@')[0])).toEqual(expected(a, n));
      }
    }
    // Three entries start a generation. It is written over two commits, one key range each (the first
    // shopper's, then the second's), and then leaves the tail.
    expect(states.map((s) => s.tail)).toEqual([1, 2, 3, 4, 2, 3]);
    expect(states.map((s) => s.table)).toEqual([0, 0, 0, 1, 3, 3]);
    expect(states.map((s) => s.through)).toEqual([0, 0, 0, 0, 3, 3]);
    await store.close();
    // A restart plans again from the tables.
    const again = await openSqliteStore({ path, timeline: small });
    await send(again, page({ anonymousId: 'a-1' }, 8));
    expect((await timelineOf(again, 'anonymous_id:a-1')).map((x) => x.split('@')[0])).toEqual(['p8', 'p5', 'p3', 'p2']);
    expect(onDisk(path)).toMatchObject({ table: 3, tail: 4 });
    await again.close();
  });

  it('a store stopped in the middle of a generation leaves nothing visible twice, and the next one finishes', async () => {
    const path = newPath();
    const first = await openSqliteStore({ path, timeline: small });
    for (const [anon, minute] of [
      ['b-1', 1],
      ['b-2', 2],
      ['b-2', 3],
      ['b-1', 4],
    ] as const)
      await send(first, page({ anonymousId: anon }, minute));
    // The first key range of the generation is in the table, through_seq has not moved: a half-written generation.
    expect(onDisk(path)).toEqual({ table: 1, tail: 4, through: 0 });
    await first.close();
    const second = await openSqliteStore({ path, timeline: small });
    const names = async (anon: string) => (await timelineOf(second, `anonymous_id:${anon}`)).map((x) => x.split('@')[0]);
    expect(await names('b-1')).toEqual(['p4', 'p1']);
    // The new store plans its own generation from the tables; the row written before the stop is not doubled.
    // Its first commit finds 5 entries in the tail and starts a generation; the next two write its ranges.
    for (const minute of [5, 6, 7]) await send(second, page({ anonymousId: 'b-1' }, minute));
    expect(onDisk(path)).toEqual({ table: 5, tail: 2, through: 5 });
    expect(await names('b-1')).toEqual(['p7', 'p6', 'p5', 'p4', 'p1']);
    expect(await names('b-2')).toEqual(['p3', 'p2']);
    await second.close();
  });

  it('a merged profile shows the events of both sides without moving them, wherever they are', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, timeline: small });
    const a = await send(store, page({ anonymousId: 'web-1' }, 1), page({ anonymousId: 'web-1' }, 4), page({ anonymousId: 'web-1' }, 6));
    const b = await send(store, page({ userId: 'u-1' }, 2), page({ userId: 'u-1' }, 5));
    expect(a).not.toBe(b);
    const survivor = await send(store, page({ anonymousId: 'web-1', userId: 'u-1' }, 3));
    const names = (ids: string[]) => ids.map((n) => n.split('@')[0]);
    expect(names(await timelineOf(store, survivor))).toEqual(['p6', 'p5', 'p4', 'p3', 'p2', 'p1']);
    // Every event is reported on the live profile, and the absorbed id reads the same timeline.
    for (const ref of [a, b]) expect(await timelineOf(store, ref)).toEqual(await timelineOf(store, survivor));
    expect((await timelineOf(store, survivor)).every((n) => n.endsWith(`@${survivor}`))).toBe(true);
    await store.close();
  });

  it('undoing a merge gives each side its events back, including those still in the tail', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, timeline: { flushAt: 1_000, slices: 2 } });
    const a = await send(store, page({ anonymousId: 'web-2' }, 1), page({ anonymousId: 'web-2' }, 2));
    const b = await send(store, page({ userId: 'u-2' }, 3));
    const survivor = await send(store, page({ anonymousId: 'web-2', userId: 'u-2' }, 4));
    expect(onDisk(path).tail).toBe(4);
    const [merge] = await store.listProfileMerges(survivor);
    await undoMerge(store, merge!.id, deps, '2026-11-01T13:00:00.000Z');
    // The undo settled the tail into the table first.
    expect(onDisk(path)).toMatchObject({ tail: 0, table: 4, through: 4 });
    const sideA = (await timelineOf(store, 'anonymous_id:web-2')).map((n) => n.split('@')[0]);
    const sideB = (await timelineOf(store, 'user_id:u-2')).map((n) => n.split('@')[0]);
    expect([a, b]).toContain(survivor);
    // The event that joined them stays with one side; the others go back to theirs.
    expect([...sideA, ...sideB].sort()).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(sideA).toEqual(expect.arrayContaining(['p2', 'p1']));
    expect(sideB).toContain('p3');
    // New events go to the tail again and are read with the settled ones.
    await send(store, page({ userId: 'u-2' }, 9));
    expect(onDisk(path).tail).toBe(1);
    expect((await timelineOf(store, 'user_id:u-2'))[0]).toMatch(/^p9@/);
    await store.close();
  });

  it('two connections writing in turn keep one consistent timeline', async () => {
    const path = newPath();
    const server = await openSqliteStore({ path, timeline: small });
    const importer = await openSqliteStore({ path, timeline: small });
    let minute = 0;
    const expected: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const store of [server, importer, importer]) {
        minute++;
        await send(store, page({ userId: 'shared' }, minute));
        expected.unshift(`p${minute}`);
      }
      for (const store of [server, importer]) {
        expect((await timelineOf(store, 'user_id:shared')).map((n) => n.split('@')[0])).toEqual(expected);
      }
    }
    const state = onDisk(path);
    expect(state.table).toBeGreaterThanOrEqual(state.through > 0 ? 3 : 0);
    expect(state.through).toBeGreaterThan(0);
    // Every event is in exactly one visible place.
    const db = new Database(path, { readonly: true });
    const visible = db
      .prepare(
        'SELECT count(*) FROM (SELECT seq FROM timeline WHERE seq <= ?1 UNION ALL SELECT seq FROM timeline_tail WHERE seq > ?1)'.replaceAll(
          '?1',
          String(state.through),
        ),
      )
      .pluck()
      .get();
    db.close();
    expect(visible).toBe(15);
    await importer.close();
    await server.close();
  });

  it('reads a page in timeline index order, stopping at the page size (no sort of the whole profile)', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, timeline: small });
    await send(store, page({ userId: 'plan' }, 1));
    const db = new Database(path, { readonly: true });
    try {
      for (const query of [
        { limit: 5 },
        { limit: 5, after: ['2026-11-01T10:00:00.000Z', 9] as const },
        { limit: 5, type: 'page', event: 'x' },
      ]) {
        const sql = timelinePageSql(query, 1);
        const plan = (text: string, ...bind: Array<string | number>) =>
          (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...bind) as Array<{ detail: string }>).map((row) => row.detail).join('; ');
        const range = plan(sql.range, 'p', 0, ...sql.params, 6);
        expect(range).toMatch(/SEARCH t USING PRIMARY KEY \(profile_id=/);
        expect(range).not.toMatch(/TEMP B-TREE/);
        expect(range.indexOf('SEARCH t')).toBeLessThan(range.indexOf('SEARCH e') === -1 ? Infinity : range.indexOf('SEARCH e'));
        expect(plan(sql.tail, 0, 'p', ...sql.params, 6)).toMatch(/SEARCH t USING INTEGER PRIMARY KEY \(rowid>\?\)/);
      }
    } finally {
      db.close();
      await store.close();
    }
  });

  it('pages a merged family with filters and a cursor exactly like a sort of all its events', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, timeline: { flushAt: 7, slices: 2 } });
    // Two people, each with events, merged by an identify; more events land in the tail after the merge.
    for (let minute = 0; minute < 20; minute++)
      await send(store, page(minute % 2 ? { anonymousId: 'fam-a' } : { anonymousId: 'fam-b' }, (minute * 7) % 20));
    await send(
      store,
      { ...page({ anonymousId: 'fam-a' }, 30), userId: 'fam-u' },
      { ...page({ anonymousId: 'fam-b' }, 31), userId: 'fam-u' },
    );
    for (let minute = 40; minute < 46; minute++) await send(store, page({ userId: 'fam-u' }, minute));
    const all = await timelineOf(store, 'user_id:fam-u');
    expect(all).toHaveLength(28);
    const minutes = all.map((n) => Number(n.split('@')[0]!.slice(1)));
    expect(minutes).toEqual([...minutes].sort((a, b) => b - a));
    const profileId = (await store.findProfileIdByIdentifier({ type: 'user_id', value: 'fam-u' }))!;
    const named = await store.listProfileEvents(profileId, { limit: 3, event: 'nothing' });
    expect(named.data).toEqual([]);
    const pages = await store.listProfileEvents(profileId, { limit: 100, type: 'page' });
    expect(pages.data).toHaveLength(28);
    await store.close();
  });
});

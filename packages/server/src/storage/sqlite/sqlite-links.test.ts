import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runLinksConformance } from '../links-conformance.ts';
import { HIT_COUNTS_SQL, LINK_CLICK_COLUMNS, toHitCounts } from '../links-rows.ts';
import type { LinkClickRecord } from '../links-store.ts';
import { SQLITE_LINK_COUNTERS_MIGRATION, SQLITE_LINKS_MIGRATION } from './sqlite-links.ts';
import { SQLITE_LINK_CONVERSIONS_MIGRATION } from './sqlite-link-conversions.ts';
import { openSqliteStore } from './sqlite-store.ts';

runLinksConformance({ name: 'sqlite', create: () => openSqliteStore({ path: ':memory:' }), destroy: (store) => store.close() });
// Entries past a small tail are in `timeline`: conversions read both parts of a timeline (sqlite-link-conversions.ts).
runLinksConformance({
  name: 'sqlite, timeline written out',
  create: () => openSqliteStore({ path: ':memory:', timeline: { flushAt: 2, slices: 1 } }),
  destroy: (store) => store.close(),
});

describe('sqlite link counters migration', () => {
  it('fills the counters from the click rows a file already holds', () => {
    const db = new Database(':memory:');
    db.exec(SQLITE_LINKS_MIGRATION.sql);
    const insert = db.prepare(`INSERT INTO link_clicks (${LINK_CLICK_COLUMNS}) VALUES (?, ?, ?, 'T', ?, NULL, ?, ?, NULL, NULL, NULL, ?)`);
    const rows: Array<[string, string, string, number, string, string | null, string | null]> = [
      ['c1', 'l-1', 'get', 0, 'valid', 'r-1', 'r:r-1'],
      ['c2', 'l-1', 'get', 0, 'valid', 'r-1', 'r:r-1'],
      ['c3', 'l-1', 'get', 0, 'none', null, 'v:a'],
      ['c4', 'l-1', 'get', 1, 'none', null, 'v:b'],
      ['c5', 'l-1', 'head', 0, 'none', null, 'v:a'],
      ['c6', 'l-1', 'get', 0, 'foreign', null, 'v:c'],
      ['c7', 'l-1', 'open', 0, 'valid', 'r-1', 'r:r-1'],
      ['c8', 'l-1', 'open', 1, 'valid', 'r-2', 'r:r-2'],
      ['c9', 'l-2', 'get', 0, 'none', null, 'v:a'],
    ];
    for (const row of rows) insert.run(...row);
    db.exec(SQLITE_LINK_COUNTERS_MIGRATION.sql);
    const counts = (id: string) => toHitCounts(db.prepare(HIT_COUNTS_SQL(() => '?')).get(id, id) as Record<string, unknown>);
    expect(counts('l-1')).toEqual({
      clicks: 4,
      uniqueClicks: 3,
      botClicks: 1,
      headRequests: 1,
      invalidTokenClicks: 1,
      recipients: 0,
      recipientsClicked: 1,
      opens: 1,
      machineOpens: 1,
    });
    expect(counts('l-2').clicks).toBe(1);
    expect(counts('l-3').clicks).toBe(0);
    db.close();
  });
});

describe('sqlite clicked profiles migration', () => {
  it('fills each link and profile with its first person GET from the click rows a file already holds', () => {
    const db = new Database(':memory:');
    db.exec(SQLITE_LINKS_MIGRATION.sql);
    const insert = db.prepare(
      `INSERT INTO link_clicks (${LINK_CLICK_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, 'valid', NULL, ?, NULL, NULL, NULL)`,
    );
    insert.run('c1', 'l-1', 'get', 'T2', 0, 'p-1');
    insert.run('c2', 'l-1', 'get', 'T1', 0, 'p-1');
    insert.run('c3', 'l-1', 'get', 'T0', 1, 'p-2');
    insert.run('c4', 'l-1', 'head', 'T0', 0, 'p-3');
    insert.run('c5', 'l-1', 'open', 'T0', 0, 'p-4');
    insert.run('c6', 'l-2', 'get', 'T3', 0, 'p-1');
    insert.run('c7', 'l-2', 'get', 'T3', 0, null);
    db.exec(SQLITE_LINK_CONVERSIONS_MIGRATION.sql);
    expect(db.prepare('SELECT link_id, profile_id, first_at FROM link_clicked_profiles ORDER BY 1, 2').raw(true).all()).toEqual([
      ['l-1', 'p-1', 'T1'],
      ['l-2', 'p-1', 'T3'],
    ]);
    db.close();
  });
});

describe('sqlite clicks of one transaction', () => {
  const click = (clickId: string, visitor: string): LinkClickRecord => ({
    clickId,
    linkId: 'l-bulk',
    kind: 'get',
    at: '2026-11-01T10:00:00.000Z',
    bot: false,
    token: 'none',
    visitor,
  });

  it('counts 101 clicks of one transaction, a click already stored once, and reads a click recorded earlier in it', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    try {
      await store.transaction(async (tx) => tx.links.recordLinkClick(click('c-000', 'v:0')));
      const found = await store.transaction(async (tx) => {
        // c-000 again (a redelivery beside new clicks), 100 new ones over 10 visitors, one repeated in the batch.
        for (let i = 0; i <= 100; i++) await tx.links.recordLinkClick(click(`c-${String(i).padStart(3, '0')}`, `v:${i % 10}`));
        await tx.links.recordLinkClick(click('c-050', 'v:0'));
        // R14 reads a click recorded earlier in the same transaction.
        return tx.links.findLinkClick('c-100');
      });
      expect(found).toMatchObject({ clickId: 'c-100', bot: false, browsers: [] });
      expect(await store.links!.countHits('l-bulk')).toMatchObject({ clicks: 101, uniqueClicks: 10 });
    } finally {
      await store.close();
    }
  });
});

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, mulberry32 } from '@kin/core';
import type { TrackingEvent } from '@kin/core';
import { normalizerFor } from '../../identity/policy-load.ts';
import { applyEvents } from '../../pipeline/event-apply.ts';
import type { Store } from '../storage.ts';
import { eventSeqRanges } from './sqlite-event-blocks.ts';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
let files = 0;
const newPath = () => join(dir, `kin-${++files}.db`);
const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 1);
const NAMES = ['A', 'B', 'C', 'Rare'];
let messages = 0;

/** `n` events a minute apart from `startMs`; every 7th is late (its time 3 days earlier), names drawn by `random`. */
function events(n: number, startMs: number, random: () => number, names = NAMES): TrackingEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const at = startMs + i * MINUTE - (i % 7 === 6 ? 3 * 1440 * MINUTE : 0);
    const r = random();
    const name = r < 0.02 ? names[3]! : names[Math.floor(r * 3)]!;
    const common = {
      messageId: `m-${++messages}`,
      anonymousId: `a-${i % 40}`,
      timestamp: new Date(at).toISOString(),
      receivedAt: new Date(at).toISOString(),
    };
    return r > 0.9 ? { type: 'page', ...common } : { type: 'track', event: name, ...common };
  });
}

/** Applies events in transactions of `per`. */
async function ingest(store: Store, list: TrackingEvent[], per = 25): Promise<void> {
  for (let i = 0; i < list.length; i += per) await store.transaction((tx) => applyEvents(tx, 'web', list.slice(i, i + per), deps));
}

/** The seqs a scan hands over, sorted. */
async function scanned(store: Store, fromMs: number, toMs: number, names?: string[]): Promise<number[]> {
  const seqs: number[] = [];
  if (!store.analytics) throw new Error('the SQLite store answers analytics');
  await store.analytics.scanEvents(
    { fromMs, toMs, ...(names ? { names } : {}), identity: false, payload: false, deadline: Date.now() + 60_000 },
    (rows) => seqs.push(...rows.map((r) => r.seq)),
  );
  return seqs.sort((a, b) => a - b);
}

/** The same seqs, read from every row of the file. */
function truth(path: string, fromMs: number, toMs: number, names?: string[]): number[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT seq, coalesce(event, type) AS name, timestamp FROM events ORDER BY seq').all() as Array<{
      seq: number;
      name: string;
      timestamp: string;
    }>;
    return rows
      .filter((r) => Date.parse(r.timestamp) >= fromMs && Date.parse(r.timestamp) < toMs && (!names || names.includes(r.name)))
      .map((r) => r.seq);
  } finally {
    db.close();
  }
}

/** Random ranges and name sets: every scan must equal the truth. */
async function expectScansRight(store: Store, path: string, random: () => number, spanMs: number): Promise<void> {
  for (let k = 0; k < 40; k++) {
    const fromMs = START - 4 * 1440 * MINUTE + Math.floor(random() * spanMs);
    const toMs = fromMs + Math.floor(random() * spanMs * 0.3);
    const names = k % 3 === 0 ? undefined : k % 3 === 1 ? ['Rare'] : ['A', 'page'];
    expect(await scanned(store, fromMs, toMs, names)).toEqual(truth(path, fromMs, toMs, names));
  }
}

describe('SQLite event blocks (analytics time ranges without an index)', () => {
  it('scans of any range and names equal a read of every row, with late events and a tail', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, eventBlockSize: 16 });
    const random = mulberry32(7);
    await ingest(store, events(500, START, random));
    const db = new Database(path, { readonly: true });
    const through = db.prepare('SELECT through_seq FROM event_block_flush').pluck().get() as number;
    const blocks = db.prepare('SELECT count(DISTINCT (first_seq - 1) / 16) FROM event_blocks').pluck().get() as number;
    // 500 events: 31 full blocks of 16, the last 4 in the tail.
    expect([through, blocks]).toEqual([496, 31]);
    // A day without late events reads its own blocks and the tail, not the late events' days before it.
    const seqsOf = (ranges: Array<[number, number]>) => ranges.slice(0, -1).reduce((n, [a, b]) => n + b - a + 1, 0);
    const day = (d: number) => new Date(START + d * 1440 * MINUTE).toISOString();
    expect(seqsOf(eventSeqRanges(db, day(0), day(1)))).toBeGreaterThan(480);
    expect(seqsOf(eventSeqRanges(db, day(-3), day(-2)))).toBeLessThan(480);
    expect(seqsOf(eventSeqRanges(db, day(-2), day(-1)))).toBe(0);
    db.close();
    await expectScansRight(store, path, random, 5 * 1440 * MINUTE);
    await store.close();
  });

  it('an event that gets the seq of a deleted one (after the newest were deleted) is still found', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, eventBlockSize: 8 });
    const random = mulberry32(11);
    await ingest(store, events(40, START, random));
    // The newest events go (as a privacy delete of their person may do): SQLite hands out their seqs again.
    const raw = new Database(path);
    raw.exec('DELETE FROM events WHERE seq > 30; DELETE FROM timeline_tail WHERE seq > 30; DELETE FROM timeline WHERE seq > 30;');
    raw.close();
    const later = Date.UTC(2030, 0, 1);
    await ingest(store, events(3, later, random, ['Z', 'Z', 'Z', 'Z']), 3);
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT seq FROM events WHERE timestamp >= ? ORDER BY seq').pluck().all(new Date(later).toISOString())).toEqual([
      31, 32, 33,
    ]);
    check.close();
    expect(await scanned(store, later, later + 10 * MINUTE, ['Z'])).toEqual([31, 32, 33]);
    expect(await scanned(store, later, later + 10 * MINUTE)).toEqual([31, 32, 33]);
    await expectScansRight(store, path, random, 5 * 1440 * MINUTE);
    await store.close();
  });

  it('migration 22 builds the blocks of a database written before it and drops the analytics indexes', async () => {
    const path = newPath();
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of SQLITE_MIGRATIONS.filter((x) => x.version < 22)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, '2026-01-01T00:00:00.000Z');
    }
    const insert = old.prepare(
      'INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, payload) VALUES (?, ?, NULL, ?, ?, ?, ?)',
    );
    const random = mulberry32(5);
    old.transaction(() => {
      for (const e of events(2500, START, random)) insert.run(e.messageId, 'web', e.type, e.event ?? null, e.timestamp, JSON.stringify(e));
    })();
    old.close();

    const store = await openSqliteStore({ path });
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT through_seq FROM event_block_flush').pluck().get()).toBe(2048);
    expect(db.prepare('SELECT DISTINCT (first_seq - 1) / 1024 FROM event_blocks ORDER BY 1').pluck().all()).toEqual([0, 1]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").pluck().all()).toEqual([]);
    db.close();
    await expectScansRight(store, path, random, 5 * 1440 * MINUTE);
    // Events written after the migration continue the blocks from where it stopped.
    await ingest(store, events(1200, START + 2500 * MINUTE, random), 100);
    const after = new Database(path, { readonly: true });
    expect(after.prepare('SELECT through_seq FROM event_block_flush').pluck().get()).toBe(3072);
    after.close();
    await expectScansRight(store, path, random, 5 * 1440 * MINUTE);
    await store.close();
  });
});

/**
 * kill -9 in the middle of ingestion: everything acknowledged survives, nothing is half-applied, and a
 * client that re-sends everything gets each event stored exactly once.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveKin } from '../testing/kin-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const WRITE_KEY = 'crash-test-write-key';
// A small KIN_DEDUP_MEMORY and KIN_TIMELINE_TAIL: claims and timeline entries are written out in bulk several
// times in this run, so the kill can land mid-way.
const env = {
  KIN_ADMIN_TOKEN: 'crash-test-admin-token-000',
  KIN_WRITE_KEYS: `web:${WRITE_KEY}`,
  KIN_DEDUP_MEMORY: '3000',
  KIN_TIMELINE_TAIL: '1500',
};
const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');

/** 400 batches of 50 events, with identities that overlap across batches (so merges happen). */
function batches(): Array<Array<Record<string, unknown>>> {
  const out: Array<Array<Record<string, unknown>>> = [];
  for (let b = 0; b < 400; b++) {
    const events: Array<Record<string, unknown>> = [];
    for (let e = 0; e < 50; e++) {
      const n = b * 50 + e;
      const person = n % 700;
      // Every person browses on three anonymous ids and logs in on rounds 1, 3, 6, 8, …, each time on another
      // of them: the second login already merges two profiles that both have events (before the kill, too).
      const round = Math.floor(n / 700);
      events.push(
        round % 5 === 1 || round % 5 === 3
          ? { type: 'identify', messageId: `crash-${n}`, anonymousId: `anon-${person}-${n % 3}`, userId: `user-${person}`, traits: { n } }
          : { type: 'track', messageId: `crash-${n}`, anonymousId: `anon-${person}-${n % 3}`, event: 'Viewed' },
      );
    }
    out.push(events);
  }
  return out;
}

async function send(url: string, batch: Array<Record<string, unknown>>): Promise<boolean> {
  try {
    const res = await fetch(url + '/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ batch }),
    });
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Nothing half-applied: every event's profile exists and is live or merged into a live one; every identifier
 * points at a live profile; the timeline holds exactly one entry per event with a profile, in the table up to
 * its through_seq and in the tail after it (see sqlite-timeline.ts).
 */
function expectWhole(check: Database.Database): void {
  const orphanEvents = check
    .prepare(
      `SELECT COUNT(*) FROM events e LEFT JOIN profiles p ON p.id = e.profile_id LEFT JOIN profiles live ON live.id = coalesce(p.merged_into, p.id)
       WHERE e.profile_id IS NOT NULL AND (live.id IS NULL OR live.merged_into IS NOT NULL)`,
    )
    .pluck()
    .get();
  const orphanIds = check
    .prepare(
      'SELECT COUNT(*) FROM identifiers i LEFT JOIN profiles p ON p.id = i.profile_id WHERE p.id IS NULL OR p.merged_into IS NOT NULL',
    )
    .pluck()
    .get();
  expect(orphanEvents).toBe(0);
  expect(orphanIds).toBe(0);
  const through = check.prepare('SELECT through_seq FROM timeline_flush').pluck().get() as number;
  const visible = check
    .prepare(
      'SELECT profile_id, timestamp, seq FROM timeline WHERE seq <= ?1 UNION ALL SELECT profile_id, timestamp, seq FROM timeline_tail WHERE seq > ?1 ORDER BY seq'.replaceAll(
        '?1',
        String(through),
      ),
    )
    .all();
  const expected = check.prepare('SELECT profile_id, timestamp, seq FROM events WHERE profile_id IS NOT NULL ORDER BY seq').all();
  expect(expected.length).toBeGreaterThan(0);
  expect(visible).toEqual(expected);
}

describe('crash safety', () => {
  it('loses nothing acknowledged and applies nothing twice across kill -9', async () => {
    const db = join(dir, 'kin.db');
    const all = batches();
    const kin = await serveKin(['--db', db], env);
    const acknowledged: string[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < all.length) {
        const batch = all[next++]!;
        if (await send(kin.url, batch)) acknowledged.push(...batch.map((e) => e.messageId as string));
        if (!killed && acknowledged.length >= 4000) {
          killed = true;
          kin.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await kin.exited;
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(4000);
    expect(acknowledged.length).toBeLessThan(20_000);

    const check = new Database(db, { readonly: true });
    const stored = new Set(check.prepare('SELECT message_id FROM events').pluck().all() as string[]);
    const missing = acknowledged.filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    // Nothing half-applied: every event's profile exists and is live; every identifier points at a live profile;
    // every messageId claim written out has its event, and every event up to through_seq has its claim written
    // out (later ones are claimed through the events table; see sqlite-message-ids.ts).
    expectWhole(check);
    const pair = (row: { source_id: string; message_id: string }) => `${row.source_id}\u0000${row.message_id}`;
    const claims = new Set(
      (check.prepare('SELECT source_id, message_id FROM message_ids').all() as Array<{ source_id: string; message_id: string }>).map(pair),
    );
    const through = check.prepare('SELECT through_seq FROM message_id_flush').pluck().get() as number;
    const events = check.prepare('SELECT seq, source_id, message_id FROM events').all() as Array<{
      seq: number;
      source_id: string;
      message_id: string;
    }>;
    const eventPairs = new Set(events.map(pair));
    expect(claims.size).toBeGreaterThan(0);
    expect([...claims].filter((c) => !eventPairs.has(c))).toEqual([]);
    expect(events.filter((e) => e.seq <= through && !claims.has(pair(e))).length).toBe(0);
    check.close();

    const again = await serveKin(['--db', db], env);
    for (let i = 0; i < all.length; i += 8) {
      const results = await Promise.all(all.slice(i, i + 8).map((batch) => send(again.url, batch)));
      expect(results.every(Boolean)).toBe(true);
    }
    again.child.kill('SIGTERM');
    await again.exited;
    const final = new Database(db, { readonly: true });
    expectWhole(final);
    expect(final.prepare('SELECT COUNT(*) FROM merges').pluck().get()).toBeGreaterThan(0);
    expect(final.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(20_000);
    expect(final.prepare('SELECT COUNT(DISTINCT message_id) FROM events').pluck().get()).toBe(20_000);
    const userIds = new Set(all.flat().flatMap((e) => (e.userId ? [e.userId] : [])));
    expect(final.prepare("SELECT COUNT(*) FROM identifiers WHERE type = 'user_id'").pluck().get()).toBe(userIds.size);
    final.close();
  });
});

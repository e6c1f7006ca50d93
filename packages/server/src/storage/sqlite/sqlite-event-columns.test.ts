import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@kin/core';
import { ingestJourneys } from '../../analytics/analytics-conformance.ts';
import { generateJourneys } from '../../demo/journey-data.ts';
import { splitProfile, undoMerge } from '../../identity/identity-undo.ts';
import { normalizerFor } from '../../identity/policy-load.ts';
import { unpack } from './sqlite-event-columns.ts';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-columns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const deps = { policy: DEFAULT_POLICY, normalize: normalizerFor(DEFAULT_POLICY) };
let files = 0;
const newPath = () => join(dir, `kin-${++files}.db`);
const journeys = generateJourneys({ seed: 42, shoppers: 150, start: new Date('2026-09-01T00:00:00.000Z'), days: 10 });

type Event = { seq: number; at: number; name: string; profile: string | null };

/** Every packed block next to a read of its rows: they must be equal. Answers how many blocks are packed and stale. */
function expectPackedEqualRows(path: string): { packed: number; stale: number; profiles: Map<number, string | null> } {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare('SELECT seq, profile_id, coalesce(event, type), timestamp FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq')
      .raw(true);
    const blocks = db.prepare('SELECT first_seq, last_seq, names, data FROM event_columns ORDER BY first_seq').raw(true).all() as Array<
      [number, number, string | null, Buffer | null]
    >;
    const byNumber = new Map(db.prepare('SELECT n, id FROM event_profiles').raw(true).all() as Array<[number, string]>);
    const profiles = new Map<number, string | null>();
    let packed = 0;
    for (const [first, last, names, data] of blocks) {
      if (data === null) continue;
      packed++;
      const block = unpack(first, data, names as string);
      const got: Event[] = Array.from({ length: block.length }, (_, i) => ({
        seq: block.seq[i]!,
        at: block.at[i]!,
        name: block.names[block.name[i]!]!,
        profile: block.profile[i]! < 0 ? null : byNumber.get(block.profile[i]!)!,
      }));
      const want: Event[] = (rows.all(first, last) as Array<[number, string | null, string, string]>).map(([seq, profile, name, t]) => ({
        seq,
        at: Date.parse(t),
        name,
        profile,
      }));
      expect(got).toEqual(want);
      for (const e of got) profiles.set(e.seq, e.profile);
    }
    const stale = db.prepare('SELECT count(*) FROM event_columns WHERE data IS NULL').pluck().get() as number;
    return { packed, stale, profiles };
  } finally {
    db.close();
  }
}

/** A merge of the ledger that can be undone (it kept its sides). */
async function undoableMerge(store: Awaited<ReturnType<typeof openSqliteStore>>): Promise<{ id: string; survivorId: string }> {
  for (const { event } of journeys.events.filter((e) => typeof e.event['userId'] === 'string')) {
    const profile = await store.findProfileIdByIdentifier({ type: 'user_id', value: String(event['userId']) });
    const merge = ((await store.explainProfile(profile as string))?.merges ?? []).find(
      (m) => m.sides && m.undoneBy === undefined && m.rule !== 'undo',
    );
    if (merge) return merge;
  }
  throw new Error('the journeys hold no undoable merge');
}

describe('SQLite event columns (what funnels read, packed per block, kept by triggers)', () => {
  it('packed blocks equal their rows after an undo, a split, a person delete and any update of an event', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, eventBlockSize: 5 });
    await ingestJourneys(store, journeys);
    const before = expectPackedEqualRows(path);
    expect(before.packed).toBeGreaterThan(20);
    expect(before.stale).toBe(0);

    // An undo detaches both sides and replays their events (every row of them is updated twice).
    const merge = await undoableMerge(store);
    expect((await undoMerge(store, merge.id, deps, journeys.to)).ok).toBe(true);
    expectPackedEqualRows(path);

    // A split detaches the profile and replays its events.
    const survivor = await store.findProfile(merge.survivorId);
    const chosen = survivor?.externalIds[0];
    expect(survivor?.externalIds.length).toBeGreaterThanOrEqual(2);
    expect((await splitProfile(store, merge.survivorId, [{ type: chosen!.type, value: chosen!.value }], deps, journeys.to)).ok).toBe(true);
    const split = expectPackedEqualRows(path);

    // A person's delete removes their events from packed blocks.
    expect(await store.privacy.deletePerson(merge.survivorId, [], journeys.to)).toBeDefined();
    const deleted = expectPackedEqualRows(path);
    expect([...split.profiles.keys()].filter((seq) => !deleted.profiles.has(seq)).length).toBeGreaterThan(0);
    await store.close();

    // Any update of an event's profile, time or name, by any connection, marks its block stale at once.
    const raw = new Database(path);
    raw.prepare("UPDATE events SET profile_id = 'someone-else' WHERE seq = 7").run();
    raw.prepare("UPDATE events SET event = 'Renamed' WHERE seq = 12").run();
    expect(raw.prepare('SELECT first_seq FROM event_columns WHERE data IS NULL ORDER BY 1').pluck().all()).toEqual([6, 11]);
    raw.close();
    expectPackedEqualRows(path);

    // Opening the store packs every stale block again.
    const reopened = await openSqliteStore({ path, eventBlockSize: 5 });
    const after = expectPackedEqualRows(path);
    expect(after.stale).toBe(0);
    expect(after.profiles.get(7)).toBe('someone-else');
    await reopened.close();
  }, 60_000);

  it('an event that gets the seq of a deleted one marks its block stale, and the block is packed again', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, eventBlockSize: 8 });
    await ingestJourneys(store, { ...journeys, events: journeys.events.slice(0, 60) });
    // The newest events go behind the store's back (as a delete of their person may do): their seqs are handed out again.
    const raw = new Database(path);
    raw.exec('DELETE FROM events WHERE seq > 50; DELETE FROM timeline_tail WHERE seq > 50; DELETE FROM timeline WHERE seq > 50;');
    const staleAfterDelete = raw.prepare('SELECT count(*) FROM event_columns WHERE data IS NULL').pluck().get() as number;
    raw.close();
    expect(staleAfterDelete).toBe(1);
    await ingestJourneys(store, { ...journeys, events: journeys.events.slice(200, 215) });
    const after = expectPackedEqualRows(path);
    expect(after.packed).toBeGreaterThan(6);
    await store.close();
  });

  it('migration 42 marks the blocks of a database written before it stale, and the store packs them when it opens', async () => {
    const path = newPath();
    const written = await openSqliteStore({ path });
    await ingestJourneys(written, generateJourneys({ seed: 43, shoppers: 300, start: new Date('2026-09-01T00:00:00.000Z'), days: 10 }));
    await written.close();
    // Back to the schema before migration 42, as a database written by an older Kin.
    const old = new Database(path);
    old.exec(
      'DROP TRIGGER event_columns_update; DROP TRIGGER event_columns_delete; DROP TABLE event_columns; DROP TABLE event_profiles; DELETE FROM schema_migrations WHERE version = 42',
    );
    const through = old.prepare('SELECT through_seq FROM event_block_flush').pluck().get() as number;
    old.close();
    expect(through).toBeGreaterThanOrEqual(1024);
    expect(SQLITE_MIGRATIONS.some((m) => m.version === 42)).toBe(true);

    const store = await openSqliteStore({ path });
    const after = expectPackedEqualRows(path);
    expect([after.packed, after.stale]).toEqual([through / 1024, 0]);
    await store.close();
  });
});

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite migrations', () => {
  it('upgrades a version-1 database holding data, keeping and backfilling it', async () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    old.exec(SQLITE_MIGRATIONS[0]!.sql);
    old.prepare("INSERT INTO schema_migrations VALUES (1, 'initial', '2026-01-01T00:00:00.000Z')").run();
    old
      .prepare("INSERT INTO profiles (id, created_at, updated_at) VALUES ('p1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')")
      .run();
    old
      .prepare(
        "INSERT INTO identifiers VALUES ('email', 'old@example.com', 'p1', 's1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
      )
      .run();
    old.prepare('INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, payload) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      'm1',
      's1',
      'p1',
      'track',
      'Old',
      '2026-01-01T00:00:00.000Z',
      JSON.stringify({
        type: 'track',
        messageId: 'm1',
        event: 'Old',
        timestamp: '2026-01-01T00:00:00.000Z',
        receivedAt: '2026-01-01T00:00:01.000Z',
      }),
    );
    old.prepare("INSERT INTO sources VALUES ('s1', 'web', 'h', '2026-01-01T00:00:00.000Z', NULL)").run();
    const warn = old.prepare(
      "INSERT INTO warnings (kind, code, field, message, source_id, message_id, created_at) VALUES ('rejected_event', 'invalid_event', ?, 'bad', 's1', ?, ?)",
    );
    warn.run('type', 'w1', '2026-01-01T00:00:02.000Z');
    warn.run('type', 'w2', '2026-01-01T00:00:03.000Z');
    warn.run('event', 'w3', '2026-01-01T00:00:04.000Z');
    old.close();

    const store = await openSqliteStore({ path });
    expect(await store.findProfileIdByIdentifier({ type: 'email', value: 'old@example.com' })).toBe('p1');
    expect((await store.searchProfiles({ value: 'old@example.com', limit: 5 })).map((m) => m.id)).toEqual(['p1']);
    expect(await store.sourceActivity()).toEqual([{ sourceId: 's1', events: 1, lastEventAt: '2026-01-01T00:00:01.000Z' }]);
    expect(await store.eventVolume({ since: '2026-01-01T00:00:00.000Z', bucketMinutes: 1 })).toEqual([
      { sourceId: 's1', bucket: '2026-01-01T00:00:00.000Z', events: 1 },
    ]);
    // The timeline (migration 9) holds the old event.
    expect((await store.listProfileEvents('p1', { limit: 10 })).data.map((e) => [e.event, e.profileId])).toEqual([['Old', 'p1']]);
    // Migration 11: counters start from the rows; repeated warnings fold into one record (first example kept).
    expect(await store.stats()).toEqual({ events: 1, profiles: 1, externalIds: 1, merges: 0, warnings: 3 });
    const warnings = (await store.listWarnings({ limit: 10 })).data;
    expect(warnings.map((w) => [w.field, w.count, w.messageId, w.createdAt, w.lastSeenAt])).toEqual([
      ['event', 1, 'w3', '2026-01-01T00:00:04.000Z', '2026-01-01T00:00:04.000Z'],
      ['type', 2, 'w1', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:03.000Z'],
    ]);
    await store.addWarnings([
      {
        kind: 'rejected_event',
        code: 'invalid_event',
        field: 'type',
        message: 'bad',
        sourceId: 's1',
        createdAt: '2026-01-02T00:00:00.000Z',
      },
    ]);
    expect((await store.listWarnings({ limit: 10 })).data.find((w) => w.field === 'type')?.count).toBe(3);
    await store.migrate();
    await store.close();
    const check = new Database(path, { readonly: true });
    expect(
      (check.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((r) => r.version),
    ).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    check.close();
  });

  it('migration 53 drops the index of unhashed match profiles (no query reads it), keeping the backfill one', async () => {
    const path = join(dir, 'fresh.db');
    const store = await openSqliteStore({ path });
    await store.close();
    const check = new Database(path, { readonly: true });
    const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'match_profiles'").pluck().all();
    check.close();
    expect(indexes).not.toContain('match_profiles_unhashed');
    expect(indexes).toContain('match_profiles_unnormalised');
  });
});

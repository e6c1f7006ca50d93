import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteMatchCandidates } from './sqlite-match-candidates.ts';

describe('SQLite match candidates', () => {
  let dir: string;
  let writer: Database.Database;
  let reader: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kin-match-candidates-'));
    writer = new Database(join(dir, 'kin.db'));
    writer.pragma('journal_mode = WAL');
    writer.exec(`
      CREATE TABLE match_keys (key TEXT NOT NULL, profile_id TEXT NOT NULL, PRIMARY KEY (key, profile_id)) WITHOUT ROWID;
      CREATE TABLE match_profiles (profile_id TEXT PRIMARY KEY, record_hash TEXT, normalised TEXT) WITHOUT ROWID;
      INSERT INTO match_keys VALUES ('k1', 'p1'), ('k1', 'p2'), ('k2', 'p2');
      INSERT INTO match_profiles VALUES ('p1', 'h1', '{"a":1}'), ('p2', 'h2', '{"a":2}');
    `);
    reader = new Database(join(dir, 'kin.db'), { readonly: true });
  });
  afterEach(() => {
    reader.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the keys and the profiles in one snapshot: a writer committing between them changes nothing', () => {
    // The reader's connection, except that the first profile read lets a writer first remove p2 (a merge).
    let removed = false;
    const hooked = new Proxy(reader, {
      get(target, prop) {
        if (prop !== 'prepare') {
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return (sql: string) => {
          const statement = target.prepare(sql);
          if (!sql.includes('FROM match_profiles')) return statement;
          const get = statement.get.bind(statement);
          return Object.assign(statement, {
            get: (...params: unknown[]) => {
              if (!removed) {
                removed = true;
                writer.exec(`DELETE FROM match_keys WHERE profile_id = 'p2'; DELETE FROM match_profiles WHERE profile_id = 'p2';`);
              }
              return get(...params);
            },
          });
        };
      },
    });
    expect(sqliteMatchCandidates(hooked, ['k1', 'k2'], 10)).toEqual([
      { profileId: 'p2', recordHash: 'h2', normalised: '{"a":2}' },
      { profileId: 'p1', recordHash: 'h1', normalised: '{"a":1}' },
    ]);
    expect(removed).toBe(true);
    expect(sqliteMatchCandidates(reader, ['k1', 'k2'], 10)).toEqual([{ profileId: 'p1', recordHash: 'h1', normalised: '{"a":1}' }]);
  });
});

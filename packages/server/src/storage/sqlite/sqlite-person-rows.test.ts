import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSON_CLICKED_LINKS, PERSON_ROW_DELETES } from '../person-rows.ts';
import { openSqliteStore } from './sqlite-store.ts';

/**
 * A privacy delete or export reads one person's rows of tables that grow with every click and message: each
 * statement must search an index, never scan the table (a scan of millions of clicks per deleted person).
 */
describe("sqlite: a person's rows are found by index", () => {
  let dir: string;
  let db: Database.Database;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kin-person-rows-'));
    const path = join(dir, 'kin.db');
    await (await openSqliteStore({ path })).close();
    db = new Database(path, { readonly: true });
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = (sql: string): string =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql.replaceAll('IDS', '?, ?')}`).all('p-1', 'p-2') as Array<{ detail: string }>)
      .map((row) => row.detail)
      .join('; ');

  it.each([...PERSON_ROW_DELETES, PERSON_CLICKED_LINKS])('%s', (sql) => {
    expect(plan(sql)).not.toMatch(/\bSCAN\b/);
  });
});

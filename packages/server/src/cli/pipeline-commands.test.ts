/** `kin migrate`, `kin collect` and `kin worker` over the real bin (the scale-out e2e test runs them at length). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../storage/postgres/postgres-migrations.ts';
import { createTestDatabase, servicesRequired, testPostgresStatus } from '../storage/postgres/postgres-test-db.ts';
import { runKin } from '../testing/kin-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const clean = { KIN_ADMIN_TOKEN: '', KIN_WRITE_KEYS: '', KIN_DB: '', PORT: '', KIN_PIPELINE: '' };
const pgStatus = await testPostgresStatus();

describe('kin migrate, collect, worker', () => {
  it('migrates a SQLite file, twice', async () => {
    const db = join(dir, 'kin.db');
    for (let i = 0; i < 2; i++) {
      const result = await runKin(['migrate', '--db', db], clean);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('schema is up to date (sqlite)');
    }
  });

  it('collect and worker refuse to start without --pipeline (exit 2)', async () => {
    for (const command of ['collect', 'worker']) {
      const result = await runKin([command, '--db', join(dir, 'x.db')], clean);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--pipeline');
    }
  });

  it.runIf(pgStatus.ok || servicesRequired())('migrates PostgreSQL, twice (each migration recorded once)', async () => {
    const db = await createTestDatabase();
    try {
      for (let i = 0; i < 2; i++) {
        const result = await runKin(['migrate', '--db', db.url], clean);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain('schema is up to date (postgres)');
      }
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const versions = (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map(
        (r) => r.version,
      );
      await client.end();
      expect(versions).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    } finally {
      await db.drop();
    }
  });
});

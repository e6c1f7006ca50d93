import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { runTombstoneKeysConformance } from '../tombstone-keys-conformance.ts';
import { openPostgresStore } from './postgres-store.ts';
import { createTestDatabase } from './postgres-test-db.ts';
import { postgresAvailable } from './postgres-test-store.ts';

if (await postgresAvailable('postgres keyed tombstones')) {
  runTombstoneKeysConformance({
    name: 'postgres',
    fresh: async () => {
      const db = await createTestDatabase();
      const sql = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          return await fn(client);
        } finally {
          await client.end();
        }
      };
      return {
        open: (secret) => openPostgresStore({ url: db.url, poolSize: 2, privacySecret: secret }),
        findAtRest: async (text) =>
          execFileSync('pg_dump', [db.url], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).includes(text) ? ['pg_dump'] : [],
        // `*`: an older database has no `keyed` column (plain).
        tombstoneRows: () =>
          sql(async (c) =>
            (await c.query<{ type: string; value: string; keyed?: boolean }>('SELECT * FROM tombstones ORDER BY type, value')).rows.map(
              (r) => ({ type: r.type, value: r.value, keyed: r.keyed === true }),
            ),
          ),
        makeOld: (rows) =>
          sql(async (c) => {
            await c.query(
              'DELETE FROM tombstones; ALTER TABLE tombstones DROP COLUMN keyed; DELETE FROM schema_migrations WHERE version = 19;',
            );
            for (const row of rows) {
              await c.query('INSERT INTO tombstones (type, value, profile_id, created_at) VALUES ($1, $2, $3, $4)', [
                row.type,
                row.value,
                row.profileId,
                '2026-11-01T10:00:00.000Z',
              ]);
            }
          }),
        drop: () => db.drop(),
      };
    },
  });
}

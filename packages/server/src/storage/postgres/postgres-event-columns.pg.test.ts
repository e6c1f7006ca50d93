// The packed per-day event columns of PostgreSQL (postgres-event-columns.ts): a scan of columns answers what the
// rows say after inserts, updates of profile/time/name, deletes, a writer that commits after a repack, and a
// repack another process holds.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../storage.ts';
import type { ColumnScan } from '../analytics-store.ts';
import { PACK_DAY_MS, PACK_PART, REPACK_LOCK_KEY } from './postgres-event-columns.ts';
import { postgresAvailable, postgresTestStores } from './postgres-test-store.ts';

const DAY0 = Date.parse('2026-06-01T00:00:00.000Z');
const RANGE = { fromMs: DAY0, toMs: DAY0 + 4 * PACK_DAY_MS, deadline: Infinity };

if (await postgresAvailable('postgres event columns')) {
  const target = postgresTestStores('postgres', 4);
  describe('postgres: packed event columns answer what the rows say', () => {
    let store: Store;
    let sql: pg.Client;
    let next = 0;
    beforeAll(async () => {
      store = await target.create();
      sql = new pg.Client({ connectionString: target.urlOf(store) });
      await sql.connect();
    });
    afterAll(async () => {
      await sql.end();
      await target.destroy(store);
    });

    const insert = async (client: pg.Client, at: number, name: string, profile: string | null) => {
      const id = `m${next++}`;
      const time = new Date(at).toISOString();
      await client.query(
        `INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload)
         VALUES ($1, 'src', $2, 'track', $3, $4, $4, $5)`,
        [id, profile, name, time, JSON.stringify({ type: 'track', event: name, messageId: id, timestamp: time })],
      );
    };
    // Each event as "seq at name profile", sorted: from the columns scan, and from the rows themselves.
    const scanned = async (scan: Omit<ColumnScan, 'deadline'> = RANGE) => {
      const out: string[] = [];
      const total = await store.analytics.scanColumns({ ...scan, deadline: Infinity }, (b) => {
        for (let i = 0; i < b.length; i++)
          out.push(
            `${b.seq[i]} ${b.at[i]} ${b.names[b.name[i] as number]} ${(b.profile[i] as number) < 0 ? null : b.profiles[b.profile[i] as number]}`,
          );
      });
      expect(total).toBe(out.length);
      return out.sort();
    };
    const truth = async (scan: Omit<ColumnScan, 'deadline'> = RANGE) => {
      const { rows } = await sql.query<{ e: string }>(
        `SELECT seq::float8 || ' ' || ((extract(epoch from timestamp) * 1000)::float8)::text || ' ' || coalesce(event, type) || ' ' || coalesce(profile_id, 'null') AS e
         FROM events WHERE timestamp >= $1 AND timestamp < $2 AND ($3::text[] IS NULL OR coalesce(event, type) = ANY($3::text[]))`,
        [new Date(scan.fromMs), new Date(scan.toMs), scan.names ?? null],
      );
      return rows.map((r) => r.e).sort();
    };
    const count = async (table: string) => Number((await sql.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

    it('a scan packs the days it reads and then answers from the packs what the rows say', async () => {
      for (let i = 0; i < 60; i++)
        await insert(sql, DAY0 + i * 5_000_000 + 0.25, ['a', 'b', 'c'][i % 3] as string, i % 7 === 0 ? null : `p${i % 11}`);
      expect(await count('event_column_marks')).toBeGreaterThan(0);
      expect(await scanned()).toEqual(await truth());
      expect(await count('event_column_marks')).toBe(0);
      expect(await count('event_columns')).toBe(4);
      // Packed now: the same answer, and a part of a day with some names only.
      expect(await scanned()).toEqual(await truth());
      const part = { fromMs: DAY0 + 40_000_000, toMs: DAY0 + 2 * PACK_DAY_MS + 3_000_000, names: ['c', 'a'] };
      expect(await scanned(part)).toEqual(await truth(part));
    });

    it('updates of profile, time and name, deletes and inserts mark their days; the next scan follows them', async () => {
      await scanned();
      await sql.query(`UPDATE events SET profile_id = 'p-replayed' WHERE profile_id = 'p3'`);
      await sql.query(`UPDATE events SET timestamp = timestamp + interval '1 day' WHERE event = 'c' AND profile_id = 'p5'`);
      await sql.query(`UPDATE events SET event = 'renamed' WHERE profile_id = 'p7'`);
      const days = (
        await sql.query<{ d: number }>(
          `SELECT DISTINCT floor(extract(epoch from timestamp) / 86400)::integer AS d FROM events WHERE profile_id = 'p2'`,
        )
      ).rows.map((r) => r.d);
      const packsOf = async () =>
        Number((await sql.query('SELECT count(*) AS n FROM event_columns WHERE day = ANY($1)', [days])).rows[0].n);
      expect(await packsOf()).toBeGreaterThan(0);
      await sql.query(`DELETE FROM events WHERE profile_id = 'p2'`);
      // A person's deleted events leave no pack behind that holds them.
      expect(await packsOf()).toBe(0);
      await insert(sql, DAY0 + 3 * PACK_DAY_MS + 7, 'a', 'p-new');
      expect(await count('event_column_marks')).toBeGreaterThan(0);
      expect(await scanned()).toEqual(await truth());
      expect(await scanned({ ...RANGE, names: ['renamed'] })).toHaveLength((await truth({ ...RANGE, names: ['renamed'] })).length);
    });

    it('a writer that commits after a repack took its snapshot leaves the day stale, and the next scan reads its event', async () => {
      await scanned();
      const writer = new pg.Client({ connectionString: target.urlOf(store) });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        await insert(writer, DAY0 + 1_000, 'late', 'p-late');
        await insert(sql, DAY0 + 2_000, 'a', 'p1');
        const during = await scanned({ ...RANGE, names: ['late'] });
        expect(during).toEqual([]);
        await writer.query('COMMIT');
      } finally {
        await writer.end();
      }
      expect(await scanned({ ...RANGE, names: ['late'] })).toHaveLength(1);
      expect(await scanned()).toEqual(await truth());
    });

    it('a day another repacker holds is read from its rows', async () => {
      await insert(sql, DAY0 + PACK_DAY_MS + 9, 'b', 'p-held');
      const day = Math.floor((DAY0 + PACK_DAY_MS) / PACK_DAY_MS);
      const holder = new pg.Client({ connectionString: target.urlOf(store) });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1, $2)', [REPACK_LOCK_KEY, day]);
        expect(await scanned()).toEqual(await truth());
        expect(Number((await sql.query('SELECT count(*) AS n FROM event_column_marks WHERE day = $1', [day])).rows[0].n)).toBeGreaterThan(
          0,
        );
      } finally {
        await holder.end();
      }
      expect(await scanned()).toEqual(await truth());
      expect(await count('event_column_marks')).toBe(0);
    });

    it('a day of more events than one part holds is packed in parts and read whole', async () => {
      await sql.query(
        `INSERT INTO events (message_id, source_id, profile_id, type, event, timestamp, received_at, payload)
         SELECT 'g' || i, 'src', CASE WHEN i % 9 = 0 THEN NULL ELSE 'pg' || (i % 50) END, 'track', 'n' || (i % 5),
           $1::timestamptz + i * interval '20 ms', $1::timestamptz, '{}'
         FROM generate_series(1, ${2 * PACK_PART + 500}) i`,
        [new Date(DAY0 + 2 * PACK_DAY_MS + 1_000).toISOString()],
      );
      expect(await scanned()).toEqual(await truth());
      expect(Number((await sql.query('SELECT count(*) AS n FROM event_columns WHERE day = $1', [DAY0 / PACK_DAY_MS + 2])).rows[0].n)).toBe(
        3,
      );
      const some = { ...RANGE, names: ['n1', 'n4'] };
      expect(await scanned(some)).toEqual(await truth(some));
    });

    it('a truncate of the events forgets the packs', async () => {
      await scanned();
      await sql.query('TRUNCATE events');
      expect(await scanned()).toEqual([]);
      expect(await count('event_columns')).toBe(0);
    });
  });
}

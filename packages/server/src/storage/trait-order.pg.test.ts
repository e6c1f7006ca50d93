import fc from 'fast-check';
import type pg from 'pg';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraitOrderFields } from '@kin/core';
import { compareTraitOrder, jsonOrderText } from '@kin/core';
import { postgresAvailable } from './postgres/postgres-test-store.ts';
import { migratedPostgres, runMergeFunction, sqliteWrites } from '../testing/order-test-databases.ts';
import { TRAIT_WINS } from './postgres/postgres-trait-order.ts';
import type { WriteStatements } from './sqlite/sqlite-write-statements.ts';

// One rule, three implementations: core's comparator, SQLite's generated condition (the store's own
// prepared statements) and PostgreSQL's (the upsert condition and the merge function of the migrations).
// Random entries with few ranks, times and sources force ties down to the value, and objects with the same
// members in another key order force object-valued ties.

const TIMES = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z', '2026-06-30T12:00:00.000Z'];
// U+FFFD sorts before U+1F600 in UTF-8 and after it in UTF-16: code-point order must win.
const SOURCES = ['src_a', 'src_b', 'src_é', 'src_\uFFFD', 'src_😀'];
const MEMBERS: Array<[string, unknown]> = [
  ['a', 1],
  ['bb', { x: [1, 'é'] }],
  ['é', true],
  ['😀', null],
  ['aa', 1.5e-7],
  ['b', 'x'],
];

const memberObject = fc.shuffledSubarray(MEMBERS, { minLength: 1 }).map((members) => Object.fromEntries(members) as unknown);
const anyJson = fc.jsonValue({ maxDepth: 2, stringUnit: 'grapheme' }).filter((value) => !JSON.stringify(value).includes('\\u0000'));
const entry: fc.Arbitrary<TraitOrderFields & { trust: number }> = fc.record({
  trust: fc.integer({ min: 0, max: 2 }),
  timestamp: fc.constantFrom(...TIMES),
  sourceId: fc.constantFrom(...SOURCES),
  value: fc.oneof(fc.constant(null), memberObject, anyJson),
});

/** The winner as comparable text: rank, time, source and the canonical value. */
function key(fields: TraitOrderFields & { trust: number }): string {
  return JSON.stringify([fields.trust, fields.timestamp, fields.sourceId, jsonOrderText(fields.value)]);
}

function tsWinner(entries: Array<TraitOrderFields & { trust: number }>): string {
  return key(entries.reduce((best, next) => (compareTraitOrder(next, best) > 0 ? next : best)));
}

describe('trait order: core and SQLite', () => {
  let db: Database.Database;
  let s: WriteStatements;
  let profile = 0;
  beforeAll(() => {
    ({ db, s } = sqliteWrites());
  });
  afterAll(() => db.close());

  const write = (profileId: string, e: TraitOrderFields & { trust: number }) =>
    s.setTrait.run(profileId, 'k', e.value === null ? null : JSON.stringify(e.value), e.timestamp, e.sourceId, e.trust);
  const read = (profileId: string): string => {
    const row = db.prepare('SELECT trust, ts, source_id, value FROM traits WHERE profile_id = ? AND key = ?').get(profileId, 'k') as {
      trust: number;
      ts: string;
      source_id: string;
      value: string | null;
    };
    return key({ trust: row.trust, timestamp: row.ts, sourceId: row.source_id, value: row.value === null ? null : JSON.parse(row.value) });
  };

  it('a sequence of writes keeps the entry core picks', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 6 }), (entries) => {
        const id = `p${profile++}`;
        for (const e of entries) write(id, e);
        expect(read(id)).toBe(tsWinner(entries));
      }),
      { numRuns: 400, seed: 13 },
    );
  });

  it('a merge keeps the entry core picks', () => {
    fc.assert(
      fc.property(entry, entry, (survivor, absorbed) => {
        const [a, b] = [`p${profile++}`, `p${profile++}`];
        write(a, survivor);
        write(b, absorbed);
        s.mergeTraits.run(a, b);
        expect(read(a)).toBe(tsWinner([survivor, absorbed]));
      }),
      { numRuns: 400, seed: 13 },
    );
  });

  it('a repeated value moves only when rank, time or source win', () => {
    const id = `p${profile++}`;
    const first = { profileId: id, key: 'k', value: '{"a":1}', ts: TIMES[1], sourceId: 'src_b', trust: 1 };
    s.setTrait.run(first.profileId, first.key, first.value, first.ts, first.sourceId, first.trust);
    expect(s.refreshTrait.run({ ...first, ts: TIMES[0] }).changes).toBe(0);
    expect(s.refreshTrait.run({ ...first, sourceId: 'src_a' }).changes).toBe(0);
    expect(s.refreshTrait.run({ ...first, sourceId: 'src_😀' }).changes).toBe(1);
  });
});

if (await postgresAvailable('trait order: PostgreSQL')) {
  describe('trait order: core and PostgreSQL', () => {
    let pool: pg.Pool;
    let close: () => Promise<void>;
    let profile = 0;
    beforeAll(async () => {
      ({ pool, close } = await migratedPostgres());
    });
    afterAll(() => close());

    const write = (profileId: string, e: TraitOrderFields & { trust: number }) =>
      pool.query(
        `INSERT INTO traits (profile_id, key, value, ts, source_id, trust) VALUES ($1, 'k', $2::jsonb, $3, $4, $5)
         ON CONFLICT (profile_id, key) DO UPDATE SET value = excluded.value, ts = excluded.ts, source_id = excluded.source_id, trust = excluded.trust
           WHERE ${TRAIT_WINS}`,
        [profileId, e.value === null ? null : JSON.stringify(e.value), e.timestamp, e.sourceId, e.trust],
      );
    // The value as PostgreSQL prints it: core's jsonOrderText must print the same text.
    const read = async (profileId: string): Promise<string> => {
      const { rows } = await pool.query<{ trust: number; ts: Date; source_id: string; value: string | null }>(
        `SELECT trust, ts, source_id, value::text AS value FROM traits WHERE profile_id = $1 AND key = 'k'`,
        [profileId],
      );
      const row = rows[0];
      if (!row) throw new Error(`no trait for ${profileId}`);
      return JSON.stringify([row.trust, row.ts.toISOString(), row.source_id, row.value ?? 'null']);
    };

    it('a sequence of writes keeps the entry core picks, and jsonb prints what jsonOrderText does', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 6 }), async (entries) => {
          const id = `p${profile++}`;
          for (const e of entries) await write(id, e);
          expect(await read(id)).toBe(tsWinner(entries));
        }),
        { numRuns: 150, seed: 13 },
      );
    });

    it('the merge function (PL/pgSQL) keeps the entry core picks', async () => {
      await fc.assert(
        fc.asyncProperty(entry, entry, async (survivor, absorbed) => {
          const [a, b] = [`p${profile++}`, `p${profile++}`];
          await write(a, survivor);
          await write(b, absorbed);
          await runMergeFunction(pool, { survivor: a, absorbed: b, id: `m${profile}`, at: TIMES[2]!, consent: 'restrictive' });
          expect(await read(a)).toBe(tsWinner([survivor, absorbed]));
        }),
        { numRuns: 150, seed: 13 },
      );
    });
  });
}

import fc from 'fast-check';
import type pg from 'pg';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsentOrderFields, ConsentOrderName } from '@kin/core';
import { compareConsentOrder } from '@kin/core';
import { consentWinsSql } from './consent-order-sql.ts';
import { FLUSH_STATEMENT } from './postgres/postgres-flush-statement.ts';
import { POSTGRES_MIGRATIONS } from './postgres/postgres-migrations.ts';
import { postgresAvailable } from './postgres/postgres-test-store.ts';
import { migratedPostgres, runMergeFunction, sqliteWrites } from '../testing/order-test-databases.ts';
import { WriteBuffer } from './postgres/postgres-write-buffer.ts';
import type { WriteStatements } from './sqlite/sqlite-write-statements.ts';

// One consent rule, every implementation: core's comparator (which PostgreSQL's write buffer folds with),
// SQLite's prepared statements, PostgreSQL's flush statement and its PL/pgSQL merge function. Two times
// and two values make ties common: the same time with both values, and exact repeats.

const TIMES = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z'];
const ORDERS: ConsentOrderName[] = ['latest', 'most_restrictive'];
const write = fc.record({ granted: fc.boolean(), timestamp: fc.constantFrom(...TIMES) });
const writes = (minLength: number) => fc.array(write, { minLength, maxLength: 6 });

/** What core keeps of `entries` under `order`, as comparable text (`none` when there is nothing). */
function coreWinner(order: ConsentOrderName, entries: readonly ConsentOrderFields[]): string {
  if (entries.length === 0) return 'none';
  const best = entries.reduce((kept, next) => (compareConsentOrder(order, next, kept) > 0 ? next : kept));
  return text(best);
}

function text(fields: ConsentOrderFields): string {
  return `${fields.granted}@${fields.timestamp}`;
}

/** What a merge keeps: core's winner of each side's own (latest) winner, under the merge's order. */
function mergeWinner(order: ConsentOrderName, survivor: ConsentOrderFields[], absorbed: ConsentOrderFields[]): string {
  const sides = [survivor, absorbed].filter((side) => side.length > 0).map((side) => reduceLatest(side));
  return coreWinner(order, sides);
}

function reduceLatest(entries: ConsentOrderFields[]): ConsentOrderFields {
  return entries.reduce((kept, next) => (compareConsentOrder('latest', next, kept) > 0 ? next : kept));
}

describe('consent order: core and SQLite', () => {
  let db: Database.Database;
  let s: WriteStatements;
  let profile = 0;
  beforeAll(() => {
    ({ db, s } = sqliteWrites());
  });
  afterAll(() => db.close());

  const set = (profileId: string, e: ConsentOrderFields) => s.setConsent.run(profileId, 'email', e.granted ? 1 : 0, e.timestamp);
  const read = (profileId: string): string => {
    const row = db.prepare('SELECT granted, ts FROM consent WHERE profile_id = ? AND category = ?').get(profileId, 'email') as
      { granted: number; ts: string } | undefined;
    return row ? text({ granted: row.granted === 1, timestamp: row.ts }) : 'none';
  };

  it('a sequence of writes keeps the value core picks (latest, a refusal on a tie)', () => {
    fc.assert(
      fc.property(writes(1), (entries) => {
        const id = `p${profile++}`;
        for (const e of entries) set(id, e);
        expect(read(id)).toBe(coreWinner('latest', entries));
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('a merge keeps the value core picks, under either order', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ORDERS), writes(0), writes(1), (order, survivor, absorbed) => {
        const [a, b] = [`p${profile++}`, `p${profile++}`];
        for (const e of survivor) set(a, e);
        for (const e of absorbed) set(b, e);
        (order === 'latest' ? s.mergeConsentLatest : s.mergeConsentRestrictive).run(a, b);
        expect(read(a)).toBe(mergeWinner(order, survivor, absorbed));
      }),
      { numRuns: 300, seed: 13 },
    );
  });
});

describe('consent order: the PL/pgSQL merge function', () => {
  it('holds the conditions generated from CONSENT_ORDERS', () => {
    const unwrap = (sql: string) => sql.slice(1, -1); // the migration writes them without the outer parentheses
    const migration = POSTGRES_MIGRATIONS.find((m) => m.sql.includes('CREATE FUNCTION kin_merge_batch_v3'));
    expect(migration?.sql).toContain(
      `THEN ${unwrap(consentWinsSql({ order: 'latest' }))}\n              ELSE ${unwrap(consentWinsSql({ order: 'most_restrictive' }))} END;`,
    );
  });
});

if (await postgresAvailable('consent order: PostgreSQL')) {
  describe('consent order: core and PostgreSQL', () => {
    let pool: pg.Pool;
    let close: () => Promise<void>;
    let profile = 0;
    beforeAll(async () => {
      ({ pool, close } = await migratedPostgres());
    });
    afterAll(() => close());

    /** The store's own path: writes folded in a write buffer, flushed by the flush statement, `chunk` at a time. */
    const setAll = async (profileId: string, entries: readonly ConsentOrderFields[], chunk: number) => {
      for (let i = 0; i < entries.length; i += chunk) {
        const buffer = new WriteBuffer();
        for (const e of entries.slice(i, i + chunk))
          buffer.setConsent({ profile_id: profileId, category: 'email', granted: e.granted, ts: e.timestamp });
        await pool.query({ name: FLUSH_STATEMENT.name, text: FLUSH_STATEMENT.text, values: buffer.take() });
      }
    };
    const read = async (profileId: string): Promise<string> => {
      const { rows } = await pool.query<{ granted: boolean; ts: Date }>(
        `SELECT granted, ts FROM consent WHERE profile_id = $1 AND category = 'email'`,
        [profileId],
      );
      const row = rows[0];
      return row ? text({ granted: row.granted, timestamp: row.ts.toISOString() }) : 'none';
    };

    it('writes folded in the buffer and upserted keep the value core picks', async () => {
      await fc.assert(
        fc.asyncProperty(writes(1), fc.integer({ min: 1, max: 3 }), async (entries, chunk) => {
          const id = `p${profile++}`;
          await setAll(id, entries, chunk);
          expect(await read(id)).toBe(coreWinner('latest', entries));
        }),
        { numRuns: 150, seed: 13 },
      );
    });

    it('the merge function (PL/pgSQL) keeps the value core picks, under either order', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ORDERS), writes(0), writes(1), async (order, survivor, absorbed) => {
          const [a, b] = [`p${profile++}`, `p${profile++}`];
          await setAll(a, survivor, 2);
          await setAll(b, absorbed, 2);
          await runMergeFunction(pool, { survivor: a, absorbed: b, id: `m${profile}`, at: TIMES[1]!, consent: order });
          expect(await read(a)).toBe(mergeWinner(order, survivor, absorbed));
        }),
        { numRuns: 150, seed: 13 },
      );
    });
  });
}

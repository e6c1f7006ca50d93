/**
 * The PostgreSQL connection pool of one store, and its two kinds of transaction.
 *
 * Why write transactions retry: the identity locks (see `kin_load_snapshot`) are taken in one order within an
 * event, but a transaction holding many events takes them event after event, so two transactions can
 * deadlock. PostgreSQL detects it and aborts one (40P01); we run the whole callback again, which is safe
 * because nothing of an aborted attempt was ever visible. READ COMMITTED is enough: the advisory locks,
 * not the isolation level, serialise writers of one identity, and every read after a lock sees the latest
 * commit. Reads that need several statements run in one REPEATABLE READ snapshot.
 * Times are stored as timestamptz and answered as ISO strings with milliseconds, like the SQLite store.
 */
import pg from 'pg';
import type { Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';
import type { Identifier } from '@kin/core';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { StoreTx } from '../storage.ts';
import { createPostgresTx } from './postgres-writes.ts';
import { SWITCH_READ } from './postgres-match-switch.ts';

const RETRYABLE = new Set(['40001', '40P01']);
const TIMESTAMPTZ_OID = 1184;

/** A pool whose timestamptz values are ISO strings; an idle client that dies is dropped, never a crash. */
export function createPostgresPool(url: string, size: number): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    options: '-c TimeZone=UTC',
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  });
  // An idle client that loses its connection is dropped by the pool; the next checkout reconnects. Without
  // a listener the 'error' event would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** The pool's transactions (see the file comment). */
export function postgresTransactions(
  pool: Pool,
  ids: IdGenerator,
  clock: Clock,
  maxAttempts: number,
  knownMonths: Set<string>,
  digest: (identifier: Identifier) => string,
) {
  async function transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let retryable = false;
      const ensuredMonths = new Set<string>();
      const query = async <R extends QueryResultRow>(config: QueryConfig) => {
        try {
          return await client.query<R>(config);
        } catch (error) {
          // Remembered even if the callback swallows it: the transaction is aborted either way.
          if (RETRYABLE.has(sqlState(error) ?? '')) retryable = true;
          throw error;
        }
      };
      try {
        // Why no hash or merge joins: every statement of a write transaction joins a batch (tens to hundreds of
        // rows from json_to_recordset or unnest, which the planner guesses at 100) with a big table by its key.
        // With those estimates it seq-scans identifiers or profiles into a hash once the table is mid-sized, a
        // cost that grows with the table; index nested loops stay flat. Sent with BEGIN: no extra round trip.
        // So is the read of the incremental-matching switch (postgres-match-switch.ts: held until COMMIT).
        const begun = (await client.query(
          `BEGIN; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; ${SWITCH_READ}`,
        )) as unknown as Array<{ rows: Array<{ incremental: boolean }> }>;
        const matchIndexOn = begun.at(-1)?.rows[0]?.incremental === true;
        const tx = createPostgresTx({ ids, clock, knownMonths, ensuredMonths, digest, query, matchIndexOn });
        const result = await fn(tx);
        await tx.beforeCommit();
        await query({ text: 'COMMIT' });
        client.release();
        for (const month of ensuredMonths) knownMonths.add(month);
        return result;
      } catch (error) {
        client.release(!(await rollback(client)));
        if ((retryable || RETRYABLE.has(sqlState(error) ?? '')) && attempt < maxAttempts) {
          await sleep(backoff(attempt));
          continue;
        }
        throw error;
      }
    }
  }

  async function read<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = !(await rollback(client));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  return { transaction, read };
}

/** The id a profile id answers for now (itself, or the profile it was merged into). */
export async function postgresLiveProfileId(client: PoolClient | Pool, profileId: string): Promise<string | undefined> {
  const { rows } = await client.query<{ id: string }>({
    name: 'kin_live_profile_v1',
    text: 'SELECT coalesce(merged_into, id) AS id FROM profiles WHERE id = $1',
    values: [profileId],
  });
  return rows[0]?.id;
}

/** pg's parsers, except timestamptz: an ISO string with milliseconds ('2026-11-01T10:00:00.000Z'), never a Date. */
function typeParser(oid: number, format?: 'text' | 'binary'): unknown {
  if (oid === TIMESTAMPTZ_OID && format !== 'binary') return parseTimestamptz;
  return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
}

/** What PostgreSQL answers in UTC (the pool's TimeZone): date, time, up to six fraction digits, '+00'. */
const UTC_TIMESTAMPTZ = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * '2026-11-01 10:00:00.123456+00' (any offset) -> '2026-11-01T10:00:00.123Z'. Why the fast path: a write
 * batch reads thousands of times (identifiers' first and last seen, profiles' creation), and parsing each
 * through `Date` was the largest single item of the worker's CPU profile; a UTC value is rewritten as text,
 * its fraction cut to milliseconds as `Date.parse` cuts it.
 */
export function parseTimestamptz(text: string): string {
  const utc = UTC_TIMESTAMPTZ.exec(text);
  if (utc) return `${utc[1]}T${utc[2]}.${(utc[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  const iso = text
    .replace(' ', 'T')
    .replace(/([+-]\d\d)$/, '$1:00')
    .replace(/([+-]\d\d):?(\d\d):(\d\d)$/, '$1:$2');
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

async function rollback(client: PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Jittered exponential backoff: ~10, 20, 40, 80 ms, so retried transactions do not collide again in step. */
function backoff(attempt: number): number {
  const base = 10 * 2 ** (attempt - 1);
  return base / 2 + Math.random() * base;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

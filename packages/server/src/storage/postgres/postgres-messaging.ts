/**
 * The messaging port of the PostgreSQL store: the shared SQL of `messaging-sql.ts` over the pool, with
 * `FOR UPDATE SKIP LOCKED` so that workers of the pipeline lease different deliveries, and a runner lease
 * (`postgres-session-lease.ts`) so that one process of many runs the journey runner.
 */
import type pg from 'pg';
import type { TrackingEvent } from '@kin/core';
import { createSqlMessagingStore } from '../messaging-sql.ts';
import { messagingSchemaSql } from '../messaging-schema-sql.ts';
import type { SqlRunner } from '../messaging-sql.ts';
import type { MessagingStore } from '../messaging-store.ts';
import type { FeedHorizon } from './postgres-feed-horizon.ts';
import { createPostgresRunnerLease } from './postgres-session-lease.ts';

/** PostgreSQL migration 15: the messaging tables. */
export const POSTGRES_MESSAGING_MIGRATION = {
  version: 15,
  name: 'journeys, messaging policy, destinations and the delivery outbox',
  sql: messagingSchemaSql({ seqColumn: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' }),
};

/** `?` placeholders as `$1`, `$2`, … (the shared SQL has no `?` anywhere else). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function runnerOf(client: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    all: async (sql, params = []) => (await client.query(numbered(sql), params)).rows as Array<Record<string, unknown>>,
    run: async (sql, params = []) => {
      await client.query(numbered(sql), params);
    },
  };
}

/** Creates the messaging port over the store's pool (`url`: the database of the runner lease's own connection). */
export function createPostgresMessagingStore(pool: pg.Pool, url: string, horizon: FeedHorizon): MessagingStore {
  return createSqlMessagingStore({
    runner: runnerOf(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(runnerOf(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = !(await client.query('ROLLBACK').then(
          () => true,
          () => false,
        ));
        throw error;
      } finally {
        client.release(broken);
      }
    },
    lockClause: 'FOR UPDATE OF d SKIP LOCKED',
    rowLockClause: 'FOR UPDATE',
    runnerLease: (name) => createPostgresRunnerLease({ url, name }),
    payload: (value) => (typeof value === 'string' ? JSON.parse(value) : value) as TrackingEvent,
    feedHorizon: () => horizon.committed(),
  });
}

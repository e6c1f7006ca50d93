/**
 * The messaging port of the SQLite store (journeys, policy, destinations, instances, claims, decisions,
 * deliveries): the shared SQL of `messaging-sql.ts` over the store's writer connection and write queue, so
 * its transactions never interleave with the store's own.
 */
import type Database from 'better-sqlite3';
import type { TrackingEvent } from '@kin/core';
import { createSqlMessagingStore, messagingSchemaSql } from '../messaging-sql.ts';
import type { SqlRunner } from '../messaging-sql.ts';
import type { MessagingStore } from '../messaging-store.ts';
import type { WriteQueue } from './write-queue.ts';

/** SQLite migration 19: the messaging tables. */
export const SQLITE_MESSAGING_MIGRATION = { version: 19, name: 'journeys, messaging policy, destinations and the delivery outbox', sql: messagingSchemaSql({ seqColumn: 'INTEGER PRIMARY KEY' }) };

/** Creates the messaging port over the store's writer connection. */
export function createSqliteMessagingStore(options: { db: Database.Database; queue: WriteQueue }): MessagingStore {
  const { db, queue } = options;
  const runner: SqlRunner = {
    all: async (sql, params = []) => db.prepare(sql).all(...params) as Array<Record<string, unknown>>,
    run: async (sql, params = []) => {
      db.prepare(sql).run(...params);
    },
  };
  return createSqlMessagingStore({
    runner: {
      all: (sql, params) => queue.run(() => runner.all(sql, params)),
      run: (sql, params) => queue.run(() => runner.run(sql, params)),
    },
    transaction: (fn) =>
      queue.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(runner);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      }),
    lockClause: '',
    payload: (value) => JSON.parse(value as string) as TrackingEvent,
  });
}

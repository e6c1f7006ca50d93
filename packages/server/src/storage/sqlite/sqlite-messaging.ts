/**
 * The messaging port of the SQLite store (journeys, policy, destinations, instances, claims, decisions,
 * deliveries): the shared SQL of `messaging-sql.ts` over the store's connections. Writes go through the
 * store's write queue, so they never interleave with the store's own transactions; reads use the read
 * connection.
 *
 * Why only a lease waits for the disk: the runner commits many small transactions one after another, and
 * waiting for an fdatasync after each would pace journeys at the disk's latency. Nothing leaves Kin before a
 * lease, and the WAL is written in order: once a lease's commit is on disk, so is every decision and outbox
 * row committed before it. A crash can lose only decisions nothing was sent for yet, which are made again.
 */
import type Database from 'better-sqlite3';
import type { TrackingEvent } from '@kin/core';
import { createSqlMessagingStore } from '../messaging-sql.ts';
import { messagingSchemaSql } from '../messaging-schema-sql.ts';
import type { SqlRunner } from '../messaging-sql.ts';
import type { MessagingStore } from '../messaging-store.ts';
import type { SqliteLeases } from './sqlite-lease.ts';
import type { WriteQueue } from './write-queue.ts';

/** SQLite migration 19: the messaging tables. */
export const SQLITE_MESSAGING_MIGRATION = {
  version: 19,
  name: 'journeys, messaging policy, destinations and the delivery outbox',
  sql: messagingSchemaSql({ seqColumn: 'INTEGER PRIMARY KEY' }),
};

/** Creates the messaging port over the store's writer connection. */
export function createSqliteMessagingStore(options: {
  db: Database.Database;
  read: () => Database.Database;
  writes: WriteQueue;
  durable: () => Promise<void>;
  leases: SqliteLeases;
}): MessagingStore {
  const { db, read, writes, durable } = options;
  const runner: SqlRunner = {
    all: async (sql, params = []) => db.prepare(sql).all(...params) as Array<Record<string, unknown>>,
    run: async (sql, params = []) => {
      db.prepare(sql).run(...params);
    },
  };
  return createSqlMessagingStore({
    runner: {
      all: async (sql, params = []) =>
        read()
          .prepare(sql)
          .all(...params) as Array<Record<string, unknown>>,
      run: (sql, params) => writes.run(() => runner.run(sql, params)),
    },
    transaction: (fn, options) => {
      const done = writes.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(runner);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      });
      return options?.durable ? done.then(async (result) => (await durable(), result)) : done;
    },
    lockClause: '',
    rowLockClause: '',
    // A second process on the same file (another `kin serve`) waits while this one runs the journey runner.
    runnerLease: (name) => options.leases.lease(`runner:${name}`),
    payload: (value) => JSON.parse(value as string) as TrackingEvent,
    // One writer commits events in seq order: every seq a reader sees is final.
    feedHorizon: async () => Number.MAX_SAFE_INTEGER,
  });
}

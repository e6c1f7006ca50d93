/**
 * The SQLite connections of one store: the writer connection (WAL, pragmas), a second read-only connection
 * for reads, the write queue and durability.
 *
 * Why one writer connection behind a queue and a second connection for reads: better-sqlite3 is
 * synchronous, but a transaction callback is async (the pipeline awaits between statements). The queue
 * makes sure nothing else writes on the writer connection while a transaction is open, and reads never
 * see uncommitted rows because they use their own connection.
 * Durability: every write is answered only once it is on disk (a 2xx survives kill -9 and power loss), but
 * the fsync runs beside the writer, not on it: see sqlite-wal-sync.ts.
 */
import Database from 'better-sqlite3';
import { createWalSync } from './sqlite-wal-sync.ts';
import { createWriteQueue } from './write-queue.ts';
import type { WriteQueue } from './write-queue.ts';

/** How the writer connection checkpoints (see SqliteStoreOptions). */
export type CheckpointMode = 'inline' | 'external';

/** The connections of one store. */
export interface SqliteConnection {
  /** The writer connection (the only one that writes). */
  db: Database.Database;
  /** The read connection (the writer itself for ':memory:'). */
  read(): Database.Database;
  /** The write queue, answering each task only once its commit is on disk; the queue itself is free meanwhile. */
  queue: WriteQueue;
  /** The write queue without the wait for the disk (the caller awaits `durable()` itself). */
  writes: WriteQueue;
  /** Settles once every commit so far is on disk. */
  durable(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the writer connection (read-only when `readOnly`) and, lazily, the read connection. */
export function openSqliteConnection(options: { path: string; checkpoint?: CheckpointMode; readOnly?: boolean }): SqliteConnection {
  const memory = options.path === ':memory:';
  const db = new Database(options.path, { readonly: options.readOnly === true });
  if (!options.readOnly) db.pragma('journal_mode = WAL');
  // NORMAL: a COMMIT writes the WAL without syncing it; `walSync` syncs before anything is acknowledged.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('cache_size = -131072');
  db.pragma('temp_store = MEMORY');
  // Why a larger checkpoint threshold: one group commit dirties more than the default 1,000 pages, so every
  // commit also checkpointed (copying pages to the database file and syncing it). At 10,000 pages (~40 MiB
  // of WAL) a page rewritten by several commits is copied once.
  db.pragma(`wal_autocheckpoint = ${options.checkpoint === 'external' ? 0 : 10_000}`);
  let reader: Database.Database | undefined;
  const read = (): Database.Database => {
    if (memory) return db;
    if (!reader) {
      reader = new Database(options.path, { readonly: true });
      reader.pragma('busy_timeout = 10000');
    }
    return reader;
  };
  const walSync = memory ? undefined : createWalSync(options.path);
  const writes = createWriteQueue();
  const durable = (): Promise<void> => (walSync ? walSync.sync() : Promise.resolve());
  return {
    db,
    read,
    writes,
    durable,
    queue: { run: (task) => writes.run(task).then(async (result) => (await durable(), result)) },
    async close() {
      await writes.run(() => {
        reader?.close();
        db.close();
      });
      await walSync?.close();
    },
  };
}

/** Runs `fn` in one IMMEDIATE transaction on `db`: commit when it returns, roll back when it throws. */
export function inSqliteTransaction<T>(db: Database.Database, fn: () => T): T {
  db.prepare('BEGIN IMMEDIATE').run();
  try {
    const result = fn();
    db.prepare('COMMIT').run();
    return result;
  } catch (error) {
    if (db.inTransaction) db.prepare('ROLLBACK').run();
    throw error;
  }
}

/** The ids of a batch, given as one JSON array parameter: `WHERE id IN ${EACH}`. */
export const EACH = '(SELECT value FROM json_each(?))';

const transactions = new WeakMap<Database.Database, (fn: () => unknown) => unknown>();

/**
 * Runs `fn` in a (deferred) transaction of `connection`, with a transaction function made once per connection
 * (each new one prepares its statements). For reads and the side state file; the writer's commits use
 * `inSqliteTransaction` (IMMEDIATE).
 */
export function inTransaction<T>(connection: Database.Database, fn: () => T): T {
  let run = transactions.get(connection);
  if (!run) transactions.set(connection, (run = connection.transaction((f: () => unknown) => f())));
  return run(fn) as T;
}

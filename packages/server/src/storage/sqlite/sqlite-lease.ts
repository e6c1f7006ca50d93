/**
 * A lease of one SQLite file that one holder of many has: the journey runner's, the audience evaluator's and
 * the matcher's, so that a second `kin serve` (or a CLI process) on the same file runs none of them twice. The
 * PostgreSQL store implements the same port with a session advisory lock (`postgres-session-lease.ts`).
 *
 * How: a row per lease name in `store_leases` with its holder and expiry, taken in a write transaction
 * (`BEGIN IMMEDIATE`, so two processes cannot both read it free and both take it), renewed when a third of its
 * time is left (by `hold()` and by a timer while held, so a long pass keeps it) and deleted on release. Why an
 * expiry and not a lock the OS drops: a SQLite file has no session that dies with its process; a holder killed
 * with `kill -9` is noticed at once when its process is gone from this host (its pid is in the holder), else
 * when its lease expires.
 *
 * Why the leases live in a file of their own beside the database (`kin.db-leases`, opened on the first `hold`,
 * so a read-only process never creates it): every commit to the main file by another connection makes the
 * ingest writer thread drop its identity-graph cache, and renewals come every 10 s per lease whether or not
 * there is work. The leases are not data: losing the file only hands each lease to the next process asking.
 */
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { IdGenerator } from '../../ports/ids.ts';
import { createIdGenerator } from '../../ports/ids.ts';
import DatabaseFile from 'better-sqlite3';
import type { EvaluatorLease } from '../audience-store.ts';
import { inSqliteTransaction } from './sqlite-connection.ts';

/** The leases table of the lease file. */
const STORE_LEASES_SQL = `
  CREATE TABLE IF NOT EXISTS store_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
`;

/** The file beside the database that holds its leases (`kin.db` -> `kin.db-leases`). */
export function leaseFilePath(path: string): string {
  return `${path}-leases`;
}

/** Opens the lease file of the database at `path` (an in-memory database for `:memory:`), creating its table. */
export function openSqliteLeaseFile(path: string): Database.Database {
  const db = new DatabaseFile(path === ':memory:' ? ':memory:' : leaseFilePath(path));
  db.pragma('busy_timeout = 5000');
  // WAL without a sync per commit. Why: leases are renewed on the thread that answers every request (HTTP,
  // link redirects), and a rollback-journal commit syncs the journal and the file: 21 ms per renewal (83 ms at
  // worst) on the shared bench machine, against 0.01 ms. A power loss may forget the last renewals, which only
  // hands a lease on sooner (see above); WAL keeps the file whole, so it is never lost to corruption.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(STORE_LEASES_SQL);
  return db;
}

/** The leases of one store: each lease by name, over one lease-file connection opened on first use. */
export interface SqliteLeases {
  lease(name: string): EvaluatorLease & { readonly holder: string };
  close(): void;
}

/** The leases of the database at `path`. */
export function createSqliteLeases(path: string): SqliteLeases {
  let db: Database.Database | undefined;
  let closed = false;
  const connection = (): Database.Database => {
    if (closed) throw new Error('the store is closed');
    return (db ??= openSqliteLeaseFile(path));
  };
  return {
    lease: (name) => createSqliteLease({ db: connection, name }),
    close() {
      closed = true;
      db?.close();
      db = undefined;
    },
  };
}

/** How long a lease lasts without renewal, by default. */
export const SQLITE_LEASE_TTL_MS = 30_000;

/** Whether a holder (`host:pid:nonce`) is a process of this host that no longer runs. */
function holderGone(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || Number(pid) === process.pid || !Number.isInteger(Number(pid))) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'ESRCH';
  }
}

/** A lease named `name` in a lease file (`db` gives its connection); `now` is wall time (tests move it). */
export function createSqliteLease(options: {
  db: () => Database.Database;
  name: string;
  ttlMs?: number;
  now?: () => number;
  /** Where the holder name's random part comes from (the id port). */
  ids?: IdGenerator;
}): EvaluatorLease & { readonly holder: string } {
  const { name } = options;
  const ttl = options.ttlMs ?? SQLITE_LEASE_TTL_MS;
  const now = options.now ?? Date.now;
  const holder = `${hostname()}:${process.pid}:${(options.ids ?? createIdGenerator()).rowId().slice(0, 8)}`;
  /** When the lease this object holds expires (0: not held). */
  let until = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const take = (): boolean => {
    const at = now();
    const db = options.db();
    const row = db.prepare('SELECT holder, expires_at FROM store_leases WHERE name = ?').get(name) as
      { holder: string; expires_at: number } | undefined;
    if (row && row.holder !== holder && row.expires_at > at && !holderGone(row.holder)) return false;
    db.prepare(
      'INSERT INTO store_leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at',
    ).run(name, holder, at + ttl);
    until = at + ttl;
    return true;
  };

  const hold = async (): Promise<boolean> => {
    if (until - now() > (ttl * 2) / 3) return true;
    try {
      const held = inSqliteTransaction(options.db(), take);
      if (!held) until = 0;
    } catch {
      // A busy or closed file: not held this time (as a broken PostgreSQL session).
      until = 0;
    }
    if (until === 0) {
      clearInterval(timer);
      timer = undefined;
    } else if (!timer) {
      timer = setInterval(() => void hold(), ttl / 3);
      timer.unref();
    }
    return until !== 0;
  };

  return {
    holder,
    hold,
    async release() {
      clearInterval(timer);
      timer = undefined;
      if (until === 0) return;
      until = 0;
      try {
        options.db().prepare('DELETE FROM store_leases WHERE name = ? AND holder = ?').run(name, holder);
      } catch {
        // A closed or busy file: the lease expires by itself.
      }
    },
  };
}

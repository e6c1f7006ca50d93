/**
 * A lease of one SQLite file that one holder of many has: the journey runner's, the audience evaluator's and
 * the matcher's, so that a second `kin serve` (or a CLI process) on the same file runs none of them twice. The
 * PostgreSQL store implements the same port with a session advisory lock (`postgres-session-lease.ts`).
 *
 * How: a row per lease name in `store_leases` (migration 37) with its holder and expiry, taken in a write
 * transaction (`BEGIN IMMEDIATE`, so two processes cannot both read it free and both take it), renewed when a
 * third of its time is left (by `hold()` and by a timer while held, so a long pass keeps it) and deleted on
 * release. Why an expiry and not a lock the OS drops: a SQLite file has no session that dies with its process;
 * a holder killed with `kill -9` is noticed at once when its process is gone from this host (its pid is in the
 * holder), else when its lease expires.
 *
 * Why renewals are rare (a third of the ttl, 10 s by default) and checks between them read nothing: every
 * commit to the file by another connection makes the writer thread drop its identity-graph cache.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { EvaluatorLease } from '../audience-store.ts';
import { inSqliteTransaction } from './sqlite-connection.ts';
import type { WriteQueue } from './write-queue.ts';

/** The leases table (part of SQLite migration 37). */
export const STORE_LEASES_SQL = `
  CREATE TABLE store_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
`;

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

/** A lease named `name` over the store's writer connection and write queue; `now` is wall time (tests move it). */
export function createSqliteLease(options: {
  db: Database.Database;
  queue: WriteQueue;
  name: string;
  ttlMs?: number;
  now?: () => number;
}): EvaluatorLease & { readonly holder: string } {
  const { db, queue, name } = options;
  const ttl = options.ttlMs ?? SQLITE_LEASE_TTL_MS;
  const now = options.now ?? Date.now;
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** When the lease this object holds expires (0: not held). */
  let until = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const take = (): boolean => {
    const at = now();
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
      const held = await queue.run(() => inSqliteTransaction(db, take));
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
      await queue.run(() => db.prepare('DELETE FROM store_leases WHERE name = ? AND holder = ?').run(name, holder)).catch(() => undefined);
    },
  };
}

/** Opens the store a `--db` value names: a postgres:// URL, or a SQLite file path. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { reaching } from '../ops/startup-error.ts';
import type { Store } from './storage.ts';
import type { SqliteStoreOptions } from './sqlite/sqlite-store.ts';

/** True when the value names a PostgreSQL database. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** Opens and migrates the store. */
export async function openStore(db: string, options: SqliteTuning = {}): Promise<Store> {
  if (isPostgresUrl(db)) {
    const { openPostgresStore } = await import('./postgres/postgres-store.ts');
    return reaching('PostgreSQL', db, () => openPostgresStore({ url: db }));
  }
  if (db !== ':memory:') mkdirSync(dirname(db), { recursive: true });
  const { openSqliteStore } = await import('./sqlite/sqlite-store.ts');
  return openSqliteStore({ path: db, ...storeTuning(options) });
}

/** How the embedded store holds messageId claims and timeline entries before writing them out in bulk. */
export interface SqliteTuning {
  dedupMemory?: number;
  timelineTail?: number;
}

/** The SQLite store options for `tuning` (unset values keep the store's defaults). */
export function storeTuning(tuning: SqliteTuning): Pick<SqliteStoreOptions, 'messageIds' | 'timeline'> {
  return {
    ...(tuning.dedupMemory ? { messageIds: { flushAt: tuning.dedupMemory } } : {}),
    ...(tuning.timelineTail ? { timeline: { flushAt: tuning.timelineTail } } : {}),
  };
}

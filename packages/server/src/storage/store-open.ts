/** Opens the store a `--db` value names: a postgres:// URL, or a SQLite file path. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { cannotOpen, reaching } from '../ops/startup-error.ts';
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
  const { openSqliteStore } = await import('./sqlite/sqlite-store.ts');
  try {
    if (db !== ':memory:') mkdirSync(dirname(db), { recursive: true });
    return await openSqliteStore({ path: db, ...storeTuning(options) });
  } catch (error) {
    throw cannotOpenFile(error) ? cannotOpen('the SQLite database', db, error) : error;
  }
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

// The file or its directory cannot be made, read or written: the surroundings, not a bug.
const FILE_CODES = /^(EACCES|EEXIST|EPERM|EROFS|ENOTDIR|EISDIR|ENOSPC|SQLITE_CANTOPEN|SQLITE_NOTADB|SQLITE_READONLY|SQLITE_PERM|SQLITE_FULL)/;

function cannotOpenFile(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && FILE_CODES.test(code);
}

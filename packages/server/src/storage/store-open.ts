/** Opens the store a `--db` value names: a postgres:// URL, or a SQLite file path. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Store } from './storage.ts';

/** True when the value names a PostgreSQL database. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** Opens and migrates the store. */
export async function openStore(db: string, options: { dedupMemory?: number } = {}): Promise<Store> {
  if (isPostgresUrl(db)) {
    const { openPostgresStore } = await import('./postgres/postgres-store.ts');
    return openPostgresStore({ url: db });
  }
  if (db !== ':memory:') mkdirSync(dirname(db), { recursive: true });
  const { openSqliteStore } = await import('./sqlite/sqlite-store.ts');
  return openSqliteStore({ path: db, ...(options.dedupMemory ? { messageIds: { flushAt: options.dedupMemory } } : {}) });
}

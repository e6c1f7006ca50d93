/** Opens the store a `--db` value names: a postgres:// URL, or a SQLite file path. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { cannotOpen, reaching } from '../ops/startup-error.ts';
import type { Store } from './storage.ts';
import type { SqliteStoreOptions } from './sqlite/sqlite-store.ts';
import type { IngestorFactory, StoreKind } from './store-ingestor.ts';
import { groupCommitWritePath } from './store-ingestor.ts';

/** True when the value names a PostgreSQL database. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** The kind of store a `--db` value names. */
export function storeKind(db: string): StoreKind {
  return isPostgresUrl(db) ? 'postgres' : 'sqlite';
}

/** An opened store with the factory of its write path (see store-ingestor.ts). */
export interface OpenedStore {
  store: Store;
  kind: StoreKind;
  createIngestor: IngestorFactory;
  /**
   * True when another thread can open the same database (a SQLite file, PostgreSQL): what the read thread and the
   * audience thread need. False for `:memory:`, a connection only this one holds.
   */
  sharedWithThreads: boolean;
}

/**
 * Opens and migrates the store, with its ingestor factory: what the composition root calls to build the
 * write path without asking which database it has.
 */
export async function openStoreWithIngestor(db: string, options: StoreSettings & { ingestThread?: boolean } = {}): Promise<OpenedStore> {
  const kind = storeKind(db);
  const store = await openStore(db, options);
  if (kind === 'postgres')
    return { store, kind, createIngestor: (ingest) => Promise.resolve(groupCommitWritePath(ingest)), sharedWithThreads: true };
  const { sqliteIngestorFactory } = await import('./sqlite/writer/sqlite-ingestor.ts');
  return { store, kind, createIngestor: sqliteIngestorFactory({ path: db, ...options }), sharedWithThreads: db !== ':memory:' };
}

/** Opens and migrates the store. */
export async function openStore(db: string, options: StoreSettings = {}): Promise<Store> {
  const secret = options.privacySecret ? { privacySecret: options.privacySecret } : {};
  if (isPostgresUrl(db)) {
    const { openPostgresStore } = await import('./postgres/postgres-store.ts');
    return reaching('PostgreSQL', db, () => openPostgresStore({ url: db, ...secret }));
  }
  const { openSqliteStore } = await import('./sqlite/sqlite-store.ts');
  try {
    if (db !== ':memory:') mkdirSync(dirname(db), { recursive: true });
    return await openSqliteStore({ path: db, ...storeTuning(options), ...secret });
  } catch (error) {
    throw cannotOpenFile(error) ? cannotOpen('the SQLite database', db, error) : error;
  }
}

/**
 * Opens a store for reads only, already migrated by whoever writes it: a SQLite file read-only (it never takes the
 * write lock, so it can run beside a server writing the same file, in another thread or another process), or a
 * small PostgreSQL pool.
 */
export async function openReadStore(db: string, options: { poolSize?: number } = {}): Promise<Store> {
  if (isPostgresUrl(db))
    return (await import('./postgres/postgres-store.ts')).createPostgresStore({ url: db, poolSize: options.poolSize ?? 2 });
  return (await import('./sqlite/sqlite-store.ts')).createSqliteStore({ path: db, readOnly: true });
}

/** How the embedded store holds messageId claims and timeline entries before writing them out in bulk. */
export interface SqliteTuning {
  dedupMemory?: number;
  timelineTail?: number;
}

/** What opening a store takes: the tuning, and KIN_PRIVACY_SECRET (tombstones are keyed with it). */
export interface StoreSettings extends SqliteTuning {
  privacySecret?: string;
}

/** The SQLite store options for `tuning` (unset values keep the store's defaults). */
export function storeTuning(tuning: SqliteTuning): Pick<SqliteStoreOptions, 'messageIds' | 'timeline'> {
  return {
    ...(tuning.dedupMemory ? { messageIds: { flushAt: tuning.dedupMemory } } : {}),
    ...(tuning.timelineTail ? { timeline: { flushAt: tuning.timelineTail } } : {}),
  };
}

// The file or its directory cannot be made, read or written: the surroundings, not a bug.
const FILE_CODES =
  /^(EACCES|EEXIST|EPERM|EROFS|ENOTDIR|EISDIR|ENOSPC|SQLITE_CANTOPEN|SQLITE_NOTADB|SQLITE_READONLY|SQLITE_PERM|SQLITE_FULL)/;

function cannotOpenFile(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && FILE_CODES.test(code);
}

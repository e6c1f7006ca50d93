/**
 * SQLite stores in files of their own, for the conformance suites and the adapter's own tests (tests only).
 * Why a file and not `:memory:`: some behaviour lives beside the database (the audience state file, a second
 * connection that tampers with rows), and every such test repeated this create/destroy over a temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../storage.ts';
import type { StoreTestTarget } from '../store-test-target.ts';
import { leaseFilePath } from './sqlite-lease.ts';
import { openSqliteStore } from './sqlite-store.ts';

/** Stores over files in temp folders named `kin-<prefix>-…`. */
export function sqliteFileStores(name: string, prefix: string): StoreTestTarget {
  const dirs = new Map<Store, string>();
  const dirOf = (store: Store): string => {
    const dir = dirs.get(store);
    if (!dir) throw new Error('not a store of this sqliteFileStores');
    return dir;
  };
  return {
    name,
    create: async () => {
      const dir = mkdtempSync(join(tmpdir(), `kin-${prefix}-`));
      const store = await openSqliteStore({ path: join(dir, 'kin.db') });
      dirs.set(store, dir);
      return store;
    },
    destroy: async (store) => {
      await store.close();
      rmSync(dirOf(store), { recursive: true, force: true });
      dirs.delete(store);
    },
    exec: async (store, sql) => {
      const db = new Database(join(dirOf(store), 'kin.db'));
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
  };
}

/** Who holds lease `name` of the SQLite file at `path` (`host:pid:nonce`), read on a connection of its own (tests only). */
export function sqliteLeaseHolder(path: string, name: string): string | undefined {
  const db = new Database(leaseFilePath(path), { readonly: true });
  try {
    const row = db.prepare('SELECT holder FROM store_leases WHERE name = ? AND expires_at > ?').get(name, Date.now()) as
      { holder: string } | undefined;
    return row?.holder;
  } finally {
    db.close();
  }
}

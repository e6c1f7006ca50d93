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
import { openSqliteStore } from './sqlite-store.ts';

/** A conformance target over SQLite files: `create` opens a store in a new temp folder, `destroy` removes it. */
export interface SqliteTestStores {
  name: string;
  create: () => Promise<Store>;
  destroy: (store: Store) => Promise<void>;
  /** Runs `sql` on a store's file over a connection of its own (what the store must survive). */
  exec: (store: Store, sql: string) => Promise<void>;
}

/** Stores over files in temp folders named `kin-<prefix>-…`. */
export function sqliteFileStores(name: string, prefix: string): SqliteTestStores {
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

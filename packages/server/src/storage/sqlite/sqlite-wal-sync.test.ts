import Database from 'better-sqlite3';
import { fdatasync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWalSync } from './sqlite-wal-sync.ts';

describe('WAL group sync', () => {
  let dir: string;
  let db: Database.Database;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kin-walsync-'));
    path = join(dir, 'kin.db');
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (x INTEGER)');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the real WAL file after a commit', async () => {
    db.prepare('INSERT INTO t VALUES (1)').run();
    const sync = createWalSync(path);
    await expect(sync.sync()).resolves.toBeUndefined();
    await sync.close();
  });

  it('commits that ask while a sync runs share one later sync, never the running one', async () => {
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const real = promisify(fdatasync);
    const sync = createWalSync(path, {
      fdatasync: async (fd) => {
        started.push(Date.now());
        await new Promise<void>((release) => releases.push(release));
        await real(fd);
      },
    });
    const first = sync.sync();
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toHaveLength(1);
    // Three commits finish while the first sync is running: they must wait for a second sync.
    const later = [sync.sync(), sync.sync(), sync.sync()];
    let laterDone = false;
    void Promise.all(later).then(() => (laterDone = true));
    releases.shift()!();
    await first;
    await new Promise((r) => setTimeout(r, 10));
    expect(laterDone).toBe(false);
    expect(started).toHaveLength(2);
    releases.shift()!();
    await Promise.all(later);
    expect(started).toHaveLength(2);
    await sync.close();
  });

  it('a failed sync rejects its waiters, and the next one runs again', async () => {
    let fail = true;
    const sync = createWalSync(path, {
      fdatasync: async () => {
        if (fail) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      },
    });
    await expect(sync.sync()).rejects.toThrow('EIO');
    fail = false;
    await expect(sync.sync()).resolves.toBeUndefined();
    await sync.close();
  });
});

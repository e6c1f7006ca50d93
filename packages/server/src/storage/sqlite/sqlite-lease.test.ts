/**
 * The SQLite lease (sqlite-lease.ts): two stores on one file, as two `kin serve` on one database would open it,
 * hold each of the journey runner's, the evaluator's and the matcher's leases one at a time; a release passes
 * it on at once, an expired lease is taken over, and a holder process killed with `kill -9` is noticed without
 * waiting for the expiry.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { JOURNEY_CURSOR, createJourneyRunner } from '../../messaging/journey-runner.ts';
import { fixedClock } from '../../ports/clock.ts';
import { createIdGenerator } from '../../ports/ids.ts';
import { memoryLogger } from '../../ports/logger.ts';
import type { Store } from '../storage.ts';
import { SQLITE_LEASE_TTL_MS, createSqliteLease, leaseFilePath, openSqliteLeaseFile } from './sqlite-lease.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-lease-'));
const stores: Store[] = [];
const connections: Array<{ close(): void }> = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  for (const c of connections) c.close();
  rmSync(dir, { recursive: true, force: true });
});

async function twoStores(name: string): Promise<[Store, Store]> {
  const path = join(dir, `${name}.db`);
  const first = await openSqliteStore({ path });
  const second = await openSqliteStore({ path });
  stores.push(first, second);
  return [first, second];
}

describe('SQLite lease: one holder per file', () => {
  it('gives the journey runner, evaluator and matcher leases to one store of two on a file; a release passes each on', async () => {
    const [a, b] = await twoStores('two');
    for (const [lease, name] of [
      [(s: Store) => s.messaging!.runnerLease(JOURNEY_CURSOR), 'runner'],
      [(s: Store) => s.audiences.evaluatorLease(), 'evaluator'],
      [(s: Store) => s.matching.matcherLease(), 'matcher'],
    ] as const) {
      const first = lease(a);
      const second = lease(b);
      expect([await first.hold(), await second.hold(), await first.hold()], name).toEqual([true, false, true]);
      await first.release();
      expect([await second.hold(), await first.hold()], name).toEqual([true, false]);
      await second.release();
    }
  });

  it('runs one journey runner of two: the second pass on the same file does nothing while the first holds', async () => {
    const [a, b] = await twoStores('runner');
    const runner = (store: Store) =>
      createJourneyRunner({
        store,
        messaging: store.messaging!,
        clock: fixedClock('2026-06-01T12:00:00.000Z'),
        ids: createIdGenerator(),
        logger: memoryLogger(),
      });
    const first = runner(a);
    const second = runner(b);
    expect((await first.tick()).leader).toBe(true);
    expect((await second.tick()).leader).toBe(false);
    await first.close();
    expect((await second.tick()).leader).toBe(true);
    expect((await first.tick()).leader).toBe(false);
    await second.close();
  });

  it('is taken over once it expires, and the old holder learns it lost it', async () => {
    const path = join(dir, 'expiry.db');
    await twoStores('expiry'); // migrates the file
    const c1 = openSqliteLeaseFile(path);
    const c2 = openSqliteLeaseFile(path);
    connections.push(c1, c2);
    let now = 1_000_000;
    const lease = (c: typeof c1) => createSqliteLease({ db: () => c, name: 'x', now: () => now });
    const first = lease(c1);
    const second = lease(c2);
    expect(await first.hold()).toBe(true);
    now += SQLITE_LEASE_TTL_MS - 1;
    expect(await second.hold()).toBe(false);
    now += 2; // the first holder did not renew: its lease ran out
    expect(await second.hold()).toBe(true);
    expect(await first.hold()).toBe(false);
    // Renewed by its holder, a lease never expires.
    for (let i = 0; i < 5; i++) {
      now += SQLITE_LEASE_TTL_MS / 2;
      expect(await second.hold()).toBe(true);
      expect(await first.hold()).toBe(false);
    }
    await second.release();
  });

  it('passes on at once from a holder process killed with kill -9', { timeout: 60_000 }, async () => {
    const [, b] = await twoStores('killed');
    const path = join(dir, 'killed.db');
    const leaseModule = new URL('./sqlite-lease.ts', import.meta.url).pathname;
    const script = `
      const { createSqliteLeases } = await import(${JSON.stringify(leaseModule)});
      const held = await createSqliteLeases(${JSON.stringify(path)}).lease('runner:${JOURNEY_CURSOR}').hold();
      console.log(held ? 'held' : 'refused');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((done) => child.on('exit', done));
    const said = await new Promise<string>((done) => child.stdout.once('data', (d: Buffer) => done(d.toString().trim())));
    expect(said).toBe('held');
    const lease = b.messaging!.runnerLease(JOURNEY_CURSOR);
    expect(await lease.hold()).toBe(false);
    child.kill('SIGKILL');
    await exited;
    // Its row is still there, 30 s from expiry; its process is gone from this host.
    expect(await lease.hold()).toBe(true);
    await lease.release();
  });
});

describe('SQLite lease file', () => {
  it('keeps lease renewals out of the database file, so the ingest writer keeps its identity-graph cache', async () => {
    const path = join(dir, 'apart.db');
    const [, store] = await twoStores('apart');
    const watcher = new Database(path, { readonly: true });
    const version = watcher.prepare('PRAGMA data_version').pluck();
    const before = version.get();
    const lease = store.audiences.evaluatorLease();
    expect(await lease.hold()).toBe(true);
    await lease.release();
    expect(await store.messaging!.runnerLease(JOURNEY_CURSOR).hold()).toBe(true);
    expect(version.get()).toBe(before);
    expect(existsSync(leaseFilePath(path))).toBe(true);
    watcher.close();
  });
});

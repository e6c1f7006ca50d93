import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMessagingConformance } from '../messaging-conformance.ts';
import { openStore } from '../store-open.ts';

runMessagingConformance({ name: 'sqlite', create: () => openStore(':memory:'), destroy: (store) => store.close() });

const dir = mkdtempSync(join(tmpdir(), 'kin-messaging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite messaging: an idle delivery poll', () => {
  it('takes no write lock when nothing is due (the ingest writer may hold it), and leases once something is', async () => {
    const path = join(dir, 'kin.db');
    const store = await openStore(path);
    const m = store.messaging;
    if (!m) throw new Error('the SQLite store keeps messaging');
    const now = '2026-11-01T10:00:00.000Z';
    const query = { now, limit: 10, leaseMs: 60_000 };
    // Another connection holds the write lock, as the ingest writer thread does most of the time.
    const writer = new Database(path);
    writer.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    expect(await m.leaseDeliveries(query)).toEqual([]);
    // A BEGIN IMMEDIATE would have waited out the busy timeout (10 s) and failed.
    expect(Date.now() - started).toBeLessThan(2_000);
    writer.exec('COMMIT');
    writer.close();
    await m.enqueueDeliveries([{ id: 'x1', destinationId: 'd1', profileKey: 'p1', kind: 'message', payload: { n: 1 }, createdAt: now }]);
    expect((await m.leaseDeliveries(query)).map((d) => d.id)).toEqual(['x1']);
    await store.close();
  });
});

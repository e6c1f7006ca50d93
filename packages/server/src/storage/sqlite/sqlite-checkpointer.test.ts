import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from './sqlite-checkpointer.ts';
import { createSqliteStore } from './sqlite-store.ts';
import type { Store } from '../storage.ts';

const at = '2026-11-29T10:00:00.000Z';

async function writeSources(store: Store, count: number): Promise<void> {
  for (let i = 0; i < count; i++)
    await store.createSource({ name: `source-${i}-${'x'.repeat(200)}`, writeKeyHash: `hash-${i}`, createdAt: at });
}

describe('checkpoint thread', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kin-ckpt-'));
    path = join(dir, 'kin.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the writer with checkpoint "external" leaves the WAL alone; the thread copies it into the database file', async () => {
    const store = createSqliteStore({ path, checkpoint: 'external' });
    await store.migrate();
    await writeSources(store, 300);
    const before = statSync(path).size;
    // Without the thread nothing reaches the database file, however long we wait.
    await new Promise((r) => setTimeout(r, 300));
    expect(statSync(path).size).toBe(before);
    const checkpointer = await startCheckpointer(path, { intervalMs: 20 });
    try {
      const deadline = Date.now() + 5_000;
      while (statSync(path).size === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(statSync(path).size).toBeGreaterThan(before);
      expect((await store.listSources()).length).toBe(300);
    } finally {
      await checkpointer.close();
      await store.close();
    }
  });
});

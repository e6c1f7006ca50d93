/**
 * FEBRL 1 through the whole path: `kin import` (rec_id only as the record key, soc_sec_id ignored) →
 * `kin match run` → the identity graph. The partition of records into live profiles is scored against
 * the truth encoded in rec_id — proving the import → match → graph path, not just the engine.
 */
import { DEFAULT_POLICY } from '@kin/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizerFor } from '../identity/policy-load.ts';
import { importFile } from '../import/import-file.ts';
import { systemClock } from '../ports/clock.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { scoreClustering } from './cluster-metrics.ts';
import { readCsvFile } from './csv-table.ts';
import { hasSharedData, sharedDataPath } from './data-paths.ts';
import { runMatch } from './match-run.ts';
import { truthLabel } from './truth-labels.ts';
import { createIdGenerator } from '../ports/ids.ts';

const dir = mkdtempSync(join(tmpdir(), 'kin-febrl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasSharedData())('FEBRL 1 through import, match and the graph', () => {
  it('partitions the records into profiles with pairwise F1 >= 0.99', async () => {
    const file = sharedDataPath('febrl/dataset1.csv');
    const store = await openSqliteStore({ path: join(dir, 'febrl.db') });
    try {
      const imported = await importFile({
        file,
        source: 'febrl',
        store,
        policy: DEFAULT_POLICY,
        normalize: normalizerFor(DEFAULT_POLICY),
        mapping: { rec_id: 'record_id', soc_sec_id: 'ignore' },
      });
      expect(imported).toMatchObject({ rows: 1000, imported: 1000, rejected: 0 });
      expect((await store.stats()).profiles).toBe(1000);

      const run = await runMatch({ store, policy: DEFAULT_POLICY, clock: systemClock, ids: createIdGenerator() });
      expect(run.profiles).toBe(1000);

      const table = await readCsvFile(file);
      const at = table.headers.indexOf('rec_id');
      const predicted: string[] = [];
      const truth: string[] = [];
      for (const row of table.rows) {
        const recId = row[at] ?? '';
        predicted.push((await store.findProfileIdByIdentifier({ type: 'record', value: `febrl:${recId}` })) ?? `missing:${recId}`);
        truth.push(truthLabel(recId));
      }
      const score = scoreClustering(predicted, truth);
      process.stdout.write(
        `FEBRL1 through the graph: ${JSON.stringify({ ...score.pairwise, merges: run.merges, queued: run.queued, seconds: run.seconds })}\n`,
      );
      expect(score.pairwise.f1).toBeGreaterThanOrEqual(0.99);
      expect((await store.stats()).profiles).toBe(1000 - run.merges);
    } finally {
      await store.close();
    }
  });
});

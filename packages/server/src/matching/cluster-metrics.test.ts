import { describe, expect, it } from 'vitest';
import { scoreClustering, truePairs } from './cluster-metrics.ts';
import { readCsvFile } from './csv-table.ts';
import { hasSharedData, sharedDataPath } from './data-paths.ts';

describe('scoreClustering', () => {
  it('scores a small clustering by hand', () => {
    // truth {0,1,2} {3}; predicted {0,1} {2,3}
    const s = scoreClustering(['a', 'a', 'b', 'b'], ['x', 'x', 'x', 'y']);
    expect(s.pairwise).toMatchObject({ tp: 1, fp: 1, fn: 2, precision: 0.5, recall: 1 / 3 });
    expect(s.clusters).toBe(2);
    expect(s.largestCluster).toBe(2);
    expect(s.b3.precision).toBeCloseTo((1 + 1 + 0.5 + 0.5) / 4);
  });

  it('counts only cross-source pairs when linking', () => {
    const s = scoreClustering(['a', 'a', 'a'], ['x', 'x', 'x'], ['s1', 's1', 's2']);
    expect(s.pairwise).toMatchObject({ tp: 2, fp: 0, fn: 0 });
    expect(truePairs(['x', 'x', 'x'], ['s1', 's1', 's2'])).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });

  it.skipIf(!hasSharedData())('reproduces the published dedupe output scores', async () => {
    const input = await readCsvFile(sharedDataPath('dedupe-csv-example/csv_example_input_with_true_ids.csv'));
    const output = await readCsvFile(sharedDataPath('dedupe-csv-example/dedupe_output_2021_471f895.csv'));
    const idAt = input.headers.indexOf('Id');
    const trueAt = input.headers.indexOf('True Id');
    const truthById = new Map(input.rows.map((r) => [r[idAt] ?? '', r[trueAt] ?? '']));
    const outId = output.headers.indexOf('Id');
    const clusterAt = output.headers.indexOf('Cluster ID');
    expect(output.rows).toHaveLength(3337);
    const predicted = output.rows.map((r) => r[clusterAt] ?? '');
    const truth = output.rows.map((r) => truthById.get(r[outId] ?? '') ?? '');
    const s = scoreClustering(predicted, truth);
    expect(s.pairwise.tp).toBe(4353);
    expect(s.pairwise.precision).toBeCloseTo(0.9884, 4);
    expect(s.pairwise.recall).toBeCloseTo(0.6587, 4);
    expect(s.pairwise.f1).toBeCloseTo(0.7906, 4);
    expect(s.b3.precision).toBeCloseTo(0.9937, 4);
    expect(s.b3.recall).toBeCloseTo(0.7647, 4);
    expect(s.b3.f1).toBeCloseTo(0.8643, 4);
    expect(s.clusters).toBe(1618);
  });
});

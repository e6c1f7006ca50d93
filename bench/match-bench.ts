/**
 * Matching benchmark: F1 / precision / recall / seconds on the shared record-linkage data sets
 * (unsupervised, fixed thresholds), each with a baseline from the same run — the time to merely parse
 * the CSV — so ratios, not only absolute times, are reported. `--scale N` matches N generated person
 * records and compares throughput with exhaustive comparison on a sample.
 *
 * Beside the public sets, sparse multi-source customer files from the seeded generator
 * (`generateCustomers`: ~150 and ~2,200 records). Every figure is printed next to the figures recorded
 * in bench/match-figures.json (the previous recorded run, with its commit) and next to published
 * figures of other tools where there are any; `--save` records this run's figures there.
 *
 *   node --import tsx bench/match-bench.ts [--only febrl3,customers-150] [--scale 1000000] [--incremental 1000000] [--save]
 *   node --import tsx bench/match-bench.ts [--incremental-store 1000000 [--store-db DIR]] [--import-match 20000]   (match-store-bench.ts)
 *   (`npm run bench:match` runs node with `--expose-gc`, so `--incremental-store` collects the generated profiles before it times the arrivals)
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hasSharedData } from '../packages/server/src/matching/data-paths.ts';
import { arg } from './match-bench-format.ts';
import { runIncremental, runScale } from './match-scale-bench.ts';
import { FIGURES_FILE, runDataSets } from './match-sets-bench.ts';

const scale = arg('--scale');
const incremental = arg('--incremental');
const incrementalStore = arg('--incremental-store');
const importMatch = arg('--import-match');
if (incrementalStore !== undefined || importMatch !== undefined) {
  const { runImportMatch, runIncrementalStore } = await import('./match-store-bench.ts');
  const out: Record<string, unknown> = {};
  if (incrementalStore !== undefined) out['incrementalStore'] = await runIncrementalStore(Number(incrementalStore), arg('--store-db'));
  if (importMatch !== undefined) out['importMatch'] = await runImportMatch(Number(importMatch));
  console.log(JSON.stringify(out));
} else if (incremental !== undefined) {
  console.log(JSON.stringify({ incremental: runIncremental(Number(incremental)) }));
} else if (scale !== undefined) {
  console.log(JSON.stringify({ scale: runScale(Number(scale)) }));
} else if (!hasSharedData()) {
  console.log('shared data not found beside the repository (../shared/data); nothing to run');
} else {
  const results = await runDataSets();
  console.log(JSON.stringify(results));
  if (process.argv.includes('--save')) {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const sets = Object.fromEntries(
      Object.entries(results).map(([name, r]) => {
        const x = r as { f1: number; precision: number; recall: number };
        return [name, { f1: x.f1, precision: x.precision, recall: x.recall }];
      }),
    );
    writeFileSync(FIGURES_FILE, `${JSON.stringify({ commit, sets }, null, 2)}\n`);
  }
}

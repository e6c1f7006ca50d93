/**
 * The match benchmark on the shared record-linkage data sets and the generated sparse customer sets: F1,
 * precision, recall and seconds, each set with the time to merely parse its CSV as the same-run baseline,
 * beside the figures recorded in match-figures.json and published figures of other tools. Run by
 * match-bench.ts (no flag, or `--only`).
 */
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { generateCustomers, type MatchRecord } from '../packages/core/src/matching/index.ts';
import { readCsvFile } from '../packages/server/src/matching/csv-table.ts';
import { sharedDataPath } from '../packages/server/src/matching/data-paths.ts';
import { evaluateFiles, evaluateRecords, type EvaluationReport } from '../packages/server/src/matching/match-evaluate.ts';
import { arg, fmt } from './match-bench-format.ts';

interface BenchSet {
  readonly name: string;
  readonly file: string;
  readonly ignoreColumns?: readonly string[];
  readonly mapping?: Readonly<Record<string, string>>;
  readonly target: { readonly f1: number; readonly precision?: number };
}

// soc_sec_id is a near-shared key; the benchmark is about linking without shared keys.
const SETS: readonly BenchSet[] = [
  { name: 'febrl3', file: 'febrl/dataset3.csv', ignoreColumns: ['soc_sec_id'], target: { f1: 0.99 } },
  { name: 'febrl1', file: 'febrl/dataset1.csv', ignoreColumns: ['soc_sec_id'], target: { f1: 0.995 } },
  { name: 'febrl2', file: 'febrl/dataset2.csv', ignoreColumns: ['soc_sec_id'], target: { f1: 0.995 } },
  { name: 'fake_1000', file: 'splink/fake_1000.csv', target: { f1: 0.9 } },
  { name: 'rldata10000', file: 'rldata/RLdata10000.csv', target: { f1: 0.98 } },
  // No mapping: "Site name" must be recognised as the organisation's name from the header alone.
  { name: 'dedupe-example', file: 'dedupe-csv-example/csv_example_input_with_true_ids.csv', target: { f1: 0.85, precision: 0.95 } },
];

/** Generated sparse customer sets: entity count and seed, fixed in advance. */
const GENERATED: readonly {
  readonly name: string;
  readonly entities: number;
  readonly seed: number;
  readonly target: { readonly f1: number };
}[] = [
  { name: 'customers-150', entities: 70, seed: 19, target: { f1: 0.9 } },
  { name: 'customers-2k', entities: 1000, seed: 20, target: { f1: 0.9 } },
];

/** Published pairwise F1 of other tools on the same data (source in the comment). */
const PEERS: Readonly<Record<string, string>> = {
  // dedupe_output_2021_471f895.csv in the shared data, scored against True Id (see its README).
  'dedupe-example': 'dedupe 0.7906',
};

/** Published figures on held-out sets this benchmark cannot run (quoted in issue 19). */
const HELD_OUT_PEERS = 'Splink 0.76 pairwise F1 on the 50,000-record historical people set (Kin 0.67 before issue 19)';

export const FIGURES_FILE = new URL('./match-figures.json', import.meta.url);

interface RecordedFigures {
  readonly commit: string;
  readonly sets: Readonly<Record<string, { readonly f1: number; readonly precision: number; readonly recall: number }>>;
}

function recordedFigures(): RecordedFigures | undefined {
  try {
    return JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as RecordedFigures;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) of this process so far: wall time on a shared machine overstates cost. */
function cpuSecondsSinceStart(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export async function runDataSets(): Promise<Record<string, unknown>> {
  const only = arg('--only')?.split(',');
  const results: Record<string, unknown> = {};
  const previous = recordedFigures();
  const before = (name: string): string => {
    const f = previous?.sets[name];
    return f === undefined ? '   -  ' : fmt(f.f1);
  };
  console.log(`previous figures: ${previous === undefined ? 'none recorded' : `commit ${previous.commit}`}`);
  console.log('set              F1      P       R       sec    cpu-sec  parse-sec  ratio  PC      before  target          peers');
  for (const set of SETS) {
    if (only !== undefined && !only.includes(set.name)) continue;
    const path = sharedDataPath(set.file);
    const cpuStart = process.cpuUsage();
    const report = await evaluateFiles({
      files: [path],
      ...(set.ignoreColumns !== undefined ? { ignoreColumns: set.ignoreColumns } : {}),
      ...(set.mapping !== undefined ? { mapping: set.mapping } : {}),
    });
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const sinceStart = performance.now() / 1000;
    const cpuSinceStart = cpuSecondsSinceStart();
    const parseStart = performance.now();
    await readCsvFile(path);
    const parseSeconds = (performance.now() - parseStart) / 1000;
    const p = report.pairwise;
    const ok = p.f1 >= set.target.f1 && p.precision >= (set.target.precision ?? 0);
    console.log(
      `${set.name.padEnd(16)} ${fmt(p.f1)}  ${fmt(p.precision)}  ${fmt(p.recall)}  ${fmt(report.seconds, 2).padStart(5)}  ${fmt(cpuSeconds, 2).padStart(7)}  ${fmt(parseSeconds, 3).padStart(9)}  ${fmt(report.seconds / parseSeconds, 0).padStart(5)}x  ${fmt(report.blocking.pairCompleteness)}  ${before(set.name)}  ${ok ? 'met' : 'MISSED'} (F1>=${set.target.f1})  ${PEERS[set.name] ?? ''}`,
    );
    if (set.name === 'febrl3' && (only === undefined || only[0] === 'febrl3'))
      console.log(`febrl3 including process start-up: ${fmt(sinceStart, 2)} s wall, ${fmt(cpuSinceStart, 2)} s CPU`);
    results[set.name] = {
      f1: p.f1,
      precision: p.precision,
      recall: p.recall,
      seconds: report.seconds,
      cpuSeconds,
      parseSeconds,
      pairCompleteness: report.blocking.pairCompleteness,
      reductionRatio: report.blocking.reductionRatio,
      ...(set.name === 'febrl3' ? { wallIncludingStartup: sinceStart, cpuIncludingStartup: cpuSinceStart } : {}),
    };
  }
  for (const set of GENERATED) {
    if (only !== undefined && !only.includes(set.name)) continue;
    if (set === GENERATED[0]) console.log(`peers on sets not in ../shared/data: ${HELD_OUT_PEERS}`);
    const report = evaluateGenerated(set.entities, set.seed);
    const p = report.pairwise;
    const trueLargest = report.trueLargestCluster;
    const ok = p.f1 >= set.target.f1 && report.largestCluster <= trueLargest;
    console.log(
      `${set.name.padEnd(16)} ${fmt(p.f1)}  ${fmt(p.precision)}  ${fmt(p.recall)}  ${fmt(report.seconds, 2).padStart(5)}  records ${report.records}, largest cluster ${report.largestCluster} (true ${trueLargest}), PC ${fmt(report.blocking.pairCompleteness)}  ${before(set.name)}  ${ok ? 'met' : 'MISSED'} (F1>=${set.target.f1}, largest<=true)`,
    );
    results[set.name] = {
      f1: p.f1,
      precision: p.precision,
      recall: p.recall,
      seconds: report.seconds,
      largestCluster: report.largestCluster,
      trueLargestCluster: trueLargest,
      pairCompleteness: report.blocking.pairCompleteness,
    };
  }
  return results;
}

/** Matches one generated customer set and scores it against its truth. */
function evaluateGenerated(entities: number, seed: number): EvaluationReport & { readonly trueLargestCluster: number } {
  const started = performance.now();
  const set = generateCustomers({ entities, seed });
  const records: MatchRecord[] = set.rows.map((row, i) => ({
    key: `r${String(i).padStart(9, '0')}`,
    source: set.source[i] ?? '',
    values: Object.fromEntries(set.headers.map((h, c) => [h, row[c] ?? ''])),
  }));
  const truth = set.entity.map(String);
  const sizes = new Map<string, number>();
  for (const t of truth) sizes.set(t, (sizes.get(t) ?? 0) + 1);
  const report = evaluateRecords({ records, truth, truthColumn: 'entity', headers: set.headers, started });
  return { ...report, trueLargestCluster: Math.max(...sizes.values()) };
}

/**
 * The match benchmark at scale (`--scale N`: N generated people matched in one run, beside exhaustive
 * comparison of a sample) and incremental (`--incremental N`: one arrival matched against N indexed
 * records, beside adding it without matching). Run by match-bench.ts.
 */
import { performance } from 'node:perf_hooks';
import {
  detectColumnRoles,
  createIncrementalMatcher,
  generatePeople,
  matchRecords,
  modelParameters,
  prepareRecords,
  type MatchRecord,
} from '../packages/core/src/matching/index.ts';
import { scoreClustering } from '../packages/server/src/matching/cluster-metrics.ts';
import { fmt } from './match-bench-format.ts';

/** Exhaustive comparison of every pair in a sample: the baseline throughput blocking is measured against. */
function exhaustivePairsPerSecond(records: readonly MatchRecord[], roles: ReturnType<typeof detectColumnRoles>): number {
  const sample = records.slice(0, 1500);
  const prepared = prepareRecords(sample, roles);
  const started = performance.now();
  let pairs = 0;
  let sink = 0;
  for (let i = 0; i < sample.length; i++)
    for (let j = i + 1; j < sample.length; j++) {
      for (const f of prepared.features) sink += f.compare(i, j);
      pairs++;
    }
  if (sink === -1) console.log('unreachable');
  return pairs / ((performance.now() - started) / 1000);
}

export function runScale(count: number): Record<string, unknown> {
  const genStart = performance.now();
  const people = generatePeople({ count, seed: 7 });
  const records: MatchRecord[] = people.rows.map((row, i) => ({
    key: `r${String(i).padStart(9, '0')}`,
    values: Object.fromEntries(people.headers.map((h, c) => [h, row[c] ?? ''])),
  }));
  const genSeconds = (performance.now() - genStart) / 1000;
  const roles = detectColumnRoles(people.headers);
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let last = started;
  const phases: string[] = [];
  const result = matchRecords({
    records,
    roles,
    onPhase: (phase) => {
      const now = performance.now();
      phases.push(`${phase} ${fmt((now - last) / 1000, 1)}s`);
      last = now;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
  const labelOf = new Map<string, string>();
  result.clusters.forEach((c, k) => c.forEach((key) => labelOf.set(key, `c${k}`)));
  const score = scoreClustering(
    records.map((r) => labelOf.get(r.key) ?? r.key),
    people.entity.map(String),
  );
  const pairsPerSecond = result.blocking.candidatePairs / seconds;
  const exhaustive = exhaustivePairsPerSecond(records, roles);
  const exhaustiveSeconds = result.blocking.totalPairs / exhaustive;
  const peakMB = process.resourceUsage().maxRSS / 1024;
  console.log(
    `scale ${count} records: generated in ${fmt(genSeconds, 1)} s, matched in ${fmt(seconds, 1)} s wall / ${fmt(cpuSeconds, 1)} s CPU, peak RSS ${fmt(peakMB, 0)} MB`,
  );
  console.log(
    `  ${result.blocking.candidatePairs} candidate pairs, ${fmt(pairsPerSecond, 0)} pairs/s end to end; exhaustive comparison ${fmt(exhaustive, 0)} pairs/s would need ${fmt(exhaustiveSeconds / 3600, 1)} h (${fmt(exhaustiveSeconds / seconds, 0)}x slower)`,
  );
  console.log(`  phases: ${phases.join(', ')}`);
  console.log(
    `  F1 ${fmt(score.pairwise.f1)} P ${fmt(score.pairwise.precision)} R ${fmt(score.pairwise.recall)}; rules ${result.blocking.rules.join(', ')}`,
  );
  return { records: count, seconds, cpuSeconds, pairsPerSecond, peakMB, f1: score.pairwise.f1, exhaustivePairsPerSecond: exhaustive };
}

/**
 * One arriving record matched against `count` stored ones (incremental matching): the model is learnt
 * once on the first 20,000 records, the index is filled, then 1,000 further generated records (about a
 * third of them corrupted copies of stored people) are matched one by one. Baseline in the same run:
 * the time to add a record to the index without matching it.
 */
export function runIncremental(count: number): Record<string, unknown> {
  const people = generatePeople({ count: count + 1000, seed: 7 });
  const toRecord = (row: readonly string[], i: number): MatchRecord => ({
    key: `r${String(i).padStart(9, '0')}`,
    values: Object.fromEntries(people.headers.map((h, c) => [h, row[c] ?? ''])),
  });
  const records = people.rows.map(toRecord);
  const roles = detectColumnRoles(people.headers);
  const model = matchRecords({ records: records.slice(0, Math.min(count, 20_000)), roles }).model;
  const matcher = createIncrementalMatcher({ roles, parameters: modelParameters(model) });
  const addStart = performance.now();
  for (let i = 0; i < count; i += 10_000) matcher.add(records.slice(i, Math.min(count, i + 10_000)));
  const addMs = (performance.now() - addStart) / count;
  // Warm-up (JIT): 200 stored records matched first, unmeasured.
  for (let q = 0; q < Math.min(200, count); q++) matcher.match(records[q] as MatchRecord);
  const latencies: number[] = [];
  const cpu: number[] = [];
  let found = 0;
  let duplicates = 0;
  let wrong = 0;
  for (let q = count; q < count + 1000; q++) {
    const record = records[q] as MatchRecord;
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const result = matcher.match(record);
    const used = process.cpuUsage(cpuStart);
    latencies.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
    const entity = people.entity[q];
    const stored = people.entity.slice(0, count).includes(entity ?? -1);
    if (stored) duplicates++;
    if (result.links.some((link) => people.entity[Number(link.key.slice(1))] === entity)) found++;
    wrong += result.links.filter((link) => people.entity[Number(link.key.slice(1))] !== entity).length;
  }
  latencies.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const at = (list: readonly number[], p: number): number => list[Math.min(list.length - 1, Math.floor(p * list.length))] ?? 0;
  const pct = (p: number): number => at(latencies, p);
  const peakMB = process.resourceUsage().maxRSS / 1024;
  console.log(
    `incremental: 1 record vs ${count} stored: wall p50 ${fmt(pct(0.5), 2)} ms, p99 ${fmt(pct(0.99), 2)} ms; CPU p50 ${fmt(at(cpu, 0.5), 2)} ms, p99 ${fmt(at(cpu, 0.99), 2)} ms (target p99 < 10 ms); adding a record to the index ${fmt(addMs, 3)} ms (ratio p50 / add ${fmt(pct(0.5) / addMs, 1)}x)`,
  );
  console.log(
    `  ${duplicates} of 1,000 arriving records have a stored duplicate; ${found} linked to a true duplicate; ${wrong} links to a wrong record; peak RSS ${fmt(peakMB, 0)} MB`,
  );
  return {
    stored: count,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    cpuP50Ms: at(cpu, 0.5),
    cpuP99Ms: at(cpu, 0.99),
    addMs,
    duplicates,
    found,
    wrong,
    peakMB,
  };
}

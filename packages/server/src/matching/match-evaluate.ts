/**
 * Evaluation harness: read CSV files, strip truth and ignored columns, hand the engine opaque keys,
 * then score its clusters against the truth. The engine never sees ids or answers.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  detectColumnRoles,
  mappingProblems,
  matchRecords,
  type MatchOptions,
  type MatchRecord,
  type MatchResult,
} from '@kin/core/matching/index.ts';
import { scoreClustering, truePairs, type ClusteringScore } from './cluster-metrics.ts';
import { readCsvFile } from './csv-table.ts';
import { formatModelReport, nothingLinkedReason } from './match-model-report.ts';
import { detectTruthColumn, truthLabel } from './truth-labels.ts';

/** Options of {@link evaluateFiles}. */
export interface EvaluateOptions {
  readonly files: readonly string[];
  /** Truth column name; default detection: cluster, ent_id, True Id, rec_id (FEBRL). */
  readonly truthColumn?: string;
  /** Columns removed before matching (case-insensitive). */
  readonly ignoreColumns?: readonly string[];
  /** Column → role overrides, as an object or a path to a JSON file. */
  readonly mapping?: Readonly<Record<string, string>> | string;
  /** Link records across files instead of deduplicating their union. */
  readonly link?: boolean;
  /** Engine settings (thresholds, budget, seed). */
  readonly engine?: Omit<MatchOptions, 'records' | 'roles' | 'mode'>;
}

/** Scores plus blocking quality and cost of one evaluation. */
export interface EvaluationReport extends ClusteringScore {
  readonly truthColumn: string;
  readonly blocking: {
    readonly rules: readonly string[];
    readonly candidatePairs: number;
    readonly pairCompleteness: number;
    readonly reductionRatio: number;
  };
  readonly lambda: number;
  readonly seconds: number;
  readonly peakMemoryMB: number;
  readonly result: MatchResult;
}

/** A mapping that names columns the files lack or roles the matcher does not know. */
export class MappingError extends Error {}

/** The opaque key of the record at a (0-based) position of the evaluated files. */
export function evaluationKey(position: number): string {
  return `r${String(position).padStart(9, '0')}`;
}

/** Loads a mapping given inline or as a JSON file path. */
export async function loadMapping(mapping: EvaluateOptions['mapping']): Promise<Readonly<Record<string, string>> | undefined> {
  if (mapping === undefined || typeof mapping !== 'string') return mapping;
  const parsed: unknown = JSON.parse(await readFile(mapping, 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`mapping ${mapping}: expected a JSON object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') throw new Error(`mapping ${mapping}: role of "${k}" must be a string`);
    out[k] = v;
  }
  return out;
}

/** Runs the engine on the files and scores it against their truth column. */
export async function evaluateFiles(options: EvaluateOptions): Promise<EvaluationReport> {
  const started = performance.now();
  const mapping = await loadMapping(options.mapping);
  const ignore = new Set((options.ignoreColumns ?? []).map((c) => c.trim().toLowerCase()));
  const records: MatchRecord[] = [];
  const truth: string[] = [];
  const headers = new Set<string>();
  let truthColumn: string | undefined;
  for (const file of options.files) {
    const table = await readCsvFile(file);
    const column = detectTruthColumn(table.headers, options.truthColumn);
    if (column === undefined) {
      throw new Error(
        options.truthColumn !== undefined
          ? `${file}: no column "${options.truthColumn}" (columns: ${table.headers.join(', ')})`
          : `${file}: no truth column (name one with --truth-column; columns: ${table.headers.join(', ')})`,
      );
    }
    truthColumn = column;
    const truthAt = table.headers.indexOf(column);
    const kept = table.headers.map((h, at) => ({ h, at })).filter(({ h, at }) => at !== truthAt && !ignore.has(h.trim().toLowerCase()));
    for (const { h } of kept) headers.add(h);
    const source = basename(file);
    for (const row of table.rows) {
      const values: Record<string, string> = {};
      for (const { h, at } of kept) values[h] = row[at] ?? '';
      // Opaque, zero-padded keys: sorting them keeps file order, and they reveal nothing.
      records.push({ key: evaluationKey(records.length), source, values });
      truth.push(truthLabel(row[truthAt]));
    }
  }
  return evaluateRecords({
    records,
    truth,
    truthColumn: truthColumn ?? '',
    headers: [...headers],
    mapping,
    link: options.link === true,
    engine: options.engine,
    started,
  });
}

/** Options of {@link evaluateRecords}: records with their truth labels, already read. */
export interface EvaluateRecordsOptions {
  readonly records: readonly MatchRecord[];
  /** True entity label of each record, in record order. */
  readonly truth: readonly string[];
  readonly truthColumn: string;
  readonly headers: readonly string[];
  readonly mapping?: Readonly<Record<string, string>> | undefined;
  readonly link?: boolean;
  readonly engine?: EvaluateOptions['engine'];
  /** `performance.now()` when reading began (default: now). */
  readonly started?: number;
}

/** Runs the engine on records in memory (a generated set, or files already read) and scores it. */
export function evaluateRecords(options: EvaluateRecordsOptions): EvaluationReport {
  const started = options.started ?? performance.now();
  const { records, truth } = options;
  if (options.mapping !== undefined) {
    const problems = mappingProblems(options.mapping, options.headers);
    if (problems.length > 0) throw new MappingError(`mapping: ${problems.join('; ')}`);
  }
  const roles = detectColumnRoles(options.headers, options.mapping);
  const result = matchRecords({ ...options.engine, records, roles, mode: options.link === true ? 'link' : 'dedupe' });

  const labelOf = new Map<string, string>();
  result.clusters.forEach((cluster, c) => {
    for (const key of cluster) labelOf.set(key, `c${c}`);
  });
  const predicted = records.map((r) => labelOf.get(r.key) ?? r.key);
  const crossOnly = options.link === true ? records.map((r) => r.source ?? '') : undefined;
  const score = scoreClustering(predicted, truth, crossOnly);
  const pairs = truePairs(truth, crossOnly);
  let covered = 0;
  for (const [i, j] of pairs) if (result.isCandidatePair(records[i]?.key ?? '', records[j]?.key ?? '')) covered++;
  return {
    ...score,
    truthColumn: options.truthColumn,
    blocking: {
      rules: result.blocking.rules,
      candidatePairs: result.blocking.candidatePairs,
      pairCompleteness: pairs.length === 0 ? 1 : covered / pairs.length,
      reductionRatio: result.blocking.totalPairs === 0 ? 1 : 1 - result.blocking.candidatePairs / result.blocking.totalPairs,
    },
    lambda: result.model.lambda,
    seconds: (performance.now() - started) / 1000,
    peakMemoryMB: process.resourceUsage().maxRSS / 1024,
    result,
  };
}

/** The report as printed lines (scores, blocking, the model report); the last line is one JSON object for scripts. */
export function formatReport(report: EvaluationReport): string[] {
  const f = (x: number): string => x.toFixed(4);
  const p = report.pairwise;
  return [
    `records           ${report.records} (truth column: ${report.truthColumn})`,
    `pairwise          P ${f(p.precision)}  R ${f(p.recall)}  F1 ${f(p.f1)}  (TP ${p.tp}, FP ${p.fp}, FN ${p.fn})`,
    `b-cubed           P ${f(report.b3.precision)}  R ${f(report.b3.recall)}  F1 ${f(report.b3.f1)}`,
    `blocking          pair completeness ${f(report.blocking.pairCompleteness)}, reduction ratio ${report.blocking.reductionRatio.toFixed(6)}, ${report.blocking.candidatePairs} candidate pairs`,
    `blocking rules    ${report.blocking.rules.join(', ')}`,
    `clusters          ${report.clusters} (largest ${report.largestCluster})`,
    `links             ${report.result.links.length} (${report.result.entityLinks} joined clusters by their accumulated evidence)`,
    `time, memory      ${report.seconds.toFixed(2)} s wall, ${report.peakMemoryMB.toFixed(0)} MB peak RSS`,
    ...formatModelReport(report.result, report.records),
    JSON.stringify({
      records: report.records,
      pairwise: { precision: p.precision, recall: p.recall, f1: p.f1, tp: p.tp, fp: p.fp, fn: p.fn },
      b3: { precision: report.b3.precision, recall: report.b3.recall, f1: report.b3.f1 },
      clusters: report.clusters,
      largestCluster: report.largestCluster,
      seconds: report.seconds,
      nothingLinked: nothingLinkedReason(report.result, report.records) ?? null,
    }),
  ];
}

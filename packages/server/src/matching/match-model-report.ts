/**
 * The model report of a match (`kin match run --explain-model`, and part of `kin match eval`): each
 * comparison level's m, u and Bayes factor, whether they came from Kin's priors or from this data, and,
 * when nothing was linked, why.
 */
import type { MatchResult } from '@kin/core/matching/index.ts';

/** Where a parameter came from, from the share the data had in it. */
function origin(dataShare: number, hasPrior: boolean): string {
  if (!hasPrior) return 'data';
  if (dataShare < 0.1) return 'prior';
  if (dataShare > 0.9) return 'data';
  return `prior+data (${Math.round(dataShare * 100)} % data)`;
}

function fixed(x: number, digits: number): string {
  return x.toFixed(digits);
}

/** Why a match linked nothing, or `undefined` when it linked something. */
export function nothingLinkedReason(result: MatchResult, records: number): string | undefined {
  if (result.links.length > 0) return undefined;
  if (records < 2) return 'fewer than two records';
  const features = result.model.features;
  if (features.length === 0) return 'no column the matcher can compare (map columns to roles with --map)';
  if (features.length === 1)
    return `only one comparable field (${features[0]?.name ?? ''}): one field alone is never enough evidence to link`;
  if (result.blocking.candidatePairs === 0) {
    const skipped = result.blocking.considered.filter((c) => c.pairs === 0).length;
    return `no candidate pairs: every blocking key is missing or shared by too many records (${skipped} rules skipped; identical rows?)`;
  }
  return `no pair reached the link threshold ${result.model.linkThreshold} (${result.reviews.length} pairs for review)`;
}

/** The model as printed lines. */
export function formatModelReport(result: MatchResult, records: number): string[] {
  const model = result.model;
  const lines = [
    `model             λ ${model.lambda.toExponential(3)} (prior log2 odds ${fixed(Math.log2(model.lambda / (1 - model.lambda)), 2)}, from ${origin(model.lambdaDataShare, true)}); link at p >= ${model.linkThreshold}, review at p >= ${model.reviewThreshold}`,
    `training rules    ${model.trainingRules.length > 0 ? model.trainingRules.join(', ') : 'none (too few pairs to learn from: priors used as shipped)'}`,
    `one error only    +${fixed(model.singleDisagreementBonus ?? 0, 2)} log2 for pairs exact on every compared field but at most one (3+ fields; learnt from the file, 0 where errors come in bunches)`,
    'field / level                         m         u          Bayes factor   log2    m from / u from',
  ];
  for (const f of model.features) {
    const from = `${origin(f.mDataShare, f.hasPrior)} / ${origin(f.uDataShare, f.hasPrior)}`;
    f.levels.forEach((l, i) => {
      const name = `${i === 0 ? f.name : ''.padEnd(f.name.length)} ${l.level}`;
      lines.push(
        `  ${name.padEnd(36)}${fixed(l.m, 4).padStart(8)}  ${l.u.toExponential(2).padStart(9)}  ${(2 ** l.weight).toPrecision(3).padStart(12)}  ${fixed(l.weight, 2).padStart(6)}    ${i === 0 ? from : ''}`,
      );
    });
  }
  const reason = nothingLinkedReason(result, records);
  if (reason !== undefined) lines.push(`nothing linked    ${reason}`);
  return lines;
}

/**
 * The chain of evidence that built a record's cluster: each step (a pair linked on its own evidence,
 * or two clusters joined by their accumulated evidence) with its probability and per-field evidence.
 */
export function formatClusterChain(result: MatchResult, key: string, label: (key: string) => string = (k) => k): string[] {
  const steps = result.explainCluster(key);
  if (steps.length === 0) return [`${label(key)} is linked to no other record`];
  const lines = [`cluster of ${label(key)}: ${steps.length + 1} records, joined in ${steps.length} steps`];
  for (const step of steps) {
    const pair = result.explain(step.a, step.b);
    const evidence = (pair?.evidence ?? [])
      .filter((e) => e.level !== 'null')
      .map((e) => `${e.field} ${e.level} ${e.weight >= 0 ? '+' : ''}${fixed(e.weight, 1)}`);
    const how =
      step.via === 'entity'
        ? `clusters joined, accumulated evidence p ${fixed(step.probability, 3)} (this pair alone p ${fixed(pair?.probability ?? 0, 3)})`
        : `pair p ${fixed(step.probability, 3)}`;
    lines.push(`  ${label(step.a)} ~ ${label(step.b)}: ${how}; ${evidence.join(', ')}`);
  }
  return lines;
}

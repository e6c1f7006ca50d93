/**
 * The candidate pairs of the matching engine (match-engine.ts): their level vectors, typo references, the
 * proposal order for entity linking, and the shapes of its answer (evidence, clusters). Apart from the
 * engine so the engine's file reads as its steps.
 */
import { forEachCandidatePair, type BlockIndex } from './blocking-index.ts';
import type { ComparisonFeature, MatchRecord } from './comparison-features.ts';
import type { PairScorer, TypoReference } from './pair-scorer.ts';
import type { FieldEvidence } from './match-result.ts';

/** Kept pairs and weak pairs as one proposal list, strongest first (ties by index). */
export function proposals(
  kept: { left: Int32Array; right: Int32Array; weight: Float64Array },
  weak: { left: number[]; right: number[]; weight: number[] },
): { left: Int32Array; right: Int32Array } {
  const n = kept.left.length + weak.left.length;
  const l = (e: number): number => (e < kept.left.length ? (kept.left[e] ?? 0) : (weak.left[e - kept.left.length] ?? 0));
  const r = (e: number): number => (e < kept.left.length ? (kept.right[e] ?? 0) : (weak.right[e - kept.left.length] ?? 0));
  const w = (e: number): number => (e < kept.left.length ? (kept.weight[e] ?? 0) : (weak.weight[e - kept.left.length] ?? 0));
  const order = Array.from({ length: n }, (_, e) => e);
  order.sort((x, y) => w(y) - w(x) || l(x) - l(y) || r(x) - r(y));
  return { left: Int32Array.from(order, l), right: Int32Array.from(order, r) };
}

/** A scorer's explanation as the per-field evidence of the answer. */
export function evidenceOf(explained: readonly { feature: string; level: string; weight: number }[]): FieldEvidence[] {
  return explained.map((e) => ({ field: e.feature, level: e.level, weight: e.weight }));
}

/** Level vectors of all candidate pairs (the union of the selected blocking rules). */
export function compareCandidates(
  indexes: readonly BlockIndex[],
  features: readonly ComparisonFeature[],
  accept?: (i: number, j: number) => boolean,
): { count: number; left: Int32Array; right: Int32Array; levels: Int8Array } {
  // The summed pair counts bound the union, so buffers are allocated once.
  const bound = indexes.reduce((s, x) => s + x.pairCount, 0);
  const f = features.length;
  const left = new Int32Array(bound);
  const right = new Int32Array(bound);
  const levels = new Int8Array(bound * f);
  let count = 0;
  forEachCandidatePair(
    indexes,
    (i, j) => {
      left[count] = i;
      right[count] = j;
      const at = count * f;
      for (let k = 0; k < f; k++) levels[at + k] = features[k]?.compare(i, j) ?? -1;
      count++;
    },
    accept,
  );
  return { count, left, right, levels };
}

/**
 * Typical log2 count of the rarer value, per feature and typo level, over candidate pairs the
 * unadjusted model links: what a genuine typo looks like in this data (about one record when typos
 * are unique, more when the same typo recurs at scale). Levels with fewer than 20 such pairs get none.
 */
export function typoReferences(
  features: readonly ComparisonFeature[],
  candidates: { count: number; left: Int32Array; right: Int32Array; levels: Int8Array },
  scorer: PairScorer,
  linkWeight: number,
): TypoReference {
  const f = features.length;
  const sums = features.map((x) => (x.typoLevels === undefined ? undefined : new Float64Array(x.levels.length)));
  const counts = features.map((x) => (x.typoLevels === undefined ? undefined : new Float64Array(x.levels.length)));
  if (sums.every((x) => x === undefined)) return [];
  for (let p = 0; p < candidates.count; p++) {
    const i = candidates.left[p] ?? 0;
    const j = candidates.right[p] ?? 0;
    if (scorer.weightFromLevels(candidates.levels, p * f, i, j) < linkWeight) continue;
    for (let k = 0; k < f; k++) {
      const sum = sums[k];
      const count = counts[k];
      const l = candidates.levels[p * f + k] ?? -1;
      if (sum === undefined || count === undefined || l <= 0) continue;
      sum[l] = (sum[l] ?? 0) + scorer.rarerValueLogCount(k, i, j);
      count[l] = (count[l] ?? 0) + 1;
    }
  }
  return features.map((feature, k) => {
    const sum = sums[k];
    const count = counts[k];
    if (sum === undefined || count === undefined) return undefined;
    return feature.levels.map((_, l) =>
      feature.typoLevels?.includes(l) === true && (count[l] ?? 0) >= 20 ? (sum[l] ?? 0) / (count[l] ?? 1) : undefined,
    );
  });
}

/** The number of record pairs whose two records come from different sources (the pairs of link mode). */
export function crossSourcePairs(sources: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const s of sources) counts.set(s, (counts.get(s) ?? 0) + 1);
  const n = sources.length;
  let same = 0;
  for (const c of counts.values()) same += (c * (c - 1)) / 2;
  return (n * (n - 1)) / 2 - same;
}

/** The clusters of more than one record, as sorted key lists in first-key order. */
export function clustersOf(clusterOf: Int32Array, records: readonly MatchRecord[]): string[][] {
  const groups = new Map<number, string[]>();
  for (let i = 0; i < clusterOf.length; i++) {
    const root = clusterOf[i] ?? i;
    const key = records[i]?.key ?? '';
    const g = groups.get(root);
    if (g === undefined) groups.set(root, [key]);
    else g.push(key);
  }
  // Records are sorted by key, so each group is already sorted and groups come in first-key order.
  return [...groups.values()].filter((g) => g.length > 1).sort((x, y) => ((x[0] ?? '') < (y[0] ?? '') ? -1 : 1));
}

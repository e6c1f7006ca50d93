/**
 * The matching engine: records in, linked pairs, review pairs and clusters out. Unsupervised and
 * deterministic — records are sorted by key, every sample uses a seeded PRNG, ties break by index.
 *
 * Steps: prepare features → u from random pairs → m by EM per training rule → λ from deterministic
 * rules → choose blocking rules within a pair budget → u again, each random pair weighed by its
 * probability of not matching → score candidate pairs (prior by record kind) → supported clustering
 * → entity-centric linking.
 *
 * Where: learning the model (up to the scorer of candidate pairs) is in match-model.ts, step 2 (m) in
 * match-training.ts, the candidate pairs' helpers in match-pairs.ts, the options and result types in match-result.ts.
 */
import { inSameBlock, ruleName } from './blocking-index.ts';
import { probabilityToWeight, weightToProbability } from './fellegi-sunter.ts';
import { isHardConflict } from './record-conflicts.ts';
import { clusterPairs } from './supported-clustering.ts';
import { linkEntities } from './entity-linking.ts';
import { clustersOf, evidenceOf, proposals } from './match-pairs.ts';
import type { ClusterStep, FieldEvidence, MatchOptions, MatchResult, ReviewPair, ScoredPair } from './match-result.ts';
import { learnModel } from './match-model.ts';

/** Links records without labels (Fellegi–Sunter with EM), then clusters with supported merging. */
export function matchRecords(options: MatchOptions): MatchResult {
  const learnt = learnModel(options);
  const { records, indexOfKey, linking, sources, accept, prepared, selected, considered, candidates, totalPairs } = learnt;
  const { reviewThreshold, linkWeight, scorer } = learnt;
  const n = records.length;
  const f = prepared.features.length;
  const candidatePairs = candidates.count;

  // Keep pairs at or above the review threshold, strongest first.
  const reviewWeight = probabilityToWeight(reviewThreshold);
  const keptLeft: number[] = [];
  const keptRight: number[] = [];
  const keptWeight: number[] = [];
  const hard = (i: number, j: number): boolean => isHardConflict(prepared.conflict(i, j));
  // Records in conflict never share a cluster, whichever pass would join them (record-conflicts.ts).
  const conflicting = (i: number, j: number): boolean => prepared.conflict(i, j) !== undefined;
  // Pairs with positive field evidence below the review weight may still join through their clusters.
  const weakLeft: number[] = [];
  const weakRight: number[] = [];
  const weakWeight: number[] = [];
  for (let p = 0; p < candidates.count; p++) {
    const i = candidates.left[p] ?? 0;
    const w = scorer.weightFromLevels(candidates.levels, p * f, i, candidates.right[p] ?? 0);
    if (w < reviewWeight && w > scorer.priorOf(i, candidates.right[p] ?? 0) && options.entityLinking !== false) {
      weakLeft.push(i);
      weakRight.push(candidates.right[p] ?? 0);
      weakWeight.push(w);
    }
    if (w >= reviewWeight && !hard(i, candidates.right[p] ?? 0)) {
      keptLeft.push(i);
      keptRight.push(candidates.right[p] ?? 0);
      keptWeight.push(w);
    }
  }
  const order = keptWeight.map((_, e) => e);
  order.sort(
    (x, y) =>
      (keptWeight[y] ?? 0) - (keptWeight[x] ?? 0) || (keptLeft[x] ?? 0) - (keptLeft[y] ?? 0) || (keptRight[x] ?? 0) - (keptRight[y] ?? 0),
  );
  const left = Int32Array.from(order, (e) => keptLeft[e] ?? 0);
  const right = Int32Array.from(order, (e) => keptRight[e] ?? 0);
  const weight = Float64Array.from(order, (e) => keptWeight[e] ?? 0);

  options.onPhase?.('score');

  // 5. Clustering.
  const isCandidateIndex = (i: number, j: number): boolean => selected.some((index) => inSameBlock(index, i, j));
  const clustered = clusterPairs({
    size: n,
    left,
    right,
    weight,
    linkWeight,
    reviewWeight,
    supportShare: options.supportShare ?? 0.5,
    // Candidates not kept scored below the review threshold; only non-candidates need scoring.
    pairWeight: (i, j) => (isCandidateIndex(i, j) || hard(i, j) ? Number.NEGATIVE_INFINITY : scorer.weight(i, j)),
    conflict: conflicting,
    clusterConflict: prepared.initialBridge,
    ...(linking && options.oneToOne !== false ? { sourceOf: (i: number) => sources[i] } : {}),
  });

  // 6. Entity-centric pass: clusters compared by their best evidence per field (entity-linking.ts).
  const entity =
    options.entityLinking === false
      ? { clusterOf: clustered.clusterOf, merges: [] }
      : linkEntities({
          size: n,
          clusterOf: clustered.clusterOf,
          ...proposals({ left, right, weight }, { left: weakLeft, right: weakRight, weight: weakWeight }),
          scorer,
          featureCount: f,
          linkWeight,
          reviewWeight,
          eligible: (i) => prepared.isPerson(i),
          // In one-to-one linking two records of one source never share a cluster.
          clusterConflict: prepared.initialBridge,
          hardConflict: linking && options.oneToOne !== false ? (i, j) => conflicting(i, j) || sources[i] === sources[j] : conflicting,
        });
  const clusterOf = entity.clusterOf;

  options.onPhase?.('cluster');

  const links: ScoredPair[] = [];
  const reviews: ReviewPair[] = [];
  const steps: ClusterStep[] = [];
  const keyOf = (i: number): string => records[i]?.key ?? '';
  for (let e = 0; e < left.length; e++) {
    const i = left[e] ?? 0;
    const j = right[e] ?? 0;
    const w = weight[e] ?? 0;
    const pair = { a: keyOf(i), b: keyOf(j), probability: weightToProbability(w), weight: w };
    if (clustered.accepted[e] === 1) {
      links.push(pair);
      if (clustered.joined[e] === 1) steps.push({ ...pair, via: 'pair' });
    } else if ((clusterOf[i] ?? -1) !== (clusterOf[j] ?? -2)) {
      const reason = w < linkWeight ? 'below-link-threshold' : clustered.refusedBySource[e] === 1 ? 'same-source' : 'merge-not-supported';
      reviews.push({ ...pair, reason, evidence: evidenceOf(scorer.explain(i, j)) });
    }
  }

  for (const m of entity.merges) {
    const pair = { a: keyOf(m.i), b: keyOf(m.j), probability: weightToProbability(m.weight), weight: m.weight };
    links.push(pair);
    steps.push({ ...pair, via: 'entity' });
  }

  const explain = (a: string, b: string): (ScoredPair & { evidence: FieldEvidence[] }) | undefined => {
    const x = indexOfKey.get(a);
    const y = indexOfKey.get(b);
    if (x === undefined || y === undefined || x === y) return undefined;
    const [i, j] = x < y ? [x, y] : [y, x];
    const w = scorer.weight(i, j);
    return {
      a: records[i]?.key ?? '',
      b: records[j]?.key ?? '',
      probability: weightToProbability(w),
      weight: w,
      evidence: evidenceOf(scorer.explain(i, j)),
    };
  };

  return {
    links,
    entityLinks: entity.merges.length,
    reviews,
    clusters: clustersOf(clusterOf, records),
    explainCluster(key) {
      const i = indexOfKey.get(key);
      if (i === undefined) return [];
      const root = clusterOf[i];
      return steps.filter((s) => clusterOf[indexOfKey.get(s.a) ?? -1] === root);
    },
    model: learnt.model,
    blocking: { rules: selected.map((s) => ruleName(s.rule)), considered, candidatePairs, totalPairs },
    isCandidatePair(a, b) {
      const i = indexOfKey.get(a);
      const j = indexOfKey.get(b);
      if (i === undefined || j === undefined || i === j) return false;
      if (accept !== undefined && !accept(i, j)) return false;
      return isCandidateIndex(i, j);
    },
    explain,
  };
}

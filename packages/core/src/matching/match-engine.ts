/**
 * The matching engine: records in, linked pairs, review pairs and clusters out. Unsupervised and
 * deterministic — records are sorted by key, every sample uses a seeded PRNG, ties break by index.
 *
 * Steps: prepare features → u from random pairs → m by EM per training rule → λ from deterministic
 * rules → choose blocking rules within a pair budget → u again, each random pair weighed by its
 * probability of not matching → score candidate pairs (prior by record kind) → supported clustering
 * → entity-centric linking.
 *
 * Where: step 2 (m) is in match-training.ts, the candidate pairs' helpers in match-pairs.ts, the options and
 * result types in match-result.ts.
 */
import { inSameBlock, ruleName } from './blocking-index.ts';
import { selectBlockingRules } from './blocking-rules.ts';
import { prepareRecords } from './comparison-features.ts';
import { createScorer, levelWeights } from './pair-scorer.ts';
import {
  estimateU,
  isSureMatch,
  sureRuleApplies,
  pairLevels,
  probabilityToWeight,
  randomPairs,
  weightToProbability,
  type FellegiSunterParameters,
} from './fellegi-sunter.ts';
import { blendLambda, DEFAULT_PRIORS, featurePrior } from './match-priors.ts';
import { isHardConflict } from './record-conflicts.ts';
import { seededRandom } from './seeded-random.ts';
import { clusterPairs } from './supported-clustering.ts';
import { linkEntities } from './entity-linking.ts';
import { singleDisagreementBonus as singleDisagreementBonusOf } from './disagreement-count.ts';
import { kindPrior } from './kind-prior.ts';
import { clustersOf, compareCandidates, crossSourcePairs, evidenceOf, proposals, typoReferences } from './match-pairs.ts';
import type { ClusterStep, FieldEvidence, MatchOptions, MatchResult, ReviewPair, ScoredPair } from './match-result.ts';
import { estimateM } from './match-training.ts';

/** Random pairs for u: enough for rare levels, bounded so start-up stays fast. */
const U_SAMPLE_PAIRS = (n: number): number => Math.min(100_000, Math.max(40_000, 10 * n));
/** Share of true matches assumed to pass the sure-match rule (typos and gaps make many fail it). */
const ASSUMED_SURE_RULE_RECALL = 0.5;

/** Links records without labels (Fellegi–Sunter with EM), then clusters with supported merging. */
export function matchRecords(options: MatchOptions): MatchResult {
  const records = [...options.records].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const n = records.length;
  const indexOfKey = new Map<string, number>();
  records.forEach((r, i) => indexOfKey.set(r.key, i));
  const linking = options.mode === 'link';
  const sources = records.map((r) => r.source ?? '');
  const accept = linking ? (i: number, j: number): boolean => sources[i] !== sources[j] : undefined;
  const linkThreshold = options.linkThreshold ?? 0.95;
  const reviewThreshold = options.reviewThreshold ?? 0.5;
  const maxBlockSize = options.maxBlockSize ?? 500;
  const maxPairs = options.maxPairs ?? Math.max(250_000, 15 * n);
  const random = seededRandom(options.seed ?? 1);

  const prepared = prepareRecords(records, options.roles);
  options.onPhase?.('prepare');
  const features = prepared.features;
  const totalPairs = linking ? crossSourcePairs(sources) : (n * (n - 1)) / 2;

  // 1. u from random pairs.
  const sample = randomPairs(n, Math.min(U_SAMPLE_PAIRS(n), Math.max(1, totalPairs)), random, accept);
  const priors = options.priors === false ? undefined : (options.priors ?? DEFAULT_PRIORS);
  const featurePriors = features.map((feat) => featurePrior(priors, feat, feat.identifier === true));
  const sampleLevels = pairLevels(features, sample.left, sample.right);
  const {
    u,
    present: uPairs,
    seen: uSeen,
  } = estimateU(
    features,
    sampleLevels,
    featurePriors.map((p) => p?.u),
  );

  options.onPhase?.('u');

  // 2. m by EM over training rules (match-training.ts).
  const { m, mDataShare, usedTraining } = estimateM({ prepared, u, featurePriors, maxBlockSize, accept });

  options.onPhase?.('m');

  // 3. Blocking: compare every candidate pair once, keeping its level vector.
  const { selected, considered } = selectBlockingRules(prepared, { maxPairs, maxBlockSize });
  options.onPhase?.('block');
  const candidates = compareCandidates(selected, features, accept);
  const candidatePairs = candidates.count;
  options.onPhase?.('compare');
  const f = features.length;

  // 4. λ from the deterministic sure-match rule and its assumed recall.
  let sure = 0;
  let judged = 0;
  for (let p = 0; p < candidates.count; p++) {
    if (isSureMatch(features, candidates.levels, p * f)) sure++;
    if (sureRuleApplies(features, candidates.levels, p * f)) judged++;
  }
  const { lambda, dataShare: lambdaDataShare } = blendLambda({
    sureMatches: sure,
    judgedPairs: judged,
    assumedRecall: ASSUMED_SURE_RULE_RECALL,
    records: n,
    totalPairs,
    priors,
  });

  const pairPrior = kindPrior(
    lambda,
    Uint8Array.from({ length: n }, (_, i) => prepared.kindOf(i)),
  );
  const parameters = (uk: readonly (readonly number[])[]): FellegiSunterParameters => ({
    lambda,
    features: features.map((feat, k) => ({ name: feat.name, levels: feat.levels, m: m[k] ?? [], u: uk[k] ?? [], uSeen: uSeen[k] ?? [] })),
  });
  // Why a second estimate of u: u is the level distribution among non-matches, and random pairs are
  // nearly all non-matches only in a large file. In 185 records about one random pair in a hundred is a
  // match, and for a field few records have (an organisation's name, an email) the matches are most
  // of the random pairs agreeing on it; so each random pair counts by its probability of not matching.
  // (Measured: fake_1000 0.930 -> 0.942, dedupe example 0.896 -> 0.906, customers-150 0.912 -> 0.924; a
  // second round changed no set by more than 0.001.)
  const first = createScorer(prepared, parameters(u), undefined, { termFrequency: false, pairPrior });
  const nonMatch = Float64Array.from(
    { length: sampleLevels.count },
    (_, p) => 1 - weightToProbability(first.weightFromLevels(sampleLevels.levels, p * f, sample.left[p] ?? 0, sample.right[p] ?? 0)),
  );
  const params = parameters(
    estimateU(
      features,
      sampleLevels,
      featurePriors.map((p) => p?.u),
      nonMatch,
    ).u,
  );
  const linkWeight = probabilityToWeight(linkThreshold);
  const typos = typoReferences(features, candidates, createScorer(prepared, params, undefined, { pairPrior }), linkWeight);
  // How many fields a duplicate gets wrong, learnt from the candidates (disagreement-count.ts). Measured
  // (bonus learnt): RLdata10000 0.9819 -> 0.9880 (+1.21 bits), fake_1000 0.9419 -> 0.9430 (+0.09),
  // customers-2k 0.9141 -> 0.9147 (+0.12); FEBRL 1-3 (+0.22-0.24) unchanged, dedupe example 0 (bunched).
  const independent = createScorer(prepared, params, typos, { pairPrior });
  const singleDisagreementBonus = singleDisagreementBonusOf(
    candidates,
    params.features.map((p) => p.m[0] ?? 0),
    (p) => weightToProbability(independent.weightFromLevels(candidates.levels, p * f, candidates.left[p] ?? 0, candidates.right[p] ?? 0)),
  );
  const scorer =
    singleDisagreementBonus > 0 ? createScorer(prepared, { ...params, singleDisagreementBonus }, typos, { pairPrior }) : independent;

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
    model: {
      lambda,
      lambdaDataShare,
      singleDisagreementBonus,
      linkThreshold,
      reviewThreshold,
      trainingRules: usedTraining,
      features: params.features.map((p, k) => {
        const priorM = featurePriors[k] !== undefined;
        const uShare = featurePriors[k] === undefined ? 1 : (uPairs[k] ?? 0) / ((uPairs[k] ?? 0) + 2 * p.levels.length);
        return {
          name: p.name,
          termFrequency: features[k]?.termFrequency ?? false,
          hasPrior: priorM,
          mDataShare: mDataShare[k] ?? 0,
          uDataShare: uShare,
          levels: p.levels.map((level, l) => ({ level, m: p.m[l] ?? 0, u: p.u[l] ?? 1, weight: levelWeights(p.m, p.u, p.uSeen)[l] ?? 0 })),
        };
      }),
    },
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

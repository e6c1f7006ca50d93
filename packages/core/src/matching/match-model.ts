/**
 * Learning the matching model (steps 1–4 of match-engine.ts): prepare features, u from random pairs, m by EM
 * per training rule (match-training.ts), λ from the sure-match rule over the blocked candidate pairs, u again
 * with each random pair weighed by its probability of not matching, typo references and the single-disagreement
 * bonus. `matchRecords` goes on to score, cluster and link what this leaves; `learnMatchModel` stops here.
 * Why a model-only path: the server's incremental matcher learns the model again as its store grows, and
 * scoring, clustering and entity linking of every stored record were a part of that cost it never used.
 */
import { selectBlockingRules } from './blocking-rules.ts';
import { prepareRecords, type MatchRecord } from './comparison-features.ts';
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
import { seededRandom } from './seeded-random.ts';
import { singleDisagreementBonus as singleDisagreementBonusOf } from './disagreement-count.ts';
import { kindPrior } from './kind-prior.ts';
import { compareCandidates, crossSourcePairs, typoReferences } from './match-pairs.ts';
import type { MatchModelSummary, MatchOptions } from './match-result.ts';
import { estimateM } from './match-training.ts';

/** Random pairs for u: enough for rare levels, bounded so start-up stays fast. */
const U_SAMPLE_PAIRS = (n: number): number => Math.min(100_000, Math.max(40_000, 10 * n));
/** Share of true matches assumed to pass the sure-match rule (typos and gaps make many fail it). */
const ASSUMED_SURE_RULE_RECALL = 0.5;

/** The learnt model with what linking goes on from: records in key order, their features, candidate pairs, the scorer. */
export interface LearntModel {
  readonly records: readonly MatchRecord[];
  readonly indexOfKey: ReadonlyMap<string, number>;
  readonly linking: boolean;
  readonly sources: readonly string[];
  readonly accept: ((i: number, j: number) => boolean) | undefined;
  readonly prepared: ReturnType<typeof prepareRecords>;
  readonly selected: ReturnType<typeof selectBlockingRules>['selected'];
  readonly considered: ReturnType<typeof selectBlockingRules>['considered'];
  readonly candidates: ReturnType<typeof compareCandidates>;
  readonly totalPairs: number;
  readonly linkThreshold: number;
  readonly reviewThreshold: number;
  readonly linkWeight: number;
  readonly scorer: ReturnType<typeof createScorer>;
  readonly model: MatchModelSummary;
}

/** Learns the model of these records (see the file comment), keeping what linking needs. */
export function learnModel(options: MatchOptions): LearntModel {
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
  const model: MatchModelSummary = {
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
  };

  return {
    records,
    indexOfKey,
    linking,
    sources,
    accept,
    prepared,
    selected,
    considered,
    candidates,
    totalPairs,
    linkThreshold,
    reviewThreshold,
    linkWeight,
    scorer,
    model,
  };
}

/** The model `matchRecords` would learn from these records, without scoring, clustering or linking them. */
export function learnMatchModel(options: MatchOptions): MatchModelSummary {
  return learnModel(options).model;
}
